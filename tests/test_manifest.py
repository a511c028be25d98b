import pandas as pd
import pytest

from sermodels import manifest
from sermodels.manifest import ManifestError


@pytest.fixture()
def built(tiny_original):
    frame, result = manifest.build_manifest(tiny_original.root)
    return frame


def test_round_trip(built, tmp_path):
    path = manifest.write_manifest(built, tmp_path / "m.csv")
    back = manifest.read_manifest(path)
    assert list(back.columns) == list(manifest.COLUMNS)
    pd.testing.assert_frame_equal(back.reset_index(drop=True),
                                  built[list(manifest.COLUMNS)].reset_index(drop=True),
                                  check_dtype=False)


def test_built_manifest_is_speaker_independent(built):
    assert set(built["split"]) == {"train", "val", "test"}
    assert (built["protocol"] == "speaker").all()
    assert built.groupby("speaker")["split"].nunique().max() == 1
    assert built.groupby("speaker")["fold"].nunique().max() == 1


def test_random_protocol_is_recorded(tiny_original, tmp_path):
    frame, _ = manifest.build_manifest(tiny_original.root, protocol="random")
    assert (frame["protocol"] == "random").all()
    back = manifest.read_manifest(manifest.write_manifest(frame, tmp_path / "r.csv"))
    assert (back["protocol"] == "random").all()  # leakage is allowed, and labelled


def _write(frame, tmp_path):
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


def test_missing_columns(built, tmp_path):
    path = _write(built.drop(columns=["speaker"]), tmp_path)
    with pytest.raises(ManifestError, match=r"bad.csv: missing column\(s\) speaker"):
        manifest.read_manifest(path)


def test_unknown_label(built, tmp_path):
    bad = built.copy()
    bad.loc[3, "native_label"] = "bored"
    with pytest.raises(ManifestError, match="unknown .* label 'bored' at line 5"):
        manifest.read_manifest(_write(bad, tmp_path))
    bad = built.copy()
    bad.loc[2, "label"] = "happy" if bad.loc[2, "label"] != "happy" else "sad"
    with pytest.raises(ManifestError, match="does not match native label .* at line 4"):
        manifest.read_manifest(_write(bad, tmp_path))


def test_duplicated_paths(built, tmp_path):
    bad = built.copy()
    bad.loc[1, "path"] = bad.loc[0, "path"]
    with pytest.raises(ManifestError, match="duplicated path .* at line 2, 3"):
        manifest.read_manifest(_write(bad, tmp_path))


def test_speaker_leakage(built, tmp_path):
    bad = built.copy()
    speaker = bad.loc[0, "speaker"]
    rows = bad.index[bad["speaker"] == speaker]
    bad.loc[rows[0], "split"] = "test" if bad.loc[rows[1], "split"] != "test" else "train"
    with pytest.raises(ManifestError, match=f"speaker leakage .*{speaker}"):
        manifest.read_manifest(_write(bad, tmp_path))


def test_other_errors(built, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        manifest.read_manifest(tmp_path / "none.csv")
    bad = built.copy()
    bad.loc[0, "split"] = "dev"
    with pytest.raises(ManifestError, match="split must be train/val/test"):
        manifest.read_manifest(_write(bad, tmp_path))
    bad = built.copy()
    bad["fold"] = bad["fold"].astype(object)
    bad.loc[0, "fold"] = "x"
    with pytest.raises(ManifestError, match="non-integer fold at line 2"):
        manifest.read_manifest(_write(bad, tmp_path))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ManifestError, match="not a readable CSV"):
        manifest.read_manifest(tmp_path / "empty.csv")


def test_count_table(built):
    table = manifest.count_table(built)
    assert table.loc["total", "total"] == len(built)
    assert "surprise" in table.columns
    assert table.loc["cremad"].get("surprise", 0) == 0


def test_select_applies_a_label_set(built):
    chosen = manifest.select(built, "ravdess8")
    assert set(chosen["corpus"]) == {"ravdess"}
    assert chosen["y"].between(0, 7).all()
    nocalm = manifest.select(built, "unified7_nocalm")
    assert "calm" not in set(nocalm["native_label"])
    assert len(nocalm) == len(built) - (built["native_label"] == "calm").sum()


def test_full_corpus_gets_the_canonical_split():
    from sermodels import catalog

    full = catalog.canonical("savee")
    again = manifest.assign_splits(full.drop(columns=["split", "fold"]).assign(split="", fold=-1))
    assert (again["split"] == full["split"]).all() and (again["fold"] == full["fold"]).all()


# -- your own corpus in a manifest ---------------------------------------------------------

def _own_frame(n_speakers=10, natives=("angry", "calm", "happy")):
    rows = [{"path": f"{n}/s{s}_{n}.wav", "corpus": "mycorpus", "speaker": f"s{s}",
             "gender": "", "native_label": n, "label": n}
            for s in range(n_speakers) for n in natives]
    frame = pd.DataFrame(rows)
    for column in manifest.COLUMNS:
        if column not in frame:
            frame[column] = -1 if column == "fold" else ""
    return frame[list(manifest.COLUMNS)]


def test_any_corpus_name_is_accepted(tmp_path):
    frame = _own_frame()
    path = tmp_path / "mine.csv"
    frame[["path", "corpus", "speaker", "native_label", "label"]].to_csv(path, index=False)
    back = manifest.read_manifest(path)  # was: unknown corpus 'mycorpus'
    assert set(back["corpus"]) == {"mycorpus"} and (back["split"] == "").all()
    chosen = manifest.select(back, "inferred")
    assert sorted(chosen["target"].unique()) == ["angry", "calm", "happy"]
    with pytest.raises(ValueError, match="keeps no file of corpus 'mycorpus'.*--labels"):
        manifest.select(back, "unified7")


def test_own_corpus_gets_a_seeded_speaker_split():
    frame = _own_frame(n_speakers=10)
    a = manifest.assign_splits(frame, seed=0)
    speakers = a.groupby("split")["speaker"].nunique()
    assert speakers.to_dict() == {"train": 7, "val": 1, "test": 2}  # 70/10/20 by speaker
    assert a.groupby("speaker")["split"].nunique().max() == 1
    assert a.groupby("speaker")["fold"].nunique().max() == 1 and a["fold"].between(0, 4).all()
    assert a["split"].tolist() == manifest.assign_splits(frame, seed=0)["split"].tolist()
    other = manifest.assign_splits(frame, seed=3)
    assert other["split"].tolist() != a["split"].tolist()
    manifest.validate(a)
    # alongside a built-in corpus, each corpus is split on its own
    mixed = pd.concat([frame, catalog_like()], ignore_index=True)
    out = manifest.assign_splits(mixed)
    assert out[out["corpus"] == "mycorpus"]["split"].tolist() == a["split"].tolist()


def catalog_like():
    from sermodels import catalog

    return catalog.canonical("savee").assign(split="", fold=-1, protocol="")


@pytest.mark.parametrize("column, value, message", [
    ("corpus", "my corpus", "bad corpus name 'my corpus' at line 3"),
    ("path", "/abs/x.wav", "is absolute"),
    ("path", "../x.wav", "leaves the data root"),
    ("path", "a\\x.wav", "separate folders with '/'"),
    ("label", "furious", "'angry' of mycorpus has 2 different labels"),
    ("split", "dev", "split must be train/val/test"),
    ("native_label", "", "empty required field at line 3"),
])
def test_own_corpus_rows_are_checked(tmp_path, column, value, message):
    bad = _own_frame()
    bad.loc[1 if column != "label" else 3, column] = value
    with pytest.raises(ManifestError, match=message):
        manifest.read_manifest(_write(bad, tmp_path))


def test_builtin_corpora_keep_their_label_checks(built, tmp_path):
    bad = built.copy()
    bad.loc[0, "native_label"] = "bored"
    with pytest.raises(ManifestError, match="unknown .* label 'bored' at line 2"):
        manifest.read_manifest(_write(bad, tmp_path))
