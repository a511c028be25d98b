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
