"""Tests for sermodels.adaptation (AdaBN per speaker)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from sermodels import models
from sermodels.adaptation import adapted, batchnorm_layers, predict_adapted, spread_labels
from sermodels.models.classical import build as build_classical


@pytest.fixture(scope="module")
def model():
    return models.build("cnn_attn_pool", (40, 6), 3, filters=(4, 4, 4), dense_units=8)


def _features(seed: int, n: int = 12, loc: float = 0.0, scale: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(loc, scale, (n, 40, 6)).astype(np.float32)


def _stats(model):
    return [(keras.ops.convert_to_numpy(layer.moving_mean).copy(),
             keras.ops.convert_to_numpy(layer.moving_variance).copy())
            for layer in batchnorm_layers(model)]


def test_batchnorm_layers_in_graph_order_and_by_name(model):
    assert [layer.name for layer in batchnorm_layers(model)] == ["bn1", "bn2", "bn3", "dense_bn"]
    assert [layer.name for layer in batchnorm_layers(model, ["dense_bn", "bn1"])] == ["bn1",
                                                                                     "dense_bn"]
    with pytest.raises(ValueError, match="no batch-norm layer named \\['conv1'\\]"):
        batchnorm_layers(model, ["conv1"])


def test_adapted_standardises_each_layer_on_the_speaker_and_restores(model):
    x = _features(0, loc=3.0, scale=2.0)
    before = _stats(model)
    with adapted(model, x):
        for name in ("bn1", "bn2", "bn3"):
            layer = model.get_layer(name)
            out = keras.ops.convert_to_numpy(keras.Model(model.input, layer.output)(x))
            flat = out.reshape(-1, out.shape[-1])
            gamma = keras.ops.convert_to_numpy(layer.gamma)
            beta = keras.ops.convert_to_numpy(layer.beta)
            # the adapted layer maps the speaker's inputs to mean beta, std |gamma| (later layers
            # see the adapted earlier ones, so this holds for every layer in turn)
            np.testing.assert_allclose(flat.mean(0), beta, atol=1e-3)
            np.testing.assert_allclose(flat.std(0), np.abs(gamma), rtol=1e-2)
    for (m0, v0), (m1, v1) in zip(before, _stats(model), strict=True):
        np.testing.assert_array_equal(m0, m1)
        np.testing.assert_array_equal(v0, v1)


def test_adapted_only_named_layers(model):
    before = _stats(model)
    with adapted(model, _features(1, loc=2.0), ["bn2"]):
        during = _stats(model)
    assert np.array_equal(during[0][0], before[0][0])
    assert not np.array_equal(during[1][0], before[1][0])
    assert np.array_equal(during[3][1], before[3][1])


def test_adapted_restores_statistics_after_an_error(model):
    before = _stats(model)
    with pytest.raises(RuntimeError), adapted(model, _features(2, loc=5.0)):
        raise RuntimeError("boom")
    np.testing.assert_array_equal(before[0][0], _stats(model)[0][0])


def test_predict_adapted_equals_adapting_each_speaker_alone(model):
    xa, xb = _features(3, loc=-1.0), _features(4, loc=2.0, scale=3.0)
    x = np.concatenate([xa, xb])
    speakers = np.array(["a"] * len(xa) + ["b"] * len(xb))
    proba = predict_adapted(model, x, speakers, tta=3)
    clf = models.classifier.as_classifier(model)
    with adapted(model, xb):
        alone_b = clf.predict_proba(xb, 3)
    np.testing.assert_allclose(proba[len(xa):], alone_b, atol=1e-6)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)
    # adaptation changes the prediction of a shifted speaker
    assert not np.allclose(proba[len(xa):], clf.predict_proba(xb, 3), atol=1e-4)


def test_predict_adapted_leaves_small_speakers_alone(model):
    x = _features(5, n=4, loc=3.0)
    clf = models.classifier.as_classifier(model)
    np.testing.assert_allclose(predict_adapted(model, x, None, min_clips=10),
                               clf.predict_proba(x), atol=1e-6)


def test_predict_adapted_refuses_bad_input(model):
    with pytest.raises(ValueError, match="3 speaker keys for 12 items"):
        predict_adapted(model, _features(6), ["a", "b", "c"])
    with pytest.raises(TypeError, match="needs a Keras model"):
        predict_adapted(build_classical("svm", 3), _features(6).reshape(12, -1), None)


def _two_clusters(seed: int = 0, n: int = 10):
    """One speaker's 2n clips in two tight clusters; the answers are right but for one clip a
    cluster, which is confidently wrong."""
    rng = np.random.default_rng(seed)
    centres = np.array([[5.0, 0.0, 0.0], [0.0, 5.0, 0.0]])
    x = np.concatenate([centres[0] + rng.normal(0, 0.3, (n, 3)),
                        centres[1] + rng.normal(0, 0.3, (n, 3))])
    proba = np.zeros((2 * n, 2))
    proba[:n] = [0.7, 0.3]
    proba[n:] = [0.3, 0.7]
    proba[0] = proba[n] = [0.5, 0.5]  # undecided
    proba[1] = [0.4, 0.6]  # wrong
    return x, proba


def test_spread_labels_follows_the_speakers_clusters():
    x, proba = _two_clusters()
    out = spread_labels(proba, x, alpha=0.5, neighbours=5)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    assert out.shape == proba.shape
    truth = np.repeat([0, 1], 10)
    assert (proba.argmax(1) == truth).sum() == 18  # one wrong, one tie taken for class 0
    assert (out.argmax(1) == truth).all()  # the neighbours decide the ties and the wrong clip


def test_spread_labels_keeps_speakers_apart_and_leaves_small_ones_alone():
    x, proba = _two_clusters()
    other, other_proba = _two_clusters(seed=1)
    both = spread_labels(np.concatenate([proba, other_proba]), np.concatenate([x, other]),
                         ["a"] * 20 + ["b"] * 20, neighbours=5)
    np.testing.assert_allclose(both[:20], spread_labels(proba, x, neighbours=5))
    np.testing.assert_allclose(both[20:], spread_labels(other_proba, other, neighbours=5))
    small = spread_labels(proba[:6], x[:6], min_clips=10)
    np.testing.assert_array_equal(small, proba[:6])
    np.testing.assert_array_equal(spread_labels(proba, x, alpha=0.0), proba)


def test_spread_labels_refuses_bad_input():
    x, proba = _two_clusters()
    with pytest.raises(ValueError, match="one probability row per vector"):
        spread_labels(proba[:5], x)
    with pytest.raises(ValueError, match="alpha must be in"):
        spread_labels(proba, x, alpha=1.0)
    with pytest.raises(ValueError, match="neighbours must be at least 1"):
        spread_labels(proba, x, neighbours=0)
    x[3, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        spread_labels(proba, x)
    with pytest.raises(ValueError, match="speaker keys"):
        spread_labels(proba, np.nan_to_num(x), ["a"] * 3)
