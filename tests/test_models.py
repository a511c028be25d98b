import keras
import numpy as np
import pytest

from sermodels import models
from sermodels.models import SoftAttention, VotingEnsemble, classical, vote

SHAPES = {  # small inputs of the right rank, for speed
    "dnn": (20, 8), "cnn1d": (24, 8), "cnn_lstm": (24, 8), "lstm": (16,), "bilstm": (16,),
    "gru": (16,), "cnn_gru": (16,), "cnn_bilstm": (16,), "cnn1d_bilstm_deep": (32,),
    "cnn2d_bilstm": (16, 16, 1), "cnn_bilstm_attention": (24, 6), "cnn_attn_pool": (24, 6),
    "ecapa_small": (24, 6),
}


def test_registry_lists_every_model():
    assert set(models.names()) == set(SHAPES)
    with pytest.raises(ValueError, match="unknown model"):
        models.build("transformer", (10, 4), 7)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_builds_trains_and_round_trips(name, tmp_path):
    keras.utils.set_random_seed(0)
    shape = SHAPES[name]
    model = models.build(name, shape, 5)
    assert model.name == name and model.output_shape == (None, 5)
    assert model.get_layer("emotion").activation.__name__ == "softmax"
    x = np.random.default_rng(0).normal(size=(8, *shape)).astype(np.float32)
    y = keras.utils.to_categorical(np.arange(8) % 5, 5)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, y)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    model.save(tmp_path / "m.keras")
    back = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("name, shape, count", [
    ("cnn_bilstm", (128,), 58_503),             # paper 002: exactly its stated count
    ("cnn1d_bilstm_deep", (350,), 917_703),     # paper 003, Table V
    ("cnn_lstm", (301, 40), 632_519),           # paper 000: "about 620K"
    ("cnn_bilstm_attention", (400, 42), 469_192),  # paper 004's table (it says ~240K)
])
def test_documented_parameter_counts(name, shape, count):
    model = models.build(name, shape, 7)
    assert model.count_params() == count
    assert f"{count:,}" in models.get(name).__doc__


def test_ablation_knobs_of_cnn_lstm():
    for depth in (1, 2, 3, 5):
        model = models.build("cnn_lstm", (64, 13), 7, lstm_layers=depth)
        assert sum(isinstance(layer, keras.layers.LSTM) for layer in model.layers) == depth
    for kernel in (2, 3, 5, 7):
        model = models.build("cnn_lstm", (64, 13), 7, kernel_size=kernel)
        assert model.get_layer("conv1").kernel_size == (kernel,)


def test_soft_attention_weights_sum_to_one():
    layer = SoftAttention()
    h = np.random.default_rng(0).normal(size=(3, 9, 4)).astype(np.float32)
    out = keras.ops.convert_to_numpy(layer(h))
    alpha = keras.ops.convert_to_numpy(layer.scores(h))
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out, (h * alpha[..., None]).sum(axis=1), rtol=1e-5)
    assert SoftAttention.from_config(layer.get_config()).name == layer.name


def test_votes_on_hand_made_probabilities():
    a = np.array([[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
    b = np.array([[0.4, 0.5, 0.1], [0.2, 0.5, 0.3]])
    c = np.array([[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    np.testing.assert_allclose(vote([a, b, c], "soft"), (a + b + c) / 3)
    hard = vote([a, b, c], "hard")
    assert list(hard.argmax(axis=1)) == [1, 2]  # member votes: (0,1,1) and (2,1,2)
    np.testing.assert_allclose(hard.sum(axis=1), 1)
    tie = vote([a, b], "hard")  # (0 vs 1) tie on row 0 -> larger summed probability: class 0 (1.0 vs 0.8)
    assert tie.argmax(axis=1)[0] == 0
    weighted = vote([a, b], "soft", weights=[3, 1])
    np.testing.assert_allclose(weighted, 0.75 * a + 0.25 * b)
    with pytest.raises(ValueError):
        vote([a], "median")


def test_ensemble_over_keras_and_classical_members():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    svm = classical.build("svm", 2).fit(x, y)
    forest = classical.build("random_forest", 2, n_estimators=20).fit(x, y)
    dense = models.build("dnn", (6,), 2)
    ensemble = VotingEnsemble([svm, forest, dense], method="soft")
    proba = ensemble.predict(x)
    assert proba.shape == (40, 2) and np.allclose(proba.sum(axis=1), 1)
    assert VotingEnsemble([svm, forest], "hard").predict(x).argmax(axis=1).tolist() == \
        vote([svm.predict(x), forest.predict(x)], "hard").argmax(axis=1).tolist()


def test_classical_baselines(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3, 4))
    y = np.repeat([0, 2], 30)
    x[y == 2] += 2.0
    for name in classical.names():
        model = classical.build(name, 4).fit(x, y)
        proba = model.predict(x)
        assert proba.shape == (60, 4) and np.all(proba[:, [1, 3]] == 0)
        assert (proba.argmax(axis=1) == y).mean() > 0.9
        model.save(tmp_path / name)
        again = classical.SklearnClassifier.load(tmp_path / name)
        np.testing.assert_array_equal(again.predict_proba(x), proba)
        assert again.input_shape == (3, 4) and not again.is_keras and again.parameters is None
    with pytest.raises(ValueError, match="unknown classical model"):
        classical.build("knn", 4)


def test_gradient_reversal_is_the_identity_forward_and_negates_gradients():
    import tensorflow as tf

    from sermodels.models import GradientReversal

    layer = GradientReversal(0.3)
    x = tf.constant([[1.0, -2.0, 3.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * tf.constant([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(y.numpy(), x.numpy())
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [[-0.3, -0.6, -0.9]], rtol=1e-6)
    assert GradientReversal.from_config(layer.get_config()).scale == 0.3


def test_ecapa_small_blocks_and_safe_round_trip(tmp_path):
    """SE-Res2Blocks with the given dilations, the input frame rate halved once, and no Lambda
    layer, so the model loads in Keras' safe mode like every run folder's model."""
    model = models.build("ecapa_small", (40, 6), 4, channels=16, dilations=(2, 5))
    dilations = sorted({layer.dilation_rate[0] for layer in model.layers
                        if isinstance(layer, keras.layers.Conv1D) and "res2" in layer.name})
    assert dilations == [2, 5]
    assert model.get_layer("frame_conv").output.shape[1] == 20
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in model.layers)
    model.save(tmp_path / "e.keras")
    keras.models.load_model(tmp_path / "e.keras", safe_mode=True)
    with pytest.raises(ValueError, match="multiple of scale"):
        models.build("ecapa_small", (40, 6), 4, channels=18)


def test_masked_pooling_ignores_padding_frames():
    """With a mask, attentive pooling is the pooling of the clip's own frames: whatever the
    padding frames hold, and however many there are, the statistics do not move."""
    from sermodels.models.recommended import AttentiveStatsPooling, PaddingMask

    rng = np.random.default_rng(0)
    pool = AttentiveStatsPooling(hidden=8)
    clip = rng.normal(size=(1, 6, 4)).astype(np.float32)
    alone = pool(clip).numpy()
    for extra in (3, 10):
        junk = rng.normal(size=(1, extra, 4)).astype(np.float32)
        h = np.concatenate([clip, junk], axis=1)
        valid = np.concatenate([np.ones((1, 6, 1)), np.zeros((1, extra, 1))], axis=1)
        np.testing.assert_allclose(pool([h, valid.astype(np.float32)]).numpy(), alone, atol=1e-5)
        assert not np.allclose(pool(h).numpy(), alone, atol=1e-3)  # unmasked, the junk counts
    x = np.zeros((2, 5, 3), np.float32)
    x[0, :2] = 1.0
    x[1, 4, 2] = -0.5
    np.testing.assert_array_equal(PaddingMask()(x).numpy()[..., 0], [[1, 1, 0, 0, 0],
                                                                      [0, 0, 0, 0, 1]])
    only_padding = pool([h, np.zeros_like(valid, dtype=np.float32)]).numpy()
    assert np.isfinite(only_padding).all()


def test_cnn_attn_pool_mask_padding_option(tmp_path):
    """``mask_padding`` adds no weight, makes the output independent of how much padding
    follows the clip's frames (the same clip padded to 48 or to 96 frames), and round-trips in
    Keras' safe mode."""
    keras.utils.set_random_seed(0)
    plain = models.build("cnn_attn_pool", (48, 6), 4, filters=(8, 8))
    masked = models.build("cnn_attn_pool", (48, 6), 4, filters=(8, 8), mask_padding=True)
    assert masked.count_params() == plain.count_params()
    masked.set_weights(plain.get_weights())
    x = np.random.default_rng(1).normal(size=(2, 48, 6)).astype(np.float32)
    x[:, 24:] = 0.0  # the clip fills half; the rest is padding
    np.testing.assert_allclose(masked.predict(x, verbose=0).sum(axis=1), 1.0, atol=1e-5)
    assert not np.allclose(masked.predict(x, verbose=0), plain.predict(x, verbose=0), atol=1e-4)
    bigger = models.build("cnn_attn_pool", (96, 6), 4, filters=(8, 8), mask_padding=True)
    bigger.set_weights(plain.get_weights())
    np.testing.assert_allclose(bigger.predict(np.concatenate([x, np.zeros_like(x)], axis=1),
                                              verbose=0),
                               masked.predict(x, verbose=0), atol=1e-5)
    masked.save(tmp_path / "m.keras")
    back = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(back.predict(x, verbose=0), masked.predict(x, verbose=0), atol=1e-6)
