"""Data augmentation, for the training split only.

Waveform transforms (:class:`AddNoise`, :class:`PitchShift`, :class:`TimeStretch`,
:class:`SpeedPerturb`, :class:`TimeShift`) and feature transforms (:class:`SpecAugment`,
:class:`SpecShift`) validate their parameters when constructed and draw every
random choice from a seed or a ``numpy.random.Generator``. An augmented copy of
an utterance is described by a *recipe* (a JSON-able dict: the transforms and a
seed), which is part of the feature-cache key.

Augmenting manifest items goes through :func:`augmentation_plan` and
:func:`balance_plan`, which refuse any row that is not in the training split,
so a validation or test item can never be augmented through this API.

Example:
    >>> chain = Chain([PitchShift(-2, 2), TimeStretch(0.9, 1.1)])
    >>> y_aug = chain(y, sr=22050, rng=np.random.default_rng(0))   # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from sermodels.audio import fix_length
from sermodels.errors import UsageError


class SplitGuardError(UsageError):
    """An attempt to augment an item outside the training split."""


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_range(name: str, lo: float, hi: float, *, low: float, high: float) -> None:
    if not (low <= lo <= hi <= high):
        raise ValueError(f"{name}: need {low} <= min <= max <= {high}, got ({lo}, {hi})")


@dataclass(frozen=True)
class AddNoise:
    """Additive white Gaussian noise at a signal-to-noise ratio drawn from ``[min_snr_db, max_snr_db]``."""

    min_snr_db: float = 10.0
    max_snr_db: float = 30.0
    name: str = field(default="noise", init=False)

    def __post_init__(self) -> None:
        _check_range("AddNoise SNR", self.min_snr_db, self.max_snr_db, low=-20.0, high=80.0)

    def __call__(self, y: np.ndarray, sr: int, rng=None) -> np.ndarray:
        rng = _rng(rng)
        snr = rng.uniform(self.min_snr_db, self.max_snr_db)
        power = float(np.mean(y.astype(np.float64) ** 2))
        noise = rng.standard_normal(y.shape)
        noise *= math.sqrt(power / 10 ** (snr / 10) / max(np.mean(noise ** 2), 1e-20))
        return (y + noise).astype(np.float32)


@dataclass(frozen=True)
class PitchShift:
    """Pitch shift by a number of semitones drawn from ``[min_semitones, max_semitones]`` (±2 default)."""

    min_semitones: float = -2.0
    max_semitones: float = 2.0
    name: str = field(default="pitch_shift", init=False)

    def __post_init__(self) -> None:
        _check_range("PitchShift semitones", self.min_semitones, self.max_semitones,
                     low=-12.0, high=12.0)

    def __call__(self, y: np.ndarray, sr: int, rng=None) -> np.ndarray:
        import librosa

        steps = _rng(rng).uniform(self.min_semitones, self.max_semitones)
        return librosa.effects.pitch_shift(y, sr=sr, n_steps=steps, res_type="soxr_hq").astype(
            np.float32)


@dataclass(frozen=True)
class TimeStretch:
    """Tempo change by a rate drawn from ``[min_rate, max_rate]`` (0.9-1.1), keeping the clip length."""

    min_rate: float = 0.9
    max_rate: float = 1.1
    name: str = field(default="time_stretch", init=False)

    def __post_init__(self) -> None:
        _check_range("TimeStretch rate", self.min_rate, self.max_rate, low=0.25, high=4.0)

    def __call__(self, y: np.ndarray, sr: int, rng=None) -> np.ndarray:
        import librosa

        rate = _rng(rng).uniform(self.min_rate, self.max_rate)
        stretched = librosa.effects.time_stretch(y, rate=rate)
        return fix_length(stretched, len(y), "center").astype(np.float32)


@dataclass(frozen=True)
class SpeedPerturb:
    """Speed perturbation (Kaldi's recipe): play the clip faster or slower by a factor drawn
    from ``[min_rate, max_rate]``, changing tempo and pitch together, by resampling with soxr.

    About 40 times cheaper than :class:`PitchShift` plus :class:`TimeStretch` (one resampling
    instead of a phase vocoder and a resampling), with a similar spread of voices and tempi:
    rates 0.9-1.1 shift pitch by -1.8 to +1.7 semitones. The length changes with the rate.
    """

    min_rate: float = 0.9
    max_rate: float = 1.1
    name: str = field(default="speed", init=False)

    def __post_init__(self) -> None:
        _check_range("SpeedPerturb rate", self.min_rate, self.max_rate, low=0.5, high=2.0)

    def __call__(self, y: np.ndarray, sr: int, rng=None) -> np.ndarray:
        import soxr

        rate = _rng(rng).uniform(self.min_rate, self.max_rate)
        return soxr.resample(y, sr, sr / rate, quality="HQ").astype(np.float32)


@dataclass(frozen=True)
class TimeShift:
    """Shift in time by up to ``max_shift_s`` seconds either way, filling with silence."""

    max_shift_s: float = 0.2
    name: str = field(default="time_shift", init=False)

    def __post_init__(self) -> None:
        _check_range("TimeShift max_shift_s", 0.0, self.max_shift_s, low=0.0, high=10.0)

    def __call__(self, y: np.ndarray, sr: int, rng=None) -> np.ndarray:
        limit = int(self.max_shift_s * sr)
        shift = int(_rng(rng).integers(-limit, limit + 1)) if limit else 0
        out = np.zeros_like(y)
        if shift >= 0:
            out[shift:] = y[: len(y) - shift]
        else:
            out[:shift] = y[-shift:]
        return out


def spec_augment_batch(x, step, seed: int, freq_masks: int = 2, freq_width: int = 8,
                       time_masks: int = 2, time_width: int = 20):
    """SpecAugment on a ``(batch, frames, features)`` tensor: the one implementation.

    Each example gets ``freq_masks`` feature-axis bands of up to ``freq_width`` and
    ``time_masks`` time-axis bands of up to ``time_width`` frames set to 0, the mean of
    normalised features (training applies it after the normaliser, to training
    batches only). Random draws are TensorFlow stateless ops, deterministic in
    ``(seed, step)``, so it runs inside a ``tf.data`` pipeline
    (:func:`sermodels.training.make_dataset`); :class:`SpecAugment` applies it to one
    example. Inputs that are not 3-D are returned unchanged.
    """
    import tensorflow as tf

    if len(x.shape) != 3:
        return x
    shape = tf.shape(x)
    b, t, f = shape[0], shape[1], shape[2]
    mask = tf.zeros_like(x, dtype=tf.bool)
    axes = ((f, freq_masks, freq_width, tf.range(f)[None, None, :]),
            (t, time_masks, time_width, tf.range(t)[None, :, None]))
    for k, (size, count, width, index) in enumerate(axes):
        for m in range(count):
            seeds = tf.stack([tf.cast(seed, tf.int64) * 1000 + 10 * k + m,
                              tf.cast(step, tf.int64)])
            w = tf.random.stateless_uniform([b, 1, 1], seeds, 0, width + 1, dtype=tf.int32)
            start = tf.random.stateless_uniform([b, 1, 1], seeds + 7, 0, tf.maximum(size, 1),
                                                dtype=tf.int32)
            mask = mask | ((index >= start) & (index < start + w))
    return tf.where(mask, tf.zeros_like(x), x)


@dataclass(frozen=True)
class SpecAugment:
    """SpecAugment masking of one ``(frames, features)`` array, as training does it.

    A thin wrapper over :func:`spec_augment_batch` (the code that runs on training
    batches, with ``TrainConfig.spec_augment`` holding these four numbers), for
    looking at one example: masked bands are set to 0, the mean of normalised
    features, so apply it to normalised features.

    Args:
        freq_masks: number of feature-axis masks.
        freq_width: maximum width of each feature-axis mask.
        time_masks: number of time-axis masks.
        time_width: maximum width of each time-axis mask (frames).

    Example:
        >>> masked = SpecAugment(time_width=25)(z_scored_logmel, 0)   # doctest: +SKIP
    """

    freq_masks: int = 2
    freq_width: int = 8
    time_masks: int = 2
    time_width: int = 20
    name: str = field(default="spec_augment", init=False)

    def __post_init__(self) -> None:
        for label in ("freq_masks", "freq_width", "time_masks", "time_width"):
            if getattr(self, label) < 0:
                raise ValueError(f"SpecAugment {label} must be >= 0")

    def params(self) -> dict:
        """The settings as ``TrainConfig.spec_augment`` takes them."""
        return {"freq_masks": self.freq_masks, "freq_width": self.freq_width,
                "time_masks": self.time_masks, "time_width": self.time_width}

    def __call__(self, x: np.ndarray, rng=None, step: int = 0) -> np.ndarray:
        """Mask ``x``; ``rng`` is the seed (an int, or a Generator an int is drawn from),
        ``step`` the training step whose draw to reproduce."""
        seed = int(rng.integers(2**31)) if isinstance(rng, np.random.Generator) else int(rng or 0)
        batch = np.asarray(x, dtype=np.float32)[None]
        return np.asarray(spec_augment_batch(batch, step, seed, **self.params()))[0]


@dataclass(frozen=True)
class SpecShift:
    """Roll ``(frames, features)`` arrays along time by up to ``max_frames`` either way."""

    max_frames: int = 10
    name: str = field(default="spec_shift", init=False)

    def __post_init__(self) -> None:
        if self.max_frames < 0:
            raise ValueError("SpecShift max_frames must be >= 0")

    def __call__(self, x: np.ndarray, rng=None) -> np.ndarray:
        shift = int(_rng(rng).integers(-self.max_frames, self.max_frames + 1))
        return np.roll(x, shift, axis=0)


_WAVEFORM_TYPES = {"noise": AddNoise, "pitch_shift": PitchShift, "time_stretch": TimeStretch,
                   "time_shift": TimeShift, "speed": SpeedPerturb}


@dataclass(frozen=True)
class Chain:
    """Waveform transforms applied in order."""

    steps: tuple = ()

    def __init__(self, steps: Sequence) -> None:
        object.__setattr__(self, "steps", tuple(steps))
        for step in self.steps:
            if step.name not in _WAVEFORM_TYPES:
                raise ValueError(f"{step!r} is not a waveform transform")

    def __call__(self, y: np.ndarray, sr: int, rng=None) -> np.ndarray:
        rng = _rng(rng)
        for step in self.steps:
            y = step(y, sr, rng)
        return y

    def to_list(self) -> list[dict]:
        return [asdict(s) for s in self.steps]

    @classmethod
    def from_list(cls, items: Sequence[Mapping]) -> Chain:
        steps = []
        for item in items:
            item = dict(item)
            kind = item.pop("name")
            if kind not in _WAVEFORM_TYPES:
                raise ValueError(f"unknown waveform augmentation {kind!r}; "
                                 f"known: {', '.join(_WAVEFORM_TYPES)}")
            steps.append(_WAVEFORM_TYPES[kind](**item))
        return cls(steps)

    @classmethod
    def parse(cls, text: str) -> Chain:
        """From a command-line string such as ``"pitch_shift,time_stretch,noise"`` (default parameters)."""
        names = [n.strip() for n in text.split(",") if n.strip()]
        return cls.from_list([{"name": n} for n in names])


def apply_recipe(y: np.ndarray, sr: int, recipe: Mapping) -> np.ndarray:
    """Apply a recipe ``{"steps": [...], "seed": int}`` to a waveform (deterministic)."""
    return Chain.from_list(recipe["steps"])(y, sr, np.random.default_rng(recipe["seed"]))


def _require_train(rows: pd.DataFrame) -> None:
    if "split" not in rows.columns:
        raise SplitGuardError("rows have no split column: only training items can be augmented")
    bad = rows[rows["split"] != "train"]
    if len(bad):
        raise SplitGuardError(
            f"refusing to augment {len(bad)} item(s) outside the training split, e.g. "
            f"{bad['path'].iloc[0]} ({bad['split'].iloc[0]})"
        )


def augmentation_plan(rows: pd.DataFrame, chain: Chain, *, copies: int = 1,
                      seed: int = 0) -> pd.DataFrame:
    """Augmented copies of training rows: each gets a ``recipe`` column.

    Raises:
        SplitGuardError: a row is not in the training split.
    """
    _require_train(rows)
    out = rows.loc[rows.index.repeat(copies)].copy()
    steps = chain.to_list()
    out["recipe"] = [{"steps": steps, "seed": [int(seed), int(i), int(c)]}
                     for c, i in zip(np.tile(np.arange(copies), len(rows)),
                                     rows.index.repeat(copies), strict=True)]
    out["augmented"] = True
    return out.reset_index(drop=True)


def balance_plan(rows: pd.DataFrame, chain: Chain, *, label_column: str = "target",
                 ratio: float = 0.15, seed: int = 0) -> pd.DataFrame:
    """Paper 000's balancing: augment minority classes until each is within ``ratio`` of the majority.

    Items of a minority class are augmented in turn (each with its own seed)
    until the class holds ``ceil((1 - ratio) * majority)`` items.

    Args:
        rows: training rows.
        chain: waveform transforms (paper 000: pitch shift ±2, time stretch 0.9-1.1).
        label_column: the class column.
        ratio: allowed shortfall relative to the majority class.
        seed: seed of the recipes.

    Returns:
        The augmented copies only (with ``recipe`` and ``augmented`` columns).

    Raises:
        SplitGuardError: a row is not in the training split.
    """
    if not 0 <= ratio < 1:
        raise ValueError(f"ratio must be in [0, 1), got {ratio}")
    _require_train(rows)
    counts = rows[label_column].value_counts()
    target = math.ceil((1 - ratio) * counts.max())
    pieces = []
    steps = chain.to_list()
    for label, count in counts.items():
        missing = target - count
        if missing <= 0:
            continue
        members = rows[rows[label_column] == label]
        picks = members.iloc[np.arange(missing) % len(members)].copy()
        picks["recipe"] = [{"steps": steps, "seed": [int(seed), int(i), k // len(members)]}
                           for k, i in enumerate(picks.index)]
        pieces.append(picks)
    if not pieces:
        return rows.iloc[0:0].assign(recipe=None, augmented=True)
    return pd.concat(pieces).assign(augmented=True).reset_index(drop=True)


def class_weights(y: np.ndarray, num_classes: int) -> dict[int, float]:
    """Weights inversely proportional to class frequency (absent classes get 1.0)."""
    from sklearn.utils.class_weight import compute_class_weight  # lazy: feature workers skip sklearn

    y = np.asarray(y, dtype=int)
    present = np.unique(y)
    weights = compute_class_weight("balanced", classes=present, y=y)
    table = dict.fromkeys(range(num_classes), 1.0)
    table.update({int(c): float(w) for c, w in zip(present, weights, strict=True)})
    return table
