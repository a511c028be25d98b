import dataclasses

import pandas as pd
import pytest

from sermodels import manifest, presets
from sermodels.audio import AudioConfig
from sermodels.cli import main
from sermodels.experiments import (
    compare_models,
    compare_protocols,
    cross_validate,
    leave_one_corpus_out,
)
from sermodels.features import FeatureSpec
from sermodels.training import TrainConfig

SPEC = FeatureSpec(name="pooled_mfcc", kind="pooled", n_mfcc=20, n_mels=40, stats=("mean", "std"),
                   normalization="zscore", audio=AudioConfig(duration=1.0))


@pytest.fixture(scope="module")
def frame(tiny_original):
    frame, _ = manifest.build_manifest(tiny_original.root)
    return frame


def preset(model="svm", epochs=1):
    return dataclasses.replace(presets.get("quickstart"), spec=SPEC,
                               config=TrainConfig(model=model, epochs=epochs, verbose=0))


def test_cv_folds_are_speaker_disjoint_and_cover_every_speaker(frame, tiny_original, tmp_path):
    outcome = cross_validate(frame, tiny_original.root, preset(), folds=5, run_dir=tmp_path / "cv",
                             cache_dir=tmp_path / "cache")
    assert len(outcome.table) == 5
    tested = []
    for k in range(5):
        split = pd.read_csv(tmp_path / "cv" / f"fold{k}" / "split.csv")
        test_speakers = set(split.loc[split["split"] == "test", "speaker"])
        assert not test_speakers & set(split.loc[split["split"] != "test", "speaker"])
        tested += sorted(test_speakers)
    assert sorted(tested) == sorted(frame["speaker"].unique())  # each speaker tested exactly once
    assert set(outcome.summary.index) == {"accuracy", "unweighted_accuracy", "macro_f1"}
    assert (outcome.summary["std"] >= 0).all() and outcome.report_path.is_file()


def test_compare_protocols_shows_the_leakage_gap(frame, tiny_original, tmp_path):
    outcome = compare_protocols(frame, tiny_original.root, preset(), run_dir=tmp_path / "cp",
                                cache_dir=tmp_path / "cache")
    table = outcome.table.set_index("protocol")
    assert set(table.index) == {"random", "speaker"}
    assert table.loc["random", "unweighted_accuracy"] >= table.loc["speaker", "unweighted_accuracy"]
    assert table.loc["random", "test_speakers_seen_in_training"] > 0
    assert table.loc["speaker", "test_speakers_seen_in_training"] == 0
    assert outcome.extra["gap"]["unweighted_accuracy"] >= 0
    html = outcome.report_path.read_text()
    assert "leakage gap" in html.lower() and "data:image/png;base64" in html


def test_compare_models_on_the_same_split(frame, tiny_original, tmp_path):
    outcome = compare_models(frame, tiny_original.root, ["dnn", "svm", "random_forest"],
                             preset("dnn"), run_dir=tmp_path / "cmp", cache_dir=tmp_path / "cache")
    assert list(outcome.table["name"]) == ["dnn", "svm", "random_forest"]
    assert outcome.table["n_test"].nunique() == 1  # same test items for every model
    per_class = outcome.extra["per_class"]
    assert set(per_class["model"]) == {"dnn", "svm", "random_forest"}
    assert outcome.report_path.is_file()


def test_leave_one_corpus_out(frame, tiny_original, tmp_path):
    outcome = leave_one_corpus_out(frame, tiny_original.root, preset(), run_dir=tmp_path / "loco",
                                   cache_dir=tmp_path / "cache")
    assert list(outcome.table["held_out"]) == ["cremad", "ravdess", "savee", "tess"]
    for corpus in outcome.table["held_out"]:
        split = pd.read_csv(tmp_path / "loco" / corpus / "split.csv")
        assert set(split.loc[split["split"] == "test", "corpus"]) == {corpus}


def test_emobox_folds_need_ravdess(frame, tiny_original, tmp_path):
    with pytest.raises(ValueError, match="RAVDESS only"):
        cross_validate(frame, tiny_original.root, preset(), folds="emobox", run_dir=tmp_path / "e")


def test_cv_random_protocol_is_honoured_and_labelled_leaky(tiny_original, tmp_path, capsys):
    """`cv --protocol random` used to be overwritten with speaker (issue 13)."""
    common = ["--data-root", str(tiny_original.root), "--preset", "paper002", "--epochs", "1",
              "--runs-dir", str(tmp_path), "--cache", str(tmp_path / "cache"), "--quiet",
              "--corpora", "tess,savee", "--folds", "2"]
    assert main(["cv", *common, "--protocol", "random"]) == 0
    out = capsys.readouterr().out
    assert "RANDOM folds of utterances, SPEAKERS LEAK" in out
    (run,) = tmp_path.glob("*-cv-*")
    assert set(pd.read_csv(run / "results.csv")["protocol"]) == {"random"}
    assert set(pd.read_csv(run / "summary.csv")["protocol"]) == {"random"}
    assert (run / "protocol.json").read_text().count('"leaky": true') == 1
    assert "random" in (run / "report.html").read_text()
    for k in range(2):
        split = pd.read_csv(run / f"fold{k}" / "split.csv")
        assert set(split["protocol"]) == {"random"}
        test = set(split.loc[split["split"] == "test", "speaker"])
        assert test & set(split.loc[split["split"] == "train", "speaker"])  # leaky on purpose
        assert '"protocol": "random"' in (run / f"fold{k}" / "metrics.json").read_text()
    assert main(["cv", *common, "--protocol", "random", "--scheme", "loco"]) == 1
    assert "does not apply" in capsys.readouterr().err
    assert main(["cv", *common[:-2], "--folds", "emobox", "--protocol", "random"]) == 1


def test_cli_manifest_with_corpora_and_protocol(frame, tiny_original, tmp_path, capsys):
    """With --manifest, --corpora and --protocol used to be ignored silently (issue 13)."""
    speaker_csv = manifest.write_manifest(frame, tmp_path / "speaker.csv")
    random_csv = manifest.write_manifest(manifest.assign_splits(frame, protocol="random"),
                                         tmp_path / "random.csv")
    common = ["--data-root", str(tiny_original.root), "--preset", "paper002", "--epochs", "1",
              "--cache", str(tmp_path / "cache"), "--quiet", "--models", "dnn"]
    assert main(["compare", "--manifest", str(speaker_csv), "--corpora", "tess,savee",
                 "--runs-dir", str(tmp_path / "a"), *common]) == 0
    (run,) = (tmp_path / "a").iterdir()
    split = pd.read_csv(run / "dnn" / "split.csv")
    assert set(split["corpus"]) == {"tess", "savee"} and set(split["protocol"]) == {"speaker"}
    assert main(["compare", "--manifest", str(speaker_csv), "--corpora", "tess,savee",
                 "--protocol", "random", "--runs-dir", str(tmp_path / "b"), *common]) == 0
    (run,) = (tmp_path / "b").iterdir()
    assert set(pd.read_csv(run / "dnn" / "split.csv")["protocol"]) == {"random"}
    assert "random" in capsys.readouterr().out
    assert main(["compare", "--manifest", str(random_csv), "--runs-dir", str(tmp_path / "c"),
                 *common]) == 1
    assert "pass --protocol random" in capsys.readouterr().err
    small = manifest.write_manifest(frame[frame["corpus"] == "tess"], tmp_path / "tess.csv")
    assert main(["compare", "--manifest", str(small), "--corpora", "savee",
                 "--runs-dir", str(tmp_path / "d"), *common]) == 1
    assert "not in manifest" in capsys.readouterr().err


def test_every_command_trains_through_the_one_routine(tiny_original, tmp_path, monkeypatch,
                                                      capsys):
    """run, tune, ablate, cv, compare, compare-protocols and ensembles all call training.fit
    (and cv and compare-protocols print their summaries)."""
    from sermodels import training

    calls = []
    real_fit = training.fit

    def spy(prep, config, **kwargs):
        calls.append(config)
        # the routing is under test, not the network: paper 002's BiLSTM takes seconds to trace
        cheap = dataclasses.replace(config, model="dnn", model_options={})
        return real_fit(prep, cheap, **kwargs)

    monkeypatch.setattr(training, "fit", spy)
    common = ["--data-root", str(tiny_original.root), "--preset", "paper002", "--epochs", "1",
              "--runs-dir", str(tmp_path), "--cache", str(tmp_path / "cache"), "--quiet",
              "--corpora", "tess,savee", "--seed", "3"]
    expected = {("run",): 1, ("tune", "--max-trials", "1"): 1,
                ("ablate", "--vary", "ensemble=2"): 1, ("cv", "--folds", "2"): 2,
                ("compare", "--models", "dnn"): 1, ("compare-protocols",): 2}
    printed = {("cv", "--folds", "2"): ["Mean ± std over 2 rounds", "Report:"],
               ("compare-protocols",): ["gap (random - speaker)"]}
    for command, n in expected.items():
        before = len(calls)
        assert main([command[0], *common, *command[1:]]) == 0, command
        assert len(calls) - before == n, command
        out = capsys.readouterr().out
        assert all(text in out for text in printed.get(command, [])), (command, out)
    assert all(c.seed == 3 and c.epochs == 1 for c in calls)
    assert [c.ensemble for c in calls].count(2) == 1  # the ensemble's members: inside fit
