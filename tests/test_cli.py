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


def test_console_script_help(capsys):
    """The entry point in a fresh process, then every command's help in this one (a process
    per command would import TensorFlow for each: the choices of --preset and --model)."""
    result = subprocess.run([sys.executable, "-m", "sermodels.cli", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "usage: sermodels" in result.stdout
    assert all(command in result.stdout for command in COMMANDS)
    for command in COMMANDS:
        assert main([command, "--help"]) == 0, command
        assert f"usage: sermodels {command}" in capsys.readouterr().out, command


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


COMMANDS = ("manifest", "verify", "download", "synth", "features", "train", "run", "tune",
            "ablate", "cv", "compare-protocols", "compare", "predict", "export")


def _no_traceback(capsys, command: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert f"sermodels {command}: error:" in err, err
    return err


def test_every_command_exits_2_on_usage_and_1_on_bad_data(tmp_path, capsys):
    from sermodels.cli import EXIT_USAGE, build_parser

    parser_commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert parser_commands == set(COMMANDS)
    # usage: a required argument left out, an unknown option
    for argv in (["manifest"], ["verify"], ["download"], ["synth"], ["features"], ["train"],
                 ["ablate"], ["compare"], ["predict"], ["export"], ["run", "--nosuchoption"],
                 ["tune", "--epochs", "x"], ["cv", "--scheme", "nosuch"],
                 ["compare-protocols", "--protocol", "nosuch"], ["nosuchcommand"]):
        assert main(argv) == EXIT_USAGE, argv
        err = capsys.readouterr().err
        assert "Traceback" not in err and "error:" in err, argv
    # data: files and folders that are not there, a broken manifest
    missing, broken = tmp_path / "missing", tmp_path / "broken.csv"
    broken.write_text("path,corpus,speaker,native_label,label\nx.wav,tess,,angry,angry\n")
    for argv in (
        ["manifest", "--data-root", str(missing), "--out", str(tmp_path / "m.csv")],
        ["verify", "--data-root", str(missing)],
        ["verify", "--data-root", str(tmp_path)],
        ["download", "tess", "--dest", str(tmp_path / "d"), "--source", str(missing / "x.zip")],
        ["features", "--manifest", str(missing / "m.csv")],
        ["features", "--manifest", str(broken), "--cache", str(tmp_path / "c")],
        ["train", "--manifest", str(broken), "--runs-dir", str(tmp_path / "runs")],
        ["train", "--manifest", str(missing / "m.csv"), "--runs-dir", str(tmp_path / "runs")],
        ["run", "--data-root", str(missing), "--runs-dir", str(tmp_path / "runs")],
        ["tune", "--manifest", str(broken), "--runs-dir", str(tmp_path / "runs")],
        ["ablate", "--vary", "dropout=0.1", "--manifest", str(broken),
         "--runs-dir", str(tmp_path / "runs")],
        ["cv", "--manifest", str(missing / "m.csv"), "--runs-dir", str(tmp_path / "runs")],
        ["compare-protocols", "--data-root", str(missing), "--runs-dir", str(tmp_path / "runs")],
        ["compare", "--models", "svm", "--manifest", str(broken),
         "--runs-dir", str(tmp_path / "runs")],
        ["predict", str(missing / "a.wav"), "--run", str(missing)],
        ["export", "--run", str(missing)],
    ):
        assert main(argv) == EXIT_DATA, argv
        _no_traceback(capsys, argv[0])
    runs = tmp_path / "runs"
    assert not runs.exists() or list(runs.iterdir()) == []  # failed commands leave no run folder


def test_predict_checks_out_before_predicting(trained_run, tiny_original, tmp_path, capsys):
    folder = tiny_original.root
    clip = next(folder.rglob("*.wav"))
    run = str(trained_run.run_dir)
    for out in (tmp_path / "nosuchdir" / "x.csv", tmp_path):
        assert main(["predict", str(clip), "--run", run, "--out", str(out)]) == EXIT_DATA
        err = _no_traceback(capsys, "predict")
        assert str(out) in err
    out = tmp_path / "one.csv"  # a single file honours --out: a one-row CSV
    assert main(["predict", str(clip), "--run", run, "--out", str(out)]) == 0
    capsys.readouterr()
    table = pd.read_csv(out)
    assert len(table) == 1 and table["path"].iloc[0].endswith(clip.name)


def test_predict_never_replaces_a_csv_with_nothing(trained_run, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.wav").write_bytes(b"")
    (bad / "text.wav").write_text("not audio at all")
    out = tmp_path / "keep.csv"
    out.write_text("path,label\nold.wav,happy\n")
    assert main(["predict", str(bad), "--run", str(trained_run.run_dir), "--out", str(out)]) \
        == EXIT_DATA
    captured = capsys.readouterr()
    assert "not written" in captured.out and "Traceback" not in captured.err
    assert out.read_text() == "path,label\nold.wav,happy\n"
    assert not list(tmp_path.glob(".tmp-*"))


def test_predict_on_a_long_file_says_only_part_is_used(trained_run, tmp_path, capsys):
    import numpy as np
    import soundfile as sf

    rate = 16000
    t = np.arange(rate * 12) / rate
    sf.write(tmp_path / "long.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)
    assert main(["predict", str(tmp_path / "long.wav"), "--run", str(trained_run.run_dir)]) == 0
    err = capsys.readouterr().err
    assert "lasts 12.0 s" in err and "--window" in err


def test_tensorflow_start_up_lines_are_hidden_unless_verbose(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    argv = [sys.executable, "-m", "sermodels.cli", "predict", str(tmp_path / "a.wav"),
            "--run", str(tmp_path / "no_run")]  # imports TensorFlow, then fails on the run
    quiet = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert quiet.returncode == EXIT_DATA
    for line in ("absl::InitializeLog", "oneDNN", "cudart", "cuda drivers", "Traceback"):
        assert line not in quiet.stderr, quiet.stderr
    assert quiet.stderr.startswith("sermodels predict: error:")
    loud = subprocess.run(argv[:3] + ["--verbose"] + argv[3:], capture_output=True, text=True,
                          env=env, check=False)
    assert loud.returncode == EXIT_DATA
    assert "absl::InitializeLog" in loud.stderr or "oneDNN" in loud.stderr


def test_a_closed_pipe_is_not_a_traceback(tiny_original, tmp_path):
    command = (f"{sys.executable} -m sermodels.cli manifest --data-root {tiny_original.root} "
               f"--out {tmp_path / 'm.csv'}")
    for reader in ("head -1", "true"):  # true: the reader is gone before the first write
        result = subprocess.run(["bash", "-c", f"{command} | {reader}"], capture_output=True,
                                text=True, check=False)
        assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr
    assert result.stdout == ""
