"""Ablations: one preset, one thing varied, one results table.

``vary`` names a builder option (``lstm_layers``, ``kernel_size``), a training
setting (``learning_rate``, ``batch_size``) or a feature-spec field (``n_mfcc``).
Paper 004's A1-A5 ladder is :data:`PAPER004_LADDER`. Each row also reports the
model's size, inference latency per utterance (batch of one, compiled) and
throughput (utterances per second in batches of 256).

Example:
    >>> table = ablate(frame, "data/", "paper000", "lstm_layers", [1, 2, 3, 5])  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sermodels import presets, runs
from sermodels.features import FeatureSpec, get_spec
from sermodels.training import TrainConfig, train

#: Paper 004's ablation ladder: (name, feature-spec changes, builder options).
PAPER004_LADDER: list[tuple[str, dict, dict]] = [
    ("A1 MFCC + CNN", {"features": ("mfcc",)}, {"recurrent": "none", "attention": False}),
    ("A2 + RMS", {}, {"recurrent": "none", "attention": False}),
    ("A3 + LSTM", {}, {"recurrent": "lstm", "attention": False}),
    ("A4 BiLSTM", {}, {"recurrent": "bilstm", "attention": False}),
    ("A5 + attention", {}, {"recurrent": "bilstm", "attention": True}),
]


def parse_values(text: str) -> list:
    """``"1,2,3"`` -> ``[1, 2, 3]``; numbers become int/float, ``true``/``false``/``none``
    booleans and ``None``, everything else stays text."""
    values = []
    for item in text.split(","):
        item = item.strip()
        for cast in (int, float):
            try:
                values.append(cast(item))
                break
            except ValueError:
                continue
        else:
            values.append({"true": True, "false": False, "none": None}.get(item.lower(), item))
    return values


def speed(model, input_shape: Sequence[int], repeats: int = 50) -> dict:
    """Median latency (ms, batch of one) and throughput (utt/s, a batch of 256), both through
    the model's low-latency prediction (a compiled graph for Keras models)."""
    from sermodels.inference import median_ms
    from sermodels.models.classifier import as_classifier

    classifier = as_classifier(model)

    def forward(x):
        return classifier.predict_proba(x, compiled=True)

    latency = median_ms(forward, np.zeros((1, *input_shape), dtype=np.float32), repeats)
    batch = np.zeros((256, *input_shape), dtype=np.float32)
    throughput = 256 / (median_ms(forward, batch, 1) / 1000)
    return {"latency_ms": round(latency, 2),
            "throughput_utt_per_s": round(float(throughput), 1)}


def _variant(preset: presets.Preset, parameter: str, value, config: TrainConfig):
    """The spec and training config of one ablation row."""
    spec = preset.feature_spec
    spec_fields = {f.name for f in dataclasses.fields(spec)}
    config_fields = {f.name for f in dataclasses.fields(config)}
    if parameter in config_fields:
        return spec, dataclasses.replace(config, **{parameter: value})
    if parameter in spec_fields:
        return get_spec(spec, **{parameter: value}), config
    if parameter in {f.name for f in dataclasses.fields(spec.audio)}:  # e.g. trim_db
        return get_spec(spec, audio={parameter: value}), config
    options = {**config.model_options, parameter: value}
    return spec, dataclasses.replace(config, model_options=options)


def _variants(preset: presets.Preset, parameter: str,
              values: Sequence) -> list[tuple[str, FeatureSpec, TrainConfig]]:
    """The rows of an ablation: (name, spec, training config), in order."""
    base = preset.config
    if parameter == "ladder":
        return [(name, get_spec(preset.feature_spec, **spec_changes),
                 dataclasses.replace(base, model_options={**base.model_options, **options}))
                for name, spec_changes, options in PAPER004_LADDER]
    return [(f"{parameter}={v}", *_variant(preset, parameter, v, base)) for v in values]


def ablate(
    frame: pd.DataFrame,
    data_root: str | os.PathLike,
    preset: str | presets.Preset,
    parameter: str,
    values: Sequence,
    *,
    epochs: int | None = None,
    run_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int = 1,
    verbose: int = 0,
) -> pd.DataFrame:
    """Train a preset once per value of ``parameter``; one row of results per value.

    ``parameter="ladder"`` runs :data:`PAPER004_LADDER` (``values`` are ignored). Every
    variant is trained by :func:`sermodels.training.train` (so by the one routine,
    :func:`sermodels.training.fit`); ``epochs`` follows :func:`sermodels.presets.resolve`.
    """
    chosen = presets.resolve(preset, epochs=epochs, verbose=verbose)
    base = chosen.config
    run_dir = Path(run_dir) if run_dir else runs.new_run_dir(f"ablate-{chosen.name}-{parameter}")
    rows = []
    for name, spec, config in _variants(chosen, parameter, values):
        result = train(frame, data_root, spec, config, run_dir=run_dir / _slug(name),
                       cache_dir=cache_dir, n_jobs=n_jobs)
        metrics = result.metrics
        rows.append({
            "variant": name, "accuracy": metrics["accuracy"],
            "unweighted_accuracy": metrics["unweighted_accuracy"],
            "macro_f1": metrics["macro_f1"], "epochs_run": metrics["epochs_run"],
            "parameters": result.classifier.parameters, **speed(result.model, result.input_shape),
            "protocol": metrics["protocol"], "seed": metrics["seed"],
        })
    table = pd.DataFrame(rows)
    table.to_csv(run_dir / "ablation.csv", index=False)
    (run_dir / "ablation.txt").write_text(
        f"Ablation of {chosen.name}: {parameter} (protocol {rows[0]['protocol']}, "
        f"label set {base.label_set}, seed {base.seed})\n\n" + table.to_string(index=False) + "\n")
    return table


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "=._-" else "_" for c in text)

