import json

import pandas as pd

from sermodels import pipeline
from sermodels.cli import main
from sermodels.features import get_spec
from sermodels.training import TrainConfig

ARTEFACTS = ("model.keras", "normalizer.json", "label_set.json", "config.json", "history.csv",
             "split.csv", "environment.json", "metrics.json", "manifest.csv",
             "test_predictions.csv")


def test_run_on_a_data_root_writes_every_artefact(tiny_original, tmp_path):
    spec = get_spec("mfcc40", audio={"duration": 1.0})
    outcome = pipeline.run(tiny_original.root, spec=spec,
                           config=TrainConfig(epochs=2, verbose=0), runs_dir=tmp_path,
                           cache_dir=tmp_path / "cache")
    for name in ARTEFACTS:
        assert (outcome.run_dir / name).is_file(), name
    metrics = json.loads((outcome.run_dir / "metrics.json").read_text())
    assert metrics["protocol"] == "speaker"
    assert metrics["corpora"] == ["cremad", "ravdess", "savee", "tess"]
    assert metrics["label_set"] == "unified7" and metrics["seed"] == 0
    assert abs(metrics["chance_uniform"] - 1 / 7) < 1e-9
    split = pd.read_csv(outcome.run_dir / "split.csv")
    assert split.groupby("speaker")["split"].nunique().max() == 1
    assert "skipped 4 file(s)" in outcome.load_summary
    html = (outcome.run_dir / "report.html").read_text()
    for heading in ("Confusion matrix, counts", "Roc curves", "Learning curves",
                    "Per-class report", "Configuration", "Environment"):
        assert heading in html, heading
    assert html.count("data:image/png;base64") >= 4 and "speaker-independent" in html
    for png in ("confusion_counts.png", "roc.png", "learning_curves.png", "per_corpus.png"):
        assert (outcome.run_dir / png).is_file()
    evaluation = json.loads((outcome.run_dir / "evaluation.json").read_text())
    assert evaluation["context"]["protocol"] == "speaker"
    assert len(evaluation["metrics"]["accuracy_ci95"]) == 2
    # the report's interval resamples test speakers, and says so
    assert evaluation["metrics"]["ci95_resamples"] == "speakers"
    assert "resample test <b>speakers</b>" in html and "95ci_resamples" in html


def test_main_job_on_the_synthetic_corpus(tmp_path, capsys):
    code = main(["run", "--synthetic-size", "tiny", "--epochs", "1", "--runs-dir", str(tmp_path),
                 "--cache", str(tmp_path / "cache"), "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "synthetic demo corpus" in text
    assert "SPEAKER-INDEPENDENT" in text and "chance level" in text
    assert "Run folder:" in text and "report.html" in text
    assert (tmp_path / "synthetic-tiny-seed0" / ".complete").exists()


def test_recommended_run_reports_the_comparison_with_paper000(tiny_original, tmp_path):
    from sermodels import presets

    preset = presets.get("recommended").with_config(epochs=1, verbose=0, augment_copies=0)
    outcome = pipeline.run(tiny_original.root, preset=preset, corpora=["tess", "savee"],
                           runs_dir=tmp_path, cache_dir=tmp_path / "cache", compare_epochs=1)
    table = pd.read_csv(outcome.run_dir / "comparison_with_paper000.csv")
    assert list(table["preset"]) == ["recommended", "paper000 (epochs capped at 1)"]
    assert "Comparison with the paper-000 preset" in (outcome.run_dir / "report.html").read_text()
