"""Your own corpus, end to end: the folders layout (one folder per emotion, speakers from a
file-name pattern), label files and inferred label sets, through manifest, train, cv, predict."""

import json

import pandas as pd
import pytest

from sermodels import manifest
from sermodels.cli import EXIT_DATA, EXIT_USAGE, main
from sermodels.corpora import load_folders
from sermodels.synthetic_folders import ODD_FILES, generate_folders

PATTERN = r"^(?P<speaker>[a-z]+)_"  # the README's example


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """A fifth corpus: 4 speakers x 3 emotions x 4 clips of 1 s, plus two files that do not fit."""
    return generate_folders(tmp_path_factory.mktemp("own") / "my_recordings", speakers=4,
                            emotions=("angry", "happy", "sad"), per_emotion=4, duration=1.0)


def test_loader_returns_exactly_what_was_generated(own):
    result = load_folders(own.root, PATTERN, corpus="mycorpus")
    got = {r.path: (r.speaker, r.native_label) for r in result.records}
    assert got == {p: (f"mycorpus_{s}", e) for p, (s, e) in own.expected.items()}
    assert {r.corpus for r in result.records} == {"mycorpus"}
    # files that do not fit are reported by name, with the reason, never dropped silently
    assert dict(result.skipped) == {
        "angry/Recording 7.wav": f"file name does not match the speaker pattern {PATTERN!r}",
        "loose_take.wav": "not inside an emotion folder (expected ROOT/<emotion>/<file>)",
    }
    assert set(ODD_FILES) == set(own.odd_files)
    summary = result.summary()
    assert "skipped 2 file(s)" in summary and "angry/Recording 7.wav" in summary


def test_optional_groups_and_bad_patterns(tmp_path):
    (tmp_path / "Happy").mkdir()
    (tmp_path / "Happy" / "F_03_x.wav").write_bytes(b"")  # metadata only: audio not read
    (tmp_path / "Happy" / "Q_04_x.wav").write_bytes(b"")
    result = load_folders(tmp_path, r"^(?P<gender>[MF])_(?P<speaker>\d+)_", corpus="emo-db2")
    (record,) = result.records
    assert (record.speaker, record.gender, record.native_label) == ("emo-db2_03", "female",
                                                                    "Happy")
    assert result.skipped == [("Happy/Q_04_x.wav", "file name does not match the speaker "
                               r"pattern '^(?P<gender>[MF])_(?P<speaker>\\d+)_'")]
    with pytest.raises(ValueError, match="no named group 'speaker'"):
        load_folders(tmp_path, r"^([a-z]+)_")
    with pytest.raises(ValueError, match="not a valid regular expression"):
        load_folders(tmp_path, r"^(?P<speaker>[a-z+_")
    with pytest.raises(ValueError, match="is a built-in corpus"):
        load_folders(tmp_path, PATTERN, corpus="ravdess")
    with pytest.raises(ValueError, match="bad corpus name"):
        load_folders(tmp_path, PATTERN, corpus="my corpus")
    with pytest.raises(ValueError, match=r"no file .*\(2 audio file\(s\) did not fit"):
        load_folders(tmp_path, r"^(?P<speaker>zz)_")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_folders(tmp_path / "missing", PATTERN)


def test_build_manifest_with_the_folders_layout(own, tmp_path):
    frame, loaded = manifest.build_manifest(own.root, layout="folders", speaker_pattern=PATTERN,
                                            corpus_name="mycorpus")
    assert len(frame) == len(own.expected) and len(loaded.skipped) == 2
    assert frame.groupby("split")["speaker"].nunique().to_dict() == {"train": 3, "test": 1}
    back = manifest.read_manifest(manifest.write_manifest(frame, tmp_path / "m.csv"))
    assert set(back["native_label"]) == {"angry", "happy", "sad"}
    with pytest.raises(ValueError, match="needs a speaker pattern"):
        manifest.build_manifest(own.root, layout="folders")
    with pytest.raises(ValueError, match="only used with the folders layout"):
        manifest.build_manifest(own.root, speaker_pattern=PATTERN)


def _label_file(tmp_path):
    path = tmp_path / "my_labels.json"
    path.write_text(json.dumps({"name": "mine3", "classes": ["anger", "joy", "sadness"],
                                "mapping": {"angry": "anger", "happy": "joy", "sad": "sadness"}}))
    return path


def _newest_run(runs_dir):
    return max((p for p in runs_dir.iterdir() if (p / "label_set.json").exists()),
               key=lambda p: p.stat().st_mtime)


@pytest.mark.parametrize("labels_mode", ["file", "inferred"])
def test_own_corpus_end_to_end_through_the_cli(own, tmp_path, capsys, labels_mode):
    out = tmp_path / "manifest.csv"
    assert main(["manifest", "--data-root", str(own.root), "--layout", "folders",
                 "--speaker-pattern", PATTERN, "--corpus-name", "mycorpus",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "skipped 2 file(s)" in text and "angry/Recording 7.wav" in text
    assert "loose_take.wav" in text and f"wrote {out} (48 rows)" in text

    labels = str(_label_file(tmp_path)) if labels_mode == "file" else "inferred"
    classes = (["anger", "joy", "sadness"] if labels_mode == "file"
               else ["angry", "happy", "sad"])
    runs_dir, cache = tmp_path / "runs", tmp_path / "cache"
    common = ["--data-root", str(own.root), "--runs-dir", str(runs_dir), "--cache", str(cache),
              "--quiet"]
    assert main(["train", "--manifest", str(out), "--labels", labels, "--model", "svm",
                 "--spec", "functionals", *common]) == 0
    text = capsys.readouterr().out
    run = _newest_run(runs_dir)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["corpora"] == ["mycorpus"] and metrics["n"] == 12  # one test speaker
    assert metrics["unweighted_accuracy"] > 0.6, text  # well above chance (1/3)
    assert json.loads((run / "label_set.json").read_text())["classes"] == classes

    assert main(["predict", str(own.root / "happy"), "--run", str(run),
                 "--out", str(tmp_path / "p.csv")]) == 0
    table = pd.read_csv(tmp_path / "p.csv")
    assert len(table) == 16 and set(table["label"]) <= set(classes)
    assert (table["label"] == classes[1]).mean() > 0.5  # mostly right (3 of 4 speakers seen)

    assert main(["cv", "--manifest", str(out), "--preset", "svm_functionals",
                 "--labels", labels, "--folds", "2", *common]) == 0
    text = capsys.readouterr().out
    assert "Mean ± std over 2 rounds" in text


def test_keras_model_on_inferred_labels(own, tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert main(["manifest", "--data-root", str(own.root), "--layout", "folders",
                 "--speaker-pattern", PATTERN, "--out", str(out)]) == 0
    runs_dir = tmp_path / "runs"
    assert main(["train", "--manifest", str(out), "--data-root", str(own.root),
                 "--labels", "inferred", "--model", "cnn_lstm",
                 "--spec", "mfcc40", "--epochs", "1", "--runs-dir", str(runs_dir),
                 "--cache", str(tmp_path / "c"), "--quiet"]) == 0
    run = _newest_run(runs_dir)
    capsys.readouterr()
    assert main(["predict", str(own.root / "sad" / "alice_00.wav"), "--run", str(run)]) == 0
    assert "alice_00.wav: " in capsys.readouterr().out


def test_user_manifest_with_an_own_corpus_trains(own, tmp_path, capsys):
    rows = [{"path": p, "corpus": "mycorpus", "speaker": s, "native_label": e, "label": e}
            for p, (s, e) in own.expected.items()]
    mine = tmp_path / "mine.csv"
    pd.DataFrame(rows).to_csv(mine, index=False)  # no split: --protocol speaker draws one
    args = ["train", "--manifest", str(mine), "--data-root", str(own.root), "--model", "svm",
            "--spec", "functionals", "--runs-dir", str(tmp_path / "runs"),
            "--cache", str(tmp_path / "c"), "--quiet"]
    assert main([*args, "--labels", "inferred", "--protocol", "speaker"]) == 0
    assert "labels mycorpus_inferred" in capsys.readouterr().out
    # the default label set covers the built-in corpora only: said clearly, exit 1
    assert main([*args, "--protocol", "speaker"]) == EXIT_DATA
    assert "keeps no file of corpus 'mycorpus'" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"angry": "a", "happy": "b"}')  # 'sad' not mapped
    assert main([*args, "--labels", str(bad), "--protocol", "speaker"]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "bad.json" in err and "mycorpus:sad" in err


def test_folders_options_need_the_folders_layout(own, tmp_path, capsys):
    assert main(["manifest", "--data-root", str(own.root), "--layout", "nope"]) == EXIT_USAGE
    assert main(["manifest", "--data-root", str(own.root), "--layout", "folders",
                 "--out", str(tmp_path / "m.csv")]) == EXIT_DATA
    assert "needs a speaker pattern" in capsys.readouterr().err
    assert main(["manifest", "--data-root", str(own.root), "--layout", "folders",
                 "--speaker-pattern", "([a-z]+)_", "--out", str(tmp_path / "m.csv")]) == EXIT_DATA
    assert "no named group 'speaker'" in capsys.readouterr().err


def test_readme_commands_for_your_own_dataset_parse():
    """The FAQ answer shows the commands tested above; they must stay valid."""
    import re
    import shlex
    from pathlib import Path

    from sermodels.cli import build_parser

    text = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    answer = text.split("**Can I use my own dataset?**", 1)[1].split("\n**", 1)[0]
    commands = [c for block in re.findall(r"```bash\n(.*?)```", answer, re.S)
                for c in block.replace("\\\n", " ").splitlines() if c.strip()]
    assert [c.split()[1] for c in commands] == ["manifest", "train", "cv", "predict", "train"]
    for command in commands:
        args = build_parser().parse_args(shlex.split(command.replace("<", "").replace(">", ""))[1:])
        assert args.command == command.split()[1]
