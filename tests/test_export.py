import pytest

from sermodels.cli import main
from sermodels.export import export_tflite


@pytest.mark.parametrize("quantize", [None, "dynamic"])
def test_tflite_export_matches_keras(trained_run, quantize):
    report = export_tflite(trained_run.run_dir, quantize=quantize, clips=10)
    assert report["clips_checked"] >= 5
    assert report["top1_agreement"] >= 0.9
    assert report["max_probability_difference"] < (1e-4 if quantize is None else 0.05)
    assert report["tflite_size_kb"] > 0 and report["tflite_latency_ms"] > 0
    if quantize == "dynamic":
        assert report["tflite_size_kb"] < report["keras_size_kb"] / 2


def test_export_command(trained_run, capsys):
    assert main(["export", "--run", str(trained_run.run_dir), "--quantize", "float16",
                 "--clips", "5"]) == 0
    out = capsys.readouterr().out
    assert "agreement top-1" in out and "model-float16.tflite" in out
