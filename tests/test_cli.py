import subprocess
import sys

import pandas as pd

from sermodels.cli import EXIT_DATA, main


def test_manifest_prints_count_table_and_names_bad_files(tiny_original, tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert main(["manifest", "--data-root", str(tiny_original.root), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Files per corpus and emotion" in text
    for bad in tiny_original.bad_files:
        assert bad in text
    assert "total" in text and "surprise" in text
    frame = pd.read_csv(out)
    assert len(frame) == tiny_original.n_expected


def test_manifest_subset_and_random_protocol(tiny_original, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["manifest", "--data-root", str(tiny_original.root), "--corpora", "tess,savee",
                 "--protocol", "random", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert set(frame["corpus"]) == {"tess", "savee"} and set(frame["protocol"]) == {"random"}
    assert "protocol=random" in capsys.readouterr().out


def test_bad_input_exits_non_zero_with_a_message(tmp_path, capsys):
    assert main(["manifest", "--data-root", str(tmp_path / "missing")]) == EXIT_DATA
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "bad.csv").write_text("path,corpus\nx.wav,tess\n")
    assert main(["features", "--manifest", str(tmp_path / "bad.csv")]) == EXIT_DATA
    assert "missing column(s)" in capsys.readouterr().err
    assert main(["manifest", "--data-root", str(tmp_path), "--corpora", "iemocap"]) == EXIT_DATA


def test_verify_and_synth(tmp_path, capsys):
    assert main(["synth", "--dest", str(tmp_path), "--size", "tiny", "--corpora", "savee",
                 "--quiet"]) == 0
    assert main(["verify", "--data-root", str(tmp_path), "--corpora", "savee"]) == 0
    text = capsys.readouterr().out
    assert "savee" in text and "expected" in text and "480" in text


def test_console_script_help():
    for command in ([], ["run"], ["manifest"], ["verify"], ["train"], ["features"], ["synth"]):
        result = subprocess.run([sys.executable, "-m", "sermodels.cli", *command, "--help"],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0 and "usage: sermodels" in result.stdout


def test_features_command_with_augmentation(tiny_original, tmp_path, capsys):
    manifest_path = tmp_path / "m.csv"
    assert main(["manifest", "--data-root", str(tiny_original.root), "--corpora", "savee",
                 "--out", str(manifest_path)]) == 0
    capsys.readouterr()
    args = ["features", "--manifest", str(manifest_path), "--data-root", str(tiny_original.root),
            "--spec", "paper002", "--cache", str(tmp_path / "c"), "--quiet"]
    assert main(args) == 0
    assert "0 from the cache" in capsys.readouterr().out
    assert main([*args, "--augment", "noise,time_shift"]) == 0
    text = capsys.readouterr().out
    n = len(tiny_original.expected["savee"])
    assert f"{n} clips, features (128,) (paper002), {n} from the cache" in text
    assert "augmented copies of" in text and "validation and test rows untouched" in text
