import json

import pytest

from sermodels import labels
from sermodels.labels import LabelSet


def test_unified7_maps_every_native_label():
    ls = labels.get("unified7")
    assert ls.classes == ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
    assert ls.map("ravdess", "calm") == "neutral"
    assert ls.map("ravdess", "fearful") == "fear"
    assert ls.map("ravdess", "surprised") == "surprise"
    assert ls.map("tess", "pleasant_surprise") == "surprise"
    assert ls.map("savee", "surprise") == "surprise"
    assert ls.map("cremad", "angry") == "angry"
    for corpus, natives in labels.NATIVE_LABELS.items():
        for native in natives:
            assert ls.map(corpus, native) in ls.classes


def test_calm_dropped_variant():
    ls = labels.get("unified7_nocalm")
    assert ls.map("ravdess", "calm") is None
    assert ls.map("ravdess", "neutral") == "neutral"
    assert ls.num_classes == 7


@pytest.mark.parametrize("name, corpus, size", [
    ("ravdess8", "ravdess", 8), ("cremad6", "cremad", 6), ("tess7", "tess", 7), ("savee7", "savee", 7),
])
def test_native_label_sets(name, corpus, size):
    ls = labels.get(name)
    assert ls.num_classes == size
    assert ls.corpora == (corpus,)
    assert ls.classes == labels.NATIVE_LABELS[corpus]
    other = next(c for c in labels.CORPORA if c != corpus)
    assert ls.map(other, labels.NATIVE_LABELS[other][0]) is None


def test_ravdess8_keeps_calm_apart():
    ls = labels.get("ravdess8")
    assert ls.map("ravdess", "calm") == "calm"
    assert ls.index("calm") == 1


def test_user_defined_mapping_and_round_trip():
    valence = LabelSet.from_mapping("valence", {
        "angry": "negative", "sad": "negative", "fear": "negative", "disgust": "negative",
        "happy": "positive", "surprise": "positive", "neutral": "neutral",
        "ravdess:calm": None,
    })
    assert valence.classes == ("negative", "neutral", "positive")
    assert valence.map("ravdess", "calm") is None  # corpus-specific key wins
    assert valence.map("tess", "pleasant_surprise") == "positive"
    assert LabelSet.from_dict(valence.to_dict()) == valence


def test_bad_label_sets_are_rejected():
    with pytest.raises(ValueError, match="not one of its classes"):
        LabelSet("x", ("a",), {("tess", "angry"): "b"})
    with pytest.raises(ValueError, match="unknown tess label"):
        LabelSet("x", ("a",), {("tess", "calm"): "a"})
    with pytest.raises(ValueError, match="unknown label set"):
        labels.get("nope")
    with pytest.raises(ValueError, match="unknown corpus"):
        labels.unified_label("iemocap", "angry")


# -- your own corpus: label files and inferred label sets ---------------------------------

OWN = [("mycorpus", "angry"), ("mycorpus", "happy"), ("mycorpus", "sad"), ("mycorpus", "bored")]


def _file(tmp_path, content, name="my_labels.json"):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_label_file_full_form(tmp_path):
    path = _file(tmp_path, {"name": "valence", "classes": ["positive", "negative"],
                            "mapping": {"angry": "negative", "sad": "negative",
                                        "happy": "positive", "bored": None}})
    ls = labels.read_label_file(path, OWN)
    assert ls.name == "valence" and ls.classes == ("positive", "negative")  # order kept
    assert ls.map("mycorpus", "angry") == "negative" and ls.map("mycorpus", "bored") is None
    assert ls.corpora == ("mycorpus",)
    assert LabelSet.from_dict(ls.to_dict()) == ls  # what a run folder stores and predict reads
    assert labels.resolve(str(path), OWN) == ls


def test_label_file_simple_form_and_builtin_corpora(tmp_path):
    path = _file(tmp_path, {"angry": "negative", "sad": "negative", "happy": "positive",
                            "bored": None}, "valence2.json")
    ls = labels.read_label_file(path, OWN)
    assert ls.name == "valence2" and ls.classes == ("negative", "positive")
    # without data, the same keys cover the built-in corpora (unified names included)
    builtin = labels.read_label_file(path)
    assert builtin.map("ravdess", "sad") == "negative" and builtin.map("ravdess", "calm") is None


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
    ({}, "must hold a JSON object"),
    ({"angry": 3}, "'angry' maps to 3"),
    ({"angry": "a", "happy": "b", "sad": "a"}, "does not map native label.*mycorpus:bored"),
    ({"name": "x", "classes": ["a", "b"]}, "no 'mapping' object"),
    ({"mapping": {"angry": "a"}, "clases": ["a"]}, "unknown key.*'clases'"),
    ({"classes": ["a", "b"], "mapping": {"angry": "c", "happy": "a", "sad": "a", "bored": None}},
     "'angry' maps to 'c', which is not one of 'classes'"),
    ({"classes": ["a", "b", "z"], "mapping": {"angry": "a", "happy": "b", "sad": "a",
                                              "bored": None}}, "class.*z receive no native"),
    ({"angry": "a", "happy": "a", "sad": "a", "bored": None}, "at least two classes"),
])
def test_bad_label_files_are_named(tmp_path, content, message):
    path = _file(tmp_path, content)
    with pytest.raises(ValueError, match=message) as info:
        labels.read_label_file(path, OWN)
    assert "my_labels.json" in str(info.value)


def test_label_file_is_only_parsed_never_executed(tmp_path):
    marker = tmp_path / "ran"
    path = _file(tmp_path, f"__import__('pathlib').Path({str(marker)!r}).touch()")
    with pytest.raises(ValueError, match="not valid JSON"):
        labels.resolve(str(path), OWN)
    assert not marker.exists()
    with pytest.raises(FileNotFoundError, match="nope.json"):
        labels.resolve(str(tmp_path / "nope.json"), OWN)


def test_inferred_label_set():
    ls = labels.resolve("inferred", OWN + [("mycorpus", "angry")])
    assert ls.classes == ("angry", "bored", "happy", "sad")
    assert ls.name == "mycorpus_inferred" and ls.map("mycorpus", "sad") == "sad"
    with pytest.raises(ValueError, match="at least two"):
        labels.infer([("mycorpus", "angry")])
    with pytest.raises(ValueError, match="needs the data"):
        labels.resolve("inferred")
    with pytest.raises(ValueError, match="bad corpus name"):
        labels.infer([("my corpus", "a"), ("my corpus", "b")])
