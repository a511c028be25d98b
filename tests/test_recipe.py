"""The recommended recipe: every switch is really applied (and only where it should be)."""

import keras
import numpy as np
import pandas as pd
import pytest

from sermodels import manifest, models, presets
from sermodels.features import get_spec
from sermodels.training import (
    TrainConfig,
    callbacks_for,
    compile_model,
    make_dataset,
    predict_proba,
    prepare,
    time_crops,
)

X = np.random.default_rng(0).normal(size=(16, 40, 6)).astype(np.float32)
Y = keras.utils.to_categorical(np.arange(16) % 4, 4).astype(np.float32)


def first_batch(**kwargs):
    x, y = next(iter(make_dataset(X, Y, 16, **kwargs)))
    return x.numpy(), y.numpy()


def test_mixup_changes_the_targets_of_a_batch():
    x, y = first_batch(mixup_alpha=0.4, seed=1)
    assert not np.allclose(y, Y) and ((y > 0.01) & (y < 0.99)).any()
    np.testing.assert_allclose(y.sum(axis=1), 1, atol=1e-5)
    assert not np.allclose(x, X)
    x0, y0 = first_batch()
    np.testing.assert_array_equal(y0, Y)  # off by default


def test_spec_augment_masks_training_batches_only():
    params = {"freq_masks": 2, "freq_width": 3, "time_masks": 2, "time_width": 10}
    x, _ = first_batch(spec_augment=params, seed=2)
    assert (x == 0).sum() > 0 and (X == 0).sum() == 0  # masked bands in training batches
    again, _ = first_batch(spec_augment=params, seed=2)
    np.testing.assert_array_equal(x, again)  # seeded
    inference = next(iter(make_dataset(X, None, 16))).numpy()
    np.testing.assert_array_equal(inference, X)  # no masks at inference
    model = models.build("cnn_attn_pool", (40, 6), 4)
    config = TrainConfig(model="cnn_attn_pool", spec_augment=params)
    np.testing.assert_allclose(predict_proba(model, X, config.tta_crops),
                               model.predict(X, verbose=0), atol=1e-5)


def test_label_smoothing_and_cosine_schedule():
    config = TrainConfig(model="cnn_attn_pool", label_smoothing=0.1, lr_schedule="cosine",
                         epochs=5)
    model = compile_model(config, (40, 6), 4, steps_per_epoch=3)
    assert model.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    assert model.optimizer.get_config()["learning_rate"]["class_name"] == "CosineDecay"
    assert not any(isinstance(c, keras.callbacks.ReduceLROnPlateau)
                   for c in callbacks_for(config, None))
    plateau = TrainConfig(lr_schedule="plateau")
    assert any(isinstance(c, keras.callbacks.ReduceLROnPlateau)
               for c in callbacks_for(plateau, None))
    with pytest.raises(ValueError, match="lr_schedule"):
        compile_model(TrainConfig(model="dnn", lr_schedule="step"), (8,), 4)


def test_test_time_crops_are_averaged():
    views = time_crops(X, 3)
    assert len(views) == 3 and all(v.shape == X.shape for v in views)
    assert all((v == 0).any() for v in views)
    model = models.build("cnn_attn_pool", (40, 6), 4)
    averaged = predict_proba(model, X, tta=3)
    expected = np.mean([model.predict(v, verbose=0) for v in views], axis=0)
    np.testing.assert_allclose(averaged, expected, atol=1e-5)
    assert not np.allclose(averaged, predict_proba(model, X, tta=0))


def test_recommended_preset_switches(tiny_original, tmp_path):
    from sermodels.training import speaker_keys

    preset = presets.get("recommended")
    spec = preset.feature_spec
    assert spec.normalization == "speaker" and not spec.utterance_norm
    assert "logmel" in spec.features and "pitch" in spec.features
    assert preset.config.model == "cnn_attn_pool" and preset.config.lr_schedule == "cosine"
    assert preset.config.mixup_alpha > 0 and preset.config.spec_augment
    assert preset.config.tta_crops > 1
    assert preset.config.augment_copies == 1
    frame, _ = manifest.build_manifest(tiny_original.root, ["tess", "savee"])
    prep = prepare(frame, tiny_original.root, spec, preset.config.__class__(
        **{**preset.config.to_dict(), "verbose": 0}), cache_dir=tmp_path)
    assert prep.n_augmented == len(prep.parts["train"])  # speed/pitch perturbed copies
    assert len(prep.train_x) == 2 * len(prep.parts["train"])
    keys = speaker_keys(prep.rows)
    test_speaker = keys[prep.parts["test"][0]]  # normalised with its own statistics
    flat = prep.x[keys == test_speaker].reshape(-1, prep.x.shape[-1])
    valid = np.any(flat != 0, axis=1)
    np.testing.assert_allclose(flat[valid].mean(axis=0), 0, atol=1e-4)


def test_speaker_normalisation_in_prepare(tiny_original, tmp_path):
    from sermodels.training import speaker_keys

    spec = get_spec("logmel64", utterance_norm=False, max_frames=None, normalization="speaker",
                    audio={"duration": 1.0})
    frame, _ = manifest.build_manifest(tiny_original.root, ["tess", "savee"])
    config = TrainConfig(model="cnn_attn_pool", verbose=0, augment=[{"name": "pitch_shift"}],
                         augment_copies=1)
    prep = prepare(frame, tiny_original.root, spec, config, cache_dir=tmp_path)
    keys = speaker_keys(prep.rows)
    assert len(set(keys[prep.parts["test"]])) >= 1
    for key in set(keys):  # every speaker, test speakers included, has its own zero mean
        flat = prep.x[keys == key].reshape(-1, prep.x.shape[-1])
        np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-4)
    # the perturbed copies are normalised together as one more speaker, not with the originals
    copies = prep.train_x[len(prep.parts["train"]):]
    np.testing.assert_allclose(copies.reshape(-1, copies.shape[-1]).mean(axis=0), 0, atol=1e-4)


def test_fold_ensemble_averages_members_validated_on_other_speakers(tiny_original, tmp_path):
    from sermodels.inference import Predictor
    from sermodels.training import ensemble_folds, train

    frame, _ = manifest.build_manifest(tiny_original.root, ["cremad", "ravdess"])
    spec = get_spec("logmel64", max_frames=100, audio={"duration": 1.0})
    config = TrainConfig(model="cnn_attn_pool", epochs=2, verbose=0, ensemble=2)
    result = train(frame, tiny_original.root, spec, config, run_dir=tmp_path / "ens",
                   cache_dir=tmp_path / "cache")
    model = result.model
    members = [layer for layer in model.layers if layer.name.startswith("member")]
    assert len(members) == 2 and result.metrics["ensemble"] == 2
    x = np.random.default_rng(0).normal(size=(4, 100, 64)).astype(np.float32)
    expected = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
    assert not np.allclose(members[0].predict(x, verbose=0), members[1].predict(x, verbose=0))
    # each member was early-stopped on its own speakers, and saw none of the test speakers
    assert (tmp_path / "ens" / "member0" / "history.csv").is_file()
    assert (tmp_path / "ens" / "member1" / "history.csv").is_file()
    from sermodels.training import prepare

    prep = prepare(frame, tiny_original.root, spec, config, cache_dir=tmp_path / "cache")
    folds = ensemble_folds(prep, 2)
    test_speakers = set(prep.rows["corpus"].iloc[prep.parts["test"]] + "/"
                        + prep.rows["speaker"].iloc[prep.parts["test"]])
    assert set(folds.values()) == {0, 1} and not test_speakers & set(folds)
    # the saved ensemble is one model: inference loads and uses it unchanged
    predictor = Predictor(result.run_dir)
    wav = next(p for p in tiny_original.root.rglob("*.wav"))
    assert abs(sum(predictor.predict_file(wav).probabilities.values()) - 1) < 1e-4
    with pytest.raises(ValueError, match="classical"):
        train(frame, tiny_original.root, get_spec("functionals"),
              TrainConfig(model="svm", ensemble=2, verbose=0), run_dir=tmp_path / "svm")


def test_seed_ensemble_averages_members_trained_alike_with_their_own_seeds(tiny_original,
                                                                          tmp_path):
    from sermodels.training import train

    frame, _ = manifest.build_manifest(tiny_original.root, ["cremad", "ravdess"])
    spec = get_spec("logmel64", max_frames=100, audio={"duration": 1.0})
    config = TrainConfig(model="cnn_attn_pool", model_options={"filters": (8, 8)}, epochs=1,
                         verbose=0, ensemble=2, ensemble_by="seeds")
    result = train(frame, tiny_original.root, spec, config, run_dir=tmp_path / "seeds",
                   cache_dir=tmp_path / "cache")
    members = [layer for layer in result.model.layers if layer.name.startswith("member")]
    assert len(members) == 2 and result.metrics["ensemble"] == 2
    x = np.random.default_rng(0).normal(size=(4, 100, 64)).astype(np.float32)
    expected = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(result.model.predict(x, verbose=0), expected, atol=1e-5)
    assert not np.allclose(members[0].predict(x, verbose=0), members[1].predict(x, verbose=0))
    for i in range(2):  # both trained on the whole training split, validated on the same speakers
        history = pd.read_csv(tmp_path / "seeds" / f"member{i}" / "history.csv")
        assert len(history) == 1
    with pytest.raises(ValueError, match="ensemble_by must be one of"):
        train(frame, tiny_original.root, spec, TrainConfig(model="cnn_attn_pool", epochs=1,
                                                           verbose=0, ensemble=2,
                                                           ensemble_by="voices"),
              run_dir=tmp_path / "bad", cache_dir=tmp_path / "cache")


def test_the_recipe_with_the_ecapa_network(tiny_original, tmp_path):
    """``--model ecapa_small`` swaps the recipe's network and keeps the rest of the recipe (the
    fusion with the SVM member included); the run folder loads for inference in safe mode."""
    from sermodels.inference import Predictor
    from sermodels.training import train

    preset = presets.resolve("recommended", epochs=1, model="ecapa_small", verbose=0)
    assert preset.config.model_options == {} and preset.config.fusion
    frame, _ = manifest.build_manifest(tiny_original.root, ["tess", "savee"])
    spec = get_spec(preset.feature_spec, max_frames=60)
    result = train(frame, tiny_original.root, spec, preset.config, run_dir=tmp_path / "run",
                   cache_dir=tmp_path / "cache")
    assert result.metrics["model"] == "ecapa_small" and "fusion" in result.metrics
    assert result.model.get_layer("block3_residual") is not None
    wav = next(p for p in tiny_original.root.rglob("*.wav"))
    assert abs(sum(Predictor(result.run_dir).predict_file(wav).probabilities.values()) - 1) < 1e-4
