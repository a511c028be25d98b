"""Clear errors and exit codes: one exception base class, checked arguments, no traceback."""

from __future__ import annotations

import numpy as np
import pytest

from sermodels import errors
from sermodels.cli import EXIT_DATA, EXIT_USAGE, main


def test_sermodels_errors_share_one_base_and_stay_value_errors():
    from sermodels.audio import AudioError
    from sermodels.augment import SplitGuardError
    from sermodels.corpora import ParseError
    from sermodels.download import DownloadError
    from sermodels.manifest import ManifestError
    from sermodels.splits import SpeakerLeakError

    for cls in (AudioError, SplitGuardError, ParseError, ManifestError, SpeakerLeakError,
                errors.DataError, errors.UsageError, errors.MissingAudioError):
        assert issubclass(cls, errors.SermodelsError) and issubclass(cls, ValueError), cls
    assert issubclass(DownloadError, errors.SermodelsError)
    assert issubclass(DownloadError, RuntimeError)


def test_no_assert_for_runtime_checks_in_the_library():
    from pathlib import Path

    import sermodels

    root = Path(sermodels.__file__).parent
    offenders = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if line.strip().startswith("assert ")]
    assert offenders == []


@pytest.mark.parametrize("argv, option", [
    (["train", "--manifest", "m.csv", "--batch-size", "0"], "--batch-size"),
    (["train", "--manifest", "m.csv", "--epochs", "0"], "--epochs"),
    (["train", "--manifest", "m.csv", "--jobs", "-2"], "--jobs"),
    (["train", "--manifest", "m.csv", "--max-missing", "1.5"], "--max-missing"),
    (["train", "--manifest", "m.csv", "--spec", "nosuchspec"], "--spec"),
    (["train", "--manifest", "m.csv", "--seed", "-1"], "--seed"),
    (["predict", "x.wav", "--run", "r", "--hop", "inf"], "--hop"),
    (["predict", "x.wav", "--run", "r", "--hop", "0"], "--hop"),
    (["predict", "x.wav", "--run", "r", "--window", "-3"], "--window"),
    (["predict", "x.wav", "--run", "r", "--window", "nan"], "--window"),
    (["features", "--manifest", "m.csv", "--copies", "0"], "--copies"),
    (["cv", "--folds", "1"], "--folds"),
    (["cv", "--epochs", "0"], "--epochs"),
    (["ablate", "--vary", "lstm_layers"], "--vary"),
    (["tune", "--max-trials", "0"], "--max-trials"),
    (["export", "--run", "r", "--clips", "0"], "--clips"),
    (["synth", "--dest", "d", "--size", "huge"], "--size"),
    (["run", "--preset", "nosuchpreset"], "--preset"),
    (["compare", "--models", "cnn_lstm,nosuchmodel"], "--models"),
    (["download", "iemocap", "--dest", "d"], "corpus"),
])
def test_bad_numbers_and_names_are_usage_errors(argv, option, capsys):
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"sermodels {argv[0]}: error: argument {option}" in err
    assert "Traceback" not in err


def test_choices_come_from_the_registries(capsys):
    from sermodels import labels
    from sermodels.features import spec_names

    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ["recommended", "functionals", *spec_names(), "svm", "cnn_lstm",
                 *labels.names()]:
        assert name in text
    assert main(["cv", "--help"]) == 0
    text = capsys.readouterr().out
    assert "recommended" in text and "svm_functionals" in text and "--max-missing" in text


def test_every_training_command_shares_max_missing():
    from sermodels.cli import build_parser

    parser = build_parser()
    for command in ("train", "run", "cv", "compare", "compare-protocols", "ablate", "tune"):
        argv = [command, "--max-missing", "0.2"]
        argv += {"train": ["--manifest", "m.csv"], "compare": ["--models", "svm"],
                 "ablate": ["--vary", "c=1,2"]}.get(command, [])
        assert parser.parse_args(argv).max_missing == 0.2, command


def test_verbose_is_accepted_before_and_after_the_command(capsys):
    assert main(["--verbose", "verify", "--help"]) == 0
    assert main(["verify", "--verbose", "--help"]) == 0


def test_file_errors_exit_1_with_the_command_and_no_traceback(tmp_path, capsys):
    assert main(["train", "--manifest", str(tmp_path / "none.csv")]) == EXIT_DATA
    err = capsys.readouterr().err
    assert err.startswith("sermodels train: error:") and "none.csv" in err
    assert "Traceback" not in err


def test_verify_on_an_empty_folder_says_no_corpus_and_exits_1(tmp_path, capsys):
    assert main(["verify", "--data-root", str(tmp_path)]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "no corpus found" in err and "Traceback" not in err


def test_get_data_does_not_hide_broken_real_corpora(tmp_path, monkeypatch):
    import soundfile as sf

    from sermodels import notebook

    monkeypatch.delenv(notebook.SMOKE_VAR, raising=False)
    monkeypatch.setenv(notebook.HOME_VAR, str(tmp_path / "home"))
    root = tmp_path / "data"
    root.mkdir()
    sf.write(root / "not_a_corpus_name.wav", np.zeros(1600, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="no .* audio files found"):
        notebook.get_data(root)


def test_prepare_names_lost_clips_and_refuses_a_shrunken_split(tiny_original, tmp_path, capsys):
    from sermodels import manifest
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, allow_missing, prepare

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    test_rows = frame.index[frame["split"] == "test"]
    frame.loc[test_rows[:2], "path"] = ["gone/one.wav", "gone/two.wav"]
    spec = get_spec("paper002")
    config = TrainConfig(model="svm", verbose=0)
    with pytest.raises(errors.MissingAudioError, match="test split lost 2 of"):
        prepare(frame, tiny_original.root, spec, config, cache_dir=tmp_path / "c")
    err = capsys.readouterr().err
    assert "gone/one.wav: file not found" in err and "test 2 of" in err
    prep = prepare(frame, tiny_original.root, spec, config, cache_dir=tmp_path / "c",
                   max_missing=1.0)
    assert len(prep.rows) == len(frame) - 2
    assert "gone/two.wav" in capsys.readouterr().err
    with allow_missing(0.5):  # the CLI's --max-missing for commands built on prepare
        prepare(frame, tiny_original.root, spec, config, cache_dir=tmp_path / "c")


def test_prepare_with_a_wrong_data_root_says_no_audio_was_found(tiny_original, tmp_path):
    from sermodels import manifest
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, prepare

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    with pytest.raises(errors.DataError, match="no usable audio under .* for any of"):
        prepare(frame, tmp_path, get_spec("paper002"), TrainConfig(model="svm", verbose=0),
                cache_dir=tmp_path / "c")


def test_prepare_refuses_nan_features_naming_the_clips(tiny_original, tmp_path):
    from sermodels import manifest
    from sermodels.cache import extract_features
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, prepare

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    spec = get_spec("paper002")
    fs = extract_features(frame, tiny_original.root, spec, cache_dir=tmp_path / "c",
                          progress=False)
    fs.x[3, 0] = np.nan
    with pytest.raises(errors.DataError, match=f"NaN or infinite features: {fs.rows.path[3]}"):
        prepare(frame, tiny_original.root, spec, TrainConfig(model="svm", verbose=0),
                features=fs)


def test_failed_train_leaves_no_empty_run_folder(tiny_original, tmp_path, capsys):
    from sermodels import manifest

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    manifest.write_manifest(frame, tmp_path / "m.csv")
    runs = tmp_path / "runs"
    code = main(["train", "--manifest", str(tmp_path / "m.csv"), "--data-root",
                 str(tmp_path / "wrong"), "--model", "svm", "--spec", "paper002",
                 "--runs-dir", str(runs), "--cache", str(tmp_path / "c"), "--quiet"])
    assert code == EXIT_DATA
    err = capsys.readouterr().err
    assert "no usable audio under" in err and "Traceback" not in err
    assert not runs.exists() or list(runs.iterdir()) == []


def test_train_removes_only_an_empty_run_folder(tiny_original, tmp_path):
    from sermodels import manifest
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, train

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    spec, config = get_spec("paper002"), TrainConfig(model="svm", verbose=0)
    with pytest.raises(errors.DataError):
        train(frame, tmp_path / "wrong", spec, config, run_dir=tmp_path / "new")
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    with pytest.raises(errors.DataError):
        train(frame, tmp_path / "wrong", spec, config, run_dir=kept)
    assert (kept / "notes.txt").read_text() == "mine"


