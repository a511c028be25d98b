import json

import numpy as np
import pandas as pd
import pytest

from sermodels import manifest
from sermodels.features import Normalizer, get_spec
from sermodels.training import TrainConfig, train

SPEC = get_spec("mfcc40", audio={"duration": 1.0})


@pytest.fixture(scope="module")
def frame(tiny_original):
    frame, _ = manifest.build_manifest(tiny_original.root)
    return frame


@pytest.fixture(scope="module")
def first(frame, tiny_original, tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    return train(frame, tiny_original.root, SPEC, TrainConfig(epochs=3, verbose=0),
                 run_dir=out / "a", cache_dir=out / "cache")


def test_three_epochs_beat_chance_on_unseen_speakers(first):
    metrics = first.metrics
    assert metrics["protocol"] == "speaker" and metrics["validation"] == "held-out speakers"
    assert metrics["unweighted_accuracy"] > metrics["chance_uniform"] + 0.08
    test_speakers = set(first.test_rows["speaker"])
    split = pd.read_csv(first.run_dir / "split.csv")
    assert not test_speakers & set(split.loc[split["split"] != "test", "speaker"])


def test_every_artefact_is_written(first):
    for name in ("model.keras", "best.keras", "normalizer.json", "label_set.json", "config.json",
                 "history.csv", "split.csv", "environment.json", "metrics.json",
                 "test_predictions.csv"):
        assert (first.run_dir / name).is_file(), name
    config = json.loads((first.run_dir / "config.json").read_text())
    assert config["train"]["epochs"] == 3 and config["feature_spec"]["n_mfcc"] == 40
    assert config["protocol"] == "speaker" and config["seed"] == 0
    env = json.loads((first.run_dir / "environment.json").read_text())
    assert env["packages"]["keras"].startswith("3.")
    assert len(pd.read_csv(first.run_dir / "history.csv")) == 3
    predictions = pd.read_csv(first.run_dir / "test_predictions.csv")
    probs = predictions.filter(like="p_").to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-4)


def test_normaliser_is_fitted_on_train_only(first, frame, tiny_original, tmp_path):
    from sermodels.cache import extract_features

    split = pd.read_csv(first.run_dir / "split.csv")
    train_rows = frame[frame["path"].isin(split.loc[split["split"] == "train", "path"])]
    fs = extract_features(train_rows, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    expected = Normalizer("zscore").fit(fs.x)
    saved = Normalizer.load(first.run_dir / "normalizer.json")
    np.testing.assert_allclose(saved.a, expected.a, rtol=1e-5)
    np.testing.assert_allclose(saved.b, expected.b, rtol=1e-5)
    everything = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path,
                                  progress=False)
    assert not np.allclose(Normalizer("zscore").fit(everything.x).a, saved.a)


def test_same_seed_same_split_and_metrics(first, frame, tiny_original, tmp_path):
    again = train(frame, tiny_original.root, SPEC, TrainConfig(epochs=3, verbose=0),
                  run_dir=tmp_path / "b", cache_dir=tmp_path / "cache")
    a = pd.read_csv(first.run_dir / "split.csv")
    b = pd.read_csv(again.run_dir / "split.csv")
    assert a["split"].equals(b["split"]) and a["path"].equals(b["path"])
    for key in ("accuracy", "unweighted_accuracy", "macro_f1"):
        assert again.metrics[key] == pytest.approx(first.metrics[key], abs=1e-6)
    np.testing.assert_allclose(again.test_proba, first.test_proba, atol=1e-5)


def test_augmented_copies_only_join_training(frame, tiny_original, tmp_path):
    config = TrainConfig(model="dnn", epochs=1, verbose=0, augment=[{"name": "noise"}],
                         augment_copies=1, balance_ratio=0.0)
    result = train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}),
                   config, run_dir=tmp_path / "aug", cache_dir=tmp_path / "cache")
    metrics = result.metrics
    counts = manifest.select(frame)["target"][frame["split"] == "train"].value_counts()
    balance = int((counts.max() - counts).sum())
    assert metrics["n_train_augmented"] == metrics["n_train"] + balance
    assert metrics["n"] == (frame["split"] == "test").sum()


def test_classical_model_through_the_same_routine(frame, tiny_original, tmp_path):
    spec = get_spec("paper002", audio={"duration": 1.0})
    result = train(frame, tiny_original.root, spec, TrainConfig(model="svm", verbose=0),
                   run_dir=tmp_path / "svm", cache_dir=tmp_path / "cache")
    assert (result.run_dir / "model.skops").is_file() and not (result.run_dir / "model.joblib").exists()
    assert result.metrics["epochs_run"] == 0 and 0 <= result.metrics["accuracy"] <= 1


def test_random_protocol_is_carried_into_the_metrics(frame, tiny_original, tmp_path):
    leaky = manifest.assign_splits(frame, protocol="random")
    result = train(leaky, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}),
                   TrainConfig(model="dnn", epochs=1, verbose=0), run_dir=tmp_path / "r",
                   cache_dir=tmp_path / "cache")
    assert result.metrics["protocol"] == "random"
    assert json.loads((tmp_path / "r" / "config.json").read_text())["protocol"] == "random"


def test_no_validation_speakers_falls_back_and_says_so(frame, tiny_original, tmp_path):
    tess = frame[frame["corpus"] == "tess"]
    result = train(tess, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}),
                   TrainConfig(model="dnn", epochs=1, verbose=0, label_set="tess7"),
                   run_dir=tmp_path / "t", cache_dir=tmp_path / "cache")
    assert "no validation speakers" in result.metrics["validation"]


def test_unsplit_manifest_is_refused(frame, tiny_original):
    with pytest.raises(ValueError, match="without a split"):
        train(frame.assign(split=""), tiny_original.root, SPEC, TrainConfig(epochs=1, verbose=0))


def test_a_distribution_strategy_can_be_passed(frame, tiny_original, tmp_path):
    import tensorflow as tf

    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    result = train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}),
                   TrainConfig(model="dnn", epochs=1, verbose=0), run_dir=tmp_path / "s",
                   cache_dir=tmp_path / "cache", strategy=strategy)
    assert result.metrics["epochs_run"] == 1


def test_late_fusion_averages_the_network_with_a_classical_member(fused_run):
    import pandas as pd

    from sermodels.runs import RunFolder

    run, member = RunFolder(fused_run.run_dir), RunFolder(fused_run.run_dir / "fused")
    assert (member.path / "model.skops").is_file() and member.read_config()["train"]["model"] == "svm"
    fusion = fused_run.metrics["fusion"]
    assert fusion["weight"] == 0.5 and fusion["feature_spec"] == "functionals_speaker"
    assert {"network_unweighted_accuracy", "classical_unweighted_accuracy"} <= set(fusion)
    fused = pd.read_csv(run.path / "test_predictions.csv")
    theirs = pd.read_csv(member.path / "test_predictions.csv").set_index("path").loc[fused["path"]]
    p_fused, p_member = fused.filter(like="p_").to_numpy(), theirs.filter(like="p_").to_numpy()
    network = (p_fused - 0.5 * p_member) / 0.5  # what the network alone gave
    assert np.allclose(network.sum(axis=1), 1.0, atol=1e-4) and (network > -1e-6).all()
    assert (fused["predicted"] == [c[2:] for c in fused.filter(like="p_").columns[
        p_fused.argmax(axis=1)]]).all()
    assert fused_run.metrics["unweighted_accuracy"] == pytest.approx(
        np.mean([(fused.loc[fused.target == c, "predicted"] == c).mean()
                 for c in fused.target.unique()]))


@pytest.mark.parametrize("fusion, problem", [
    ({"model": "cnn_lstm", "spec": "functionals"}, "classical"),
    ({"model": "svm", "spec": "functionals", "weight": 1.5}, "weight"),
    ({"model": "svm"}, "needs model and spec"),
])
def test_fusion_settings_are_checked(fusion, problem):
    from sermodels.errors import UsageError
    from sermodels.training import TrainConfig, fusion_config

    with pytest.raises(UsageError, match=problem):
        fusion_config(TrainConfig(fusion=fusion))


def test_dataset_batches_equal_shuffling_the_examples_themselves():
    """Shuffling indices and gathering gives the batches a shuffle of the examples would."""
    import tensorflow as tf

    from sermodels.training import make_dataset

    x = np.random.default_rng(1).normal(size=(101, 5, 3)).astype(np.float32)
    y = np.eye(7, dtype=np.float32)[np.arange(101) % 7]
    tf.random.set_seed(0)
    ours = make_dataset(x, y, 8, shuffle=True, seed=3)
    reference = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(
        101, seed=3, reshuffle_each_iteration=True).batch(8)
    orders = []
    for _ in range(2):  # two epochs: reshuffled alike
        got = [(a.numpy(), b.numpy()) for a, b in ours]
        want = [(a.numpy(), b.numpy()) for a, b in reference]
        assert len(got) == len(want) == 13
        for (gx, gy), (wx, wy) in zip(got, want, strict=True):
            np.testing.assert_array_equal(gx, wx)
            np.testing.assert_array_equal(gy, wy)
        seen = np.concatenate([gx[:, 0, 0] for gx, _ in got])
        assert sorted(seen) == sorted(x[:, 0, 0])  # every example once per epoch
        orders.append(seen)
    assert not np.array_equal(orders[0], orders[1])
    plain = np.concatenate([b.numpy() for b in make_dataset(x, None, 8)])
    np.testing.assert_array_equal(plain, x)  # no shuffle: in order, features only


def test_dataset_runs_without_the_autotuner():
    """Fixed parallelism, no tf.data autotuning: ending an epoch's iterator then never waits
    seconds for the autotuner's thread (measured: 3-4 s every other epoch on 2 cores)."""
    from sermodels.training import PIPELINE_DEPTH, make_dataset

    x = np.zeros((10, 4, 3), np.float32)
    y = np.eye(2, dtype=np.float32)[np.arange(10) % 2]
    for ds in (make_dataset(x, y, 4, shuffle=True), make_dataset(x, None, 4),
               make_dataset(x, y, 4, shuffle=True, mixup_alpha=0.2)):
        assert ds.options().autotune.enabled is False
    assert PIPELINE_DEPTH >= 1


def test_speaker_adversarial_training_keeps_one_emotion_output(frame, tiny_original, tmp_path):
    """The speaker head trains through the gradient reversal and is dropped afterwards: the
    saved model has the emotion output only, and the history keeps Keras' usual names."""
    import keras

    config = TrainConfig(model="cnn_attn_pool", model_options={"filters": (8, 8)}, epochs=2,
                         verbose=0, speaker_adversarial=0.5, mixup_alpha=0.4,
                         label_smoothing=0.1, lr_schedule="cosine", patience=None)
    result = train(frame, tiny_original.root, SPEC, config, run_dir=tmp_path / "adv",
                   cache_dir=tmp_path / "cache")
    saved = keras.saving.load_model(result.run_dir / "model.keras")
    assert len(saved.outputs) == 1 and saved.output_shape[-1] == result.label_set.num_classes
    history = pd.read_csv(result.run_dir / "history.csv")
    assert {"accuracy", "val_accuracy", "loss", "val_loss", "speaker_loss",
            "total_loss"} <= set(history.columns)
    assert history.columns.is_unique
    # epoch means of weighted batch losses: the sum holds closely, not exactly
    np.testing.assert_allclose(history["total_loss"], history["loss"] + history["speaker_loss"],
                               rtol=0.02)
    assert result.metrics["epochs_run"] == 2 and 0 <= result.metrics["unweighted_accuracy"] <= 1


def test_speaker_adversarial_model_shares_the_networks_weights():
    from sermodels.training import compile_model, speaker_adversarial_model

    model = compile_model(TrainConfig(model="cnn_attn_pool", model_options={"filters": (8,)}),
                          (20, 6), 4)
    adversarial = speaker_adversarial_model(model, 3, 1.0)
    assert adversarial.output["emotion"] is model.output
    assert {id(w) for w in model.weights} <= {id(w) for w in adversarial.weights}
    x = np.random.default_rng(0).normal(size=(5, 20, 6)).astype("float32")
    out = adversarial(x, training=False)
    np.testing.assert_allclose(out["emotion"], model(x, training=False), atol=1e-6)
    assert out["speaker"].shape == (5, 3)


def test_weight_average_ends_training_with_the_averaged_weights(frame, tiny_original, tmp_path):
    from sermodels.training import make_optimizer

    assert not make_optimizer(TrainConfig()).use_ema
    optimizer = make_optimizer(TrainConfig(weight_average=0.9, patience=None))
    assert optimizer.use_ema and optimizer.ema_momentum == 0.9
    with pytest.raises(ValueError, match="weight_average"):
        make_optimizer(TrainConfig(weight_average=1.0, patience=None))
    with pytest.raises(ValueError, match="patience=None"):
        make_optimizer(TrainConfig(weight_average=0.9, patience=10))
    config = TrainConfig(model="dnn", epochs=2, verbose=0, weight_average=0.9, patience=None)
    result = train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}),
                   config, run_dir=tmp_path / "ema", cache_dir=tmp_path / "cache")
    optimizer = result.model.optimizer
    for weight in result.model.trainable_weights:
        average = optimizer._model_variables_moving_average[optimizer._get_variable_index(weight)]
        np.testing.assert_allclose(weight.numpy(), average.numpy(), atol=1e-6)


@pytest.mark.parametrize("setting", [{"weight_average": 0.9, "patience": None},
                                     {"speaker_adversarial": 0.5}, {"speaker_balance": True}])
def test_keras_only_switches_are_refused_for_classical_models(frame, tiny_original, tmp_path,
                                                              setting):
    config = TrainConfig(model="svm", verbose=0, **setting)
    with pytest.raises(ValueError, match=f"{next(iter(setting))} is for Keras models"):
        train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}), config,
              run_dir=tmp_path / "svm", cache_dir=tmp_path / "cache")


def test_a_negative_speaker_adversarial_scale_is_refused(frame, tiny_original, tmp_path):
    config = TrainConfig(model="dnn", epochs=1, verbose=0, speaker_adversarial=-1.0)
    with pytest.raises(ValueError, match="speaker_adversarial must be >= 0"):
        train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}), config,
              run_dir=tmp_path / "neg", cache_dir=tmp_path / "cache")


def test_speaker_balance_weights_make_every_speaker_count_alike():
    from sermodels.training import speaker_balance_weights

    y = np.array([0, 1, 0, 1, 0, 0])
    speakers = np.array(["tess_OAF"] * 4 + ["ravdess_01"] * 2)
    w = speaker_balance_weights(y, speakers)
    assert w.dtype == np.float32 and w.mean() == pytest.approx(1.0)
    assert w[:4].sum() == pytest.approx(w[4:].sum())  # 4 clips and 2 clips: equal totals
    weighted = speaker_balance_weights(y, speakers, {0: 1.0, 1: 3.0})
    assert weighted[1] / weighted[0] == pytest.approx(3.0)  # times the class weight
    assert weighted.mean() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="3 speaker keys for 6 training items"):
        speaker_balance_weights(y, speakers[:3])


def test_weighted_batches_carry_their_weights_through_mixup():
    from sermodels.training import make_dataset

    x = np.arange(8 * 3 * 2, dtype=np.float32).reshape(8, 3, 2)
    y = np.eye(2, dtype=np.float32)[[0, 1] * 4]
    w = np.array([1, 1, 1, 1, 3, 3, 3, 3], dtype=np.float32)
    plain = list(make_dataset(x, y, 4, weights=w))
    assert len(plain[0]) == 3
    np.testing.assert_array_equal(plain[1][2], [3, 3, 3, 3])
    mixed = list(make_dataset(x, y, 8, mixup_alpha=0.4, weights=w))[0]
    assert len(mixed) == 3 and mixed[2].shape == (8,)
    # blended like the targets: a mix of a weight-1 and a weight-3 item lies between them
    assert np.all((mixed[2].numpy() >= 1 - 1e-6) & (mixed[2].numpy() <= 3 + 1e-6))
    assert mixed[2].numpy().std() > 0
    with pytest.raises(ValueError, match="one weight per item"):
        make_dataset(x, y, 4, weights=w[:3])


def test_speaker_balance_trains_and_refuses_the_adversary(frame, tiny_original, tmp_path,
                                                          monkeypatch):
    from sermodels import training

    seen = []
    make_dataset = training.make_dataset

    def spy(x, y, batch_size, **kwargs):
        if kwargs.get("shuffle"):
            seen.append(kwargs.get("weights"))
        return make_dataset(x, y, batch_size, **kwargs)

    monkeypatch.setattr(training, "make_dataset", spy)
    config = TrainConfig(model="cnn_attn_pool", model_options={"filters": (8, 8)}, epochs=1,
                         verbose=0, speaker_balance=True, mixup_alpha=0.4,
                         spec_augment={"freq_masks": 1, "freq_width": 4, "time_masks": 1,
                                       "time_width": 5},
                         augment=[{"name": "speed"}], augment_copies=1)
    spec = get_spec("mfcc40", audio={"duration": 1.0}, max_frames=100)  # copies vary in length
    result = train(frame, tiny_original.root, spec, config, run_dir=tmp_path / "bal",
                   cache_dir=tmp_path / "cache")
    assert json.loads((result.run_dir / "config.json").read_text())["train"]["speaker_balance"]
    (weights,) = seen  # the training pipeline got one weight per item, copies included
    split = pd.read_csv(result.run_dir / "split.csv")
    n_train = (split["split"] == "train").sum()
    assert len(weights) == 2 * n_train and weights.mean() == pytest.approx(1.0)
    assert 0 <= result.metrics["unweighted_accuracy"] <= 1
    both = TrainConfig(model="dnn", epochs=1, verbose=0, speaker_balance=True,
                       speaker_adversarial=0.5)
    with pytest.raises(ValueError, match="cannot be combined"):
        train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}), both,
              run_dir=tmp_path / "both", cache_dir=tmp_path / "cache")
