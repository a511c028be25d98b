import dataclasses

from sermodels import manifest, presets
from sermodels.features import get_spec
from sermodels.tuning import tune


def test_search_selects_on_validation_and_scores_test_once(tiny_original, tmp_path):
    frame, _ = manifest.build_manifest(tiny_original.root)
    preset = dataclasses.replace(presets.get("paper002"),
                                 spec=get_spec("paper002", audio={"duration": 1.0}),
                                 corpora=tuple(sorted(set(frame["corpus"]))))
    result = tune(frame, tiny_original.root, preset, max_trials=2, epochs=1,
                  run_dir=tmp_path / "tune", cache_dir=tmp_path / "cache")
    assert len(result.trials) == 2
    assert {"learning_rate", "batch_size", "kernel_size", "units", "filters", "dropout",
            "val_loss"} <= set(result.trials.columns)
    assert result.best_val_loss == result.trials["val_loss"].min()
    assert result.test_metrics["selected_on"].startswith("validation")
    assert (tmp_path / "tune" / "trials.csv").is_file()
    assert (tmp_path / "tune" / "best_hyperparameters.json").is_file()


def test_a_trial_trains_with_the_presets_recipe(tiny_original, tmp_path, monkeypatch):
    """Every trial goes through training.fit with the preset's switches (issue 13)."""
    from sermodels import training

    seen = []
    real_fit = training.fit

    def spy(prep, config, **kwargs):
        seen.append((config, kwargs.get("model"), len(prep.parts["val"])))
        return real_fit(prep, config, **kwargs)

    monkeypatch.setattr(training, "fit", spy)
    frame, _ = manifest.build_manifest(tiny_original.root, ["ravdess", "savee"])
    preset = presets.resolve("recommended", spec=get_spec("mfcc40", audio={"duration": 1.0}),
                             augment_copies=0, tta_crops=2)
    result = tune(frame, tiny_original.root, preset, max_trials=1, epochs=1,
                  run_dir=tmp_path / "tune", cache_dir=tmp_path / "cache")
    assert len(seen) == 1
    config, model, n_val = seen[0]
    recipe = presets.get("recommended").config
    assert config.class_weights and config.spec_augment == recipe.spec_augment
    assert config.mixup_alpha == recipe.mixup_alpha > 0
    assert config.lr_schedule == "cosine" and config.label_smoothing == recipe.label_smoothing
    assert config.mixed_precision == recipe.mixed_precision and config.epochs == 1
    assert config.batch_size == result.best_hyperparameters["batch_size"]
    assert config.learning_rate == result.best_hyperparameters["learning_rate"]
    assert model is not None and n_val > 0  # KerasTuner's model, scored on validation speakers
    assert result.test_metrics["selected_on"] == "validation (held-out speakers)"
