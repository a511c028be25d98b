"""Hyper-parameter search with KerasTuner (paper 001), selecting on the validation split only.

The search space is derived from the model builder's keyword options: filters,
kernel size, recurrent units, number of layers and dropout where the builder
has them, plus learning rate and batch size. Every trial is trained by
:func:`sermodels.training.fit`, the routine ``train`` uses, with the trial's
hyper-parameters applied as overrides of the preset's settings: the same class
weights, SpecAugment, mixup, label smoothing, learning-rate schedule, mixed
precision and early stopping as the recipe being tuned. Trials are scored on
the validation speakers; the test split is never shown to the tuner, and the
selected model is evaluated on it once, afterwards (with the preset's test-time
crops).

Example:
    >>> result = tune(frame, "data/", "paper000", max_trials=10)   # doctest: +SKIP
    >>> result.trials.head()                                         # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sermodels import models, presets, runs, training
from sermodels.evaluation import summarize
from sermodels.seeding import seed_everything

ALGORITHMS = ("random", "bayesian")


def search_space(hp, model: str) -> dict:
    """Builder options drawn from ``hp`` for the options the builder of ``model`` accepts."""
    params = inspect.signature(models.get(model)).parameters
    options: dict = {}
    if "filters" in params:
        default = params["filters"].default
        base = hp.Choice("filters", [16, 32, 64, 128])
        options["filters"] = (tuple(base * 2**i for i in range(len(default)))
                              if isinstance(default, tuple) else base)
    if "kernel_size" in params:
        options["kernel_size"] = hp.Choice("kernel_size", [2, 3, 5, 7])
    for name in ("units", "lstm_units"):
        if name in params:
            options[name] = hp.Choice(name, [32, 64, 128, 256])
    if "lstm_layers" in params:
        options["lstm_layers"] = hp.Int("lstm_layers", 1, 3)
    if "layers_count" in params:
        options["layers_count"] = hp.Int("layers_count", 2, 8)
    if "dropout" in params:
        options["dropout"] = hp.Float("dropout", 0.0, 0.5, step=0.1)
    return options


@dataclass
class TuneResult:
    """Trials (hyper-parameters and validation scores), the best choice and its test score."""

    trials: pd.DataFrame
    best_hyperparameters: dict
    best_val_loss: float
    test_metrics: dict
    run_dir: Path


def trial_config(hp, config: training.TrainConfig) -> training.TrainConfig:
    """``config`` with one trial's hyper-parameters applied (everything else unchanged)."""
    return replace(
        config,
        model_options={**config.model_options, **search_space(hp, config.model)},
        learning_rate=hp.Choice("learning_rate", [1e-4, 3e-4, 1e-3, 3e-3]),
        batch_size=hp.Choice("batch_size", [16, 32, 64]),
        ensemble=0,  # a trial scores one model on the validation speakers
    )


def tune(
    frame: pd.DataFrame,
    data_root: str | os.PathLike,
    preset: str | presets.Preset,
    *,
    max_trials: int = 10,
    algorithm: str = "random",
    epochs: int | None = None,
    run_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int = 1,
    verbose: int = 0,
) -> TuneResult:
    """Search a preset's model options, learning rate and batch size.

    Args:
        frame: manifest with splits (validation speakers drive the selection).
        data_root: folder the manifest paths are relative to.
        preset: preset whose features, model and training settings are the starting point
            (resolved with :func:`sermodels.presets.resolve`).
        max_trials: number of configurations tried.
        algorithm: ``"random"`` (RandomSearch) or ``"bayesian"`` (BayesianOptimization).
        epochs: epochs per trial (default: the preset's), with early stopping.

    Returns:
        A :class:`TuneResult`; everything is also written to ``run_dir``.
    """
    import keras_tuner as kt

    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    chosen = presets.resolve(preset, epochs=epochs, verbose=verbose)
    config = chosen.config
    if config.model in models.classical.names():
        raise ValueError("tune searches Keras models; pick a preset with a neural model")
    seed_everything(config.seed)
    prep = training.prepare(frame, data_root, chosen.feature_spec, config, cache_dir=cache_dir,
                            n_jobs=n_jobs)
    run_dir = Path(run_dir) if run_dir else runs.new_run_dir(f"tune-{chosen.name}-{algorithm}")

    class HyperModel(kt.HyperModel):
        """Builds and fits through :mod:`sermodels.training` with the trial's settings."""

        def build(self, hp):
            return training.build_model(prep, trial_config(hp, config))

        def fit(self, hp, model, *args, callbacks=None, **kwargs):
            _, history = training.fit(prep, trial_config(hp, config), model=model,
                                      callbacks=callbacks)
            return {"val_loss": float(history["val_loss"].min())}

    tuner_class = kt.RandomSearch if algorithm == "random" else kt.BayesianOptimization
    tuner = tuner_class(HyperModel(), objective="val_loss", max_trials=max_trials,
                        seed=config.seed, directory=str(run_dir), project_name="tuner",
                        overwrite=True)
    tuner.search(verbose=verbose)
    rows = []
    for trial in tuner.oracle.get_best_trials(num_trials=max_trials):
        rows.append({"trial": trial.trial_id, **trial.hyperparameters.values,
                     "val_loss": trial.score})
    trials = pd.DataFrame(rows)
    best_hp = tuner.get_best_hyperparameters(1)[0].values
    best = tuner.get_best_models(1)[0]
    test = prep.parts["test"]
    test_metrics = summarize(prep.y[test], training.predict_proba(best, prep.x[test],
                                                                  config.tta_crops),
                             prep.label_set.classes)
    test_metrics.update({"protocol": prep.protocol, "label_set": prep.label_set.name,
                         "model": config.model, "seed": config.seed,
                         "selected_on": f"validation ({prep.validation_source})"})
    trials.to_csv(run_dir / "trials.csv", index=False)
    runs.write_json(run_dir / "best_hyperparameters.json", best_hp)
    runs.write_json(run_dir / "test_metrics.json", test_metrics)
    return TuneResult(trials, best_hp, float(trials["val_loss"].min()), test_metrics, run_dir)
