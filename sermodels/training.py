"""One training routine with the callbacks, class weights and seeds done right.

Normalisation is fitted on the training split only; the validation split (held-out
speakers under the speaker protocol) drives early stopping, learning-rate
reduction and checkpointing; the test split is touched once, at the end. Every
artefact goes to a run folder.

Example:
    >>> result = train(frame, "data/", get_spec("paper000"), TrainConfig(epochs=5))  # doctest: +SKIP
    >>> result.metrics["accuracy"], result.run_dir                                     # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sermodels import augment, labels, manifest, models, runs  # noqa: E402
from sermodels.cache import FeatureSet, extract_features  # noqa: E402
from sermodels.errors import DataError, MissingAudioError, UsageError  # noqa: E402
from sermodels.evaluation import speaker_keys, summarize  # noqa: E402, F401 (re-exported)
from sermodels.features import FeatureSpec, Normalizer  # noqa: E402
from sermodels.models.classifier import Classifier, as_classifier  # noqa: E402
from sermodels.seeding import seed_everything  # noqa: E402


@dataclass
class TrainConfig:
    """Training settings (paper 000's by default: Adam 1e-3, batch 32, 50 epochs, patience 10).

    Attributes:
        model: registry name of the model.
        model_options: keyword overrides for the builder.
        label_set: label set name.
        epochs: maximum epochs.
        batch_size: batch size.
        learning_rate: Adam learning rate.
        patience: early-stopping patience on validation loss (best weights restored);
            ``None``: no early stopping, the whole schedule runs and the final weights are
            kept (with a cosine schedule and few validation speakers, the validation loss is
            too noisy to pick an epoch).
        lr_patience: epochs without improvement before the learning rate is reduced.
        lr_factor: learning-rate reduction factor.
        class_weights: weight classes inversely to their training frequency.
        augment: waveform augmentation steps for training items (see
            :meth:`sermodels.augment.Chain.to_list`), e.g. ``[{"name": "pitch_shift"}]``.
        augment_copies: augmented copies of every training item (0: none).
        balance_ratio: paper 000's balancing: augment minority classes until each is
            within this ratio of the majority (``None``: off). Uses ``augment``.
        spec_augment: SpecAugment masks applied to every training batch (never at
            validation, test or inference), e.g. ``{"freq_masks": 2, "freq_width": 8,
            "time_masks": 2, "time_width": 20}``; ``None``: off.
        mixup_alpha: mixup of training batches with Beta(alpha, alpha) weights (0: off).
        label_smoothing: label smoothing of the cross-entropy (0: off).
        lr_schedule: ``"plateau"`` (halve on a validation plateau) or ``"cosine"`` (cosine
            decay over ``epochs``).
        tta_crops: test-time averaging over this many time crops (0/1: off).
        ensemble: train this many models and average their probabilities (0/1: one model);
            how the members differ is ``ensemble_by``.
        ensemble_by: ``"speakers"``: each member early-stopped on a different fold of the
            training speakers (training and validation speakers pooled, then split by
            speaker); ``"seeds"``: each member trained on the whole training split with its
            own seed (``seed + i``), as the single model would be (a seed ensemble).
        fusion: late fusion with a second, classical model trained on other features of
            the same clips: ``{"model": "svm", "spec": "functionals_speaker", "weight": 0.5}``
            trains that model on the same split (through :func:`train`, saved in the run
            folder's ``fused/``) and averages the probabilities, ``weight`` being the
            classical model's share (``None``: one model).
        weight_average: keep an exponential moving average of the weights with this
            momentum (e.g. 0.999) and end training with the averaged weights (Keras'
            ``use_ema``; 0: off, the final weights). Needs ``patience=None``.
        speaker_adversarial: train a speaker classifier on the network's last hidden layer
            through a gradient reversal of this scale (Ganin and Lempitsky's domain-adversarial
            training, with the training speakers as domains), pushing that layer to carry
            less about who speaks; the speaker head is dropped after training (0: off).
        speaker_balance: weight each training item by 1 / its speaker's training items (times
            its class weight; copies count for their source's speaker), scaled to a mean of 1,
            so that every training speaker counts alike in the loss, however many clips they
            recorded (TESS's two speakers have 1,400 clips each, a RAVDESS actor 60).
        seed: seeds Python, NumPy and Keras, and the shuffling.
        deterministic: make TensorFlow ops deterministic on CPU (same seed, same numbers).
        mixed_precision: ``"auto"`` (on with a GPU), ``"on"`` or ``"off"``.
        verbose: Keras progress output (1: a progress bar per epoch, 2: one line per epoch).
    """

    model: str = "cnn_lstm"
    model_options: dict = field(default_factory=dict)
    label_set: str = "unified7"
    epochs: int = 50
    batch_size: int = 32
    learning_rate: float = 1e-3
    patience: int | None = 10
    lr_patience: int = 5
    lr_factor: float = 0.5
    class_weights: bool = True
    augment: list = field(default_factory=list)
    augment_copies: int = 0
    balance_ratio: float | None = None
    spec_augment: dict | None = None
    mixup_alpha: float = 0.0
    label_smoothing: float = 0.0
    lr_schedule: str = "plateau"
    tta_crops: int = 0
    ensemble: int = 0
    ensemble_by: str = "speakers"
    fusion: dict | None = None
    weight_average: float = 0.0
    speaker_adversarial: float = 0.0
    speaker_balance: bool = False
    seed: int = 0
    deterministic: bool = True
    mixed_precision: str = "auto"
    verbose: int = 1

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    """What :func:`train` produced (everything is also in ``run_dir``)."""

    run_dir: Path
    model: keras.Model | models.classical.SklearnClassifier
    normalizer: Normalizer
    label_set: labels.LabelSet
    history: pd.DataFrame
    metrics: dict
    test_rows: pd.DataFrame
    test_proba: np.ndarray
    input_shape: tuple = ()

    @property
    def classifier(self) -> Classifier:
        """The model behind the interface shared by Keras and scikit-learn models."""
        return as_classifier(self.model)

    @property
    def run(self) -> runs.RunFolder:
        """The run folder, for reading its artefacts."""
        return runs.RunFolder(self.run_dir)


def has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


PIPELINE_DEPTH = 2
"""Parallel calls of each batch transformation and batches prefetched by :func:`make_dataset`."""


def make_dataset(x: np.ndarray, y: np.ndarray | None, batch_size: int, *,
                 shuffle: bool = False, seed: int = 0, spec_augment: dict | None = None,
                 mixup_alpha: float = 0.0, weights: np.ndarray | None = None):
    """A ``tf.data`` pipeline over in-memory features: shuffle, batch, augment, prefetch.

    With ``weights`` (one per item, needs ``y``), batches are ``(x, y, weight)``: Keras'
    per-sample loss weights; mixup blends the weights like the targets.

    Features are decoded once (and cached on disk), so no epoch re-reads audio.
    SpecAugment and mixup, when asked for, are applied per training batch with
    seeded stateless random ops (a different draw every step, the same on every run).

    The pipeline shuffles row *indices* and gathers each batch from the in-memory
    arrays: the same batches, in the same order, as shuffling the examples
    themselves (a shuffle's order does not depend on what it shuffles), without
    copying every example into a shuffle buffer at each epoch, which cost seconds per
    epoch on real corpora. The arrays are held in host-memory variables, which the
    pipeline reads in place (a captured tensor is copied whenever an epoch starts).

    tf.data's autotuning is switched off (fixed parallelism and prefetch depth, see
    :data:`PIPELINE_DEPTH`): gathering a batch from memory needs no tuning, and ending an
    epoch's iterator waited for the autotuner's thread, which on a busy 2-core CPU
    stalled about every other epoch by 3-4 s (paper 000's CNN-LSTM: 6-s epochs).
    """
    import tensorflow as tf

    if weights is not None and (y is None or len(weights) != len(x)):
        raise ValueError(f"need targets and one weight per item: got {len(weights)} weights "
                         f"for {len(x)} items")
    arrays = (x,) if y is None else (x, y) if weights is None else (
        x, y, np.asarray(weights, dtype=np.float32))
    with tf.device("/CPU:0"):  # tf.data runs on the host, even when a GPU trains
        tensors = tuple(tf.Variable(a, trainable=False) for a in arrays)
    ds = tf.data.Dataset.range(len(x))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)

    def take(rows):
        batch = tuple(tf.gather(t, rows) for t in tensors)
        return batch if len(batch) > 1 else batch[0]

    ds = ds.batch(batch_size).map(take, num_parallel_calls=PIPELINE_DEPTH, deterministic=True)
    if y is not None and (spec_augment or mixup_alpha > 0):
        ds = ds.enumerate().map(
            lambda step, batch: _augment_batch(step, *batch, seed=seed,
                                               spec_augment=spec_augment,
                                               mixup_alpha=mixup_alpha),
            num_parallel_calls=PIPELINE_DEPTH, deterministic=True)
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(PIPELINE_DEPTH).with_options(options)


def mixup_batch(x, y, step, seed: int, alpha: float, weights=None):
    """Mixup: each example blended with another of the batch, targets (and per-sample loss
    ``weights``, if given, returned third) likewise."""
    import tensorflow as tf

    b = tf.shape(x)[0]
    seeds = tf.stack([tf.cast(seed, tf.int64) * 1000 + 99, step])
    g1 = tf.random.stateless_gamma([b], seeds, alpha=alpha)
    g2 = tf.random.stateless_gamma([b], seeds + 1, alpha=alpha)
    lam = g1 / (g1 + g2)
    perm = tf.random.experimental.stateless_shuffle(tf.range(b), seeds + 2)
    lam_x = tf.reshape(lam, [-1] + [1] * (len(x.shape) - 1))
    x = lam_x * x + (1 - lam_x) * tf.gather(x, perm)
    y = lam[:, None] * y + (1 - lam[:, None]) * tf.gather(y, perm)
    if weights is not None:
        return x, y, lam * weights + (1 - lam) * tf.gather(weights, perm)
    return x, y


spec_augment_batch = augment.spec_augment_batch  # SpecAugment lives in augment (one copy)


def _augment_batch(step, x, y, weights=None, *, seed, spec_augment, mixup_alpha):
    if spec_augment:
        x = spec_augment_batch(x, step, seed, **spec_augment)
    if mixup_alpha > 0 and weights is None:
        x, y = mixup_batch(x, y, step, seed, mixup_alpha)
    elif mixup_alpha > 0:
        x, y, weights = mixup_batch(x, y, step, seed, mixup_alpha, weights)
    return (x, y) if weights is None else (x, y, weights)


def speaker_balance_weights(y: np.ndarray, speakers: np.ndarray,
                            class_weights: dict[int, float] | None = None) -> np.ndarray:
    """Per-item loss weights under which every speaker counts alike (see
    ``TrainConfig.speaker_balance``): 1 / the speaker's items, times the item's class weight,
    scaled to a mean of 1.

    Example:
        >>> speaker_balance_weights(np.array([0, 1, 0, 1]), np.array(["a", "a", "a", "b"]))
        array([0.6666667, 0.6666667, 0.6666667, 2.       ], dtype=float32)
    """
    keys = np.asarray(speakers, dtype=object)
    if len(keys) != len(y):
        raise ValueError(f"got {len(keys)} speaker keys for {len(y)} training items")
    _, inverse, counts = np.unique(keys.astype(str), return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    if class_weights:
        w = w * np.array([class_weights.get(int(c), 1.0) for c in y])
    return (w / w.mean()).astype(np.float32)


def time_crops(x: np.ndarray, crops: int, fraction: float = 0.8) -> list[np.ndarray]:
    """Time crops of ``(n, frames, features)`` inputs, each kept in place with the rest zeroed."""
    if crops <= 1 or x.ndim != 3:
        return [x]
    frames = x.shape[1]
    length = max(1, int(fraction * frames))
    views = []
    for start in np.linspace(0, frames - length, crops).astype(int):
        view = np.zeros_like(x)
        view[:, start:start + length] = x[:, start:start + length]
        views.append(view)
    return views


def _validation_fallback(rows: pd.DataFrame, seed: int) -> tuple[pd.Series, str]:
    """When no validation speakers exist, hold out 10% of training utterances (noted)."""
    split = rows["split"].copy()
    if (split == "val").any():
        return split, "held-out speakers" if (rows["protocol"] != "random").all() else "random utterances"
    train_idx = rows.index[split == "train"]
    rng = np.random.default_rng(seed)
    take = rng.choice(train_idx, size=max(1, len(train_idx) // 10), replace=False)
    split[take] = "val"
    return split, "10% of training utterances (no validation speakers available)"


def _augmented(rows: pd.DataFrame, split: pd.Series, config: TrainConfig) -> pd.DataFrame:
    """The augmented training copies the config asks for (training rows only)."""
    if not config.augment or not (config.augment_copies or config.balance_ratio is not None):
        return rows.iloc[0:0]
    chain = augment.Chain.from_list(config.augment)
    train_rows = rows[split == "train"].assign(split="train")
    plans = []
    if config.augment_copies:
        plans.append(augment.augmentation_plan(train_rows, chain, copies=config.augment_copies,
                                               seed=config.seed))
    if config.balance_ratio is not None:
        plans.append(augment.balance_plan(train_rows, chain, ratio=config.balance_ratio,
                                          seed=config.seed + 1))
    return pd.concat(plans, ignore_index=True)


@dataclass
class Prepared:
    """Features split, normalised (statistics from train only) and augmented (train only)."""

    rows: pd.DataFrame          # one per extracted item, with ``split`` as used
    x: np.ndarray               # normalised features of ``rows``
    y: np.ndarray               # class indices of ``rows``
    parts: dict                 # "train"/"val"/"test" -> row positions
    train_x: np.ndarray         # training features, augmented copies appended
    train_y: np.ndarray
    train_speakers: np.ndarray  # speaker key of every ``train_x`` row (copies: their source's)
    normalizer: Normalizer
    label_set: labels.LabelSet
    protocol: str
    validation_source: str
    n_augmented: int
    features: FeatureSet


#: Default largest fraction of a split's clips that may have no usable audio (see :func:`prepare`).
MAX_MISSING = 0.05
_max_missing: contextvars.ContextVar[float] = contextvars.ContextVar("max_missing",
                                                                     default=MAX_MISSING)


@contextlib.contextmanager
def allow_missing(fraction: float):
    """Within the block, :func:`prepare` (and every command built on it) called without
    ``max_missing`` allows this fraction of each split's clips to lack usable audio.

    Example:
        >>> with allow_missing(0.2):                      # doctest: +SKIP
        ...     cross_validate(frame, "data/", "paper000")
    """
    token = _max_missing.set(_check_fraction(fraction))
    try:
        yield
    finally:
        _max_missing.reset(token)


def _check_fraction(fraction) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) \
            or not 0 <= fraction <= 1:
        raise ValueError(f"max_missing must be a number from 0 to 1, got {fraction!r}")
    return float(fraction)


def check_lost_clips(rows: pd.DataFrame, fs: FeatureSet, data_root: str | os.PathLike,
                     max_missing: float, show: int = 20) -> pd.DataFrame:
    """Report the manifest rows whose audio could not be used; refuse when too many.

    Every left-out clip is printed (to stderr, per split, up to ``show`` names), so no
    split shrinks silently.

    Args:
        rows: the manifest rows that were asked for (with ``split``).
        fs: their features (rows without usable audio are missing from ``fs.rows``).
        data_root: folder the paths are relative to.
        max_missing: largest allowed fraction of lost clips in any split.

    Returns:
        The lost rows (empty when nothing was lost).

    Raises:
        DataError: no row has usable audio (usually a wrong data root).
        MissingAudioError: a split lost more than ``max_missing`` of its clips.
    """
    lost = rows[~rows["path"].isin(set(fs.rows["path"]))]
    if lost.empty:
        return lost
    problems = {e.path: e.problem for e in fs.errors}
    named = [f"{p}: {problems.get(os.path.join(data_root, p), 'no usable audio')}"
             for p in lost["path"]]
    if len(lost) == len(rows):
        raise DataError(
            f"no usable audio under {str(data_root)!r} for any of the manifest's {len(rows)} "
            f"files (e.g. {named[0]}); is the data root the folder the manifest's paths are "
            "relative to (--data-root)?")
    counts = {s: (int((lost["split"] == s).sum()), int((rows["split"] == s).sum()))
              for s in ("train", "val", "test") if (rows["split"] == s).any()}
    print(f"note: {len(lost)} of {len(rows)} clips have no usable audio and are left out ("
          + ", ".join(f"{s} {k} of {n}" for s, (k, n) in counts.items()) + "):", file=sys.stderr)
    for line in named[:show]:
        print(f"  {line}", file=sys.stderr)
    if len(named) > show:
        print(f"  ... and {len(named) - show} more", file=sys.stderr)
    over = [(s, k, n) for s, (k, n) in counts.items() if k > max_missing * n]
    if over:
        s, k, n = over[0]
        raise MissingAudioError(
            f"the {s} split lost {k} of its {n} clips ({k / n:.1%}) to missing or unreadable "
            f"audio, more than the {max_missing:.1%} allowed (e.g. {named[0]}); fix the files, "
            "or allow the loss with --max-missing (max_missing=) up to 1")
    return lost


def check_finite(x: np.ndarray, rows: pd.DataFrame, what: str = "features",
                 show: int = 10) -> None:
    """Refuse features holding NaN or infinity, naming the clips (training on them would give a
    NaN normaliser and a meaningless model).

    Raises:
        DataError: some items are not finite.
    """
    bad = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1)) if len(x) else []
    if len(bad):
        paths = rows["path"].to_numpy()[bad]
        more = f" and {len(bad) - show} more" if len(bad) > show else ""
        raise DataError(f"{len(bad)} clip(s) have NaN or infinite {what}: "
                        f"{', '.join(map(str, paths[:show]))}{more}; if they come from the "
                        "feature cache, delete it (--cache) and extract again")


def prepare(
    frame: pd.DataFrame,
    data_root: str | os.PathLike,
    spec: FeatureSpec,
    config: TrainConfig,
    *,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int = 1,
    features: FeatureSet | None = None,
    max_missing: float | None = None,
) -> Prepared:
    """Select rows by label set, extract features, fit the normaliser on train, add augmented copies.

    Clips without usable audio are left out and listed on stderr; when a split loses more than
    ``max_missing`` of its clips (default :data:`MAX_MISSING`, or the value set by
    :func:`allow_missing`), :class:`~sermodels.errors.MissingAudioError` is raised instead.
    Non-finite features raise :class:`~sermodels.errors.DataError` naming the clips.
    """
    max_missing = _max_missing.get() if max_missing is None else _check_fraction(max_missing)
    label_set = manifest.resolve_label_set(frame, config.label_set)  # a name, file or "inferred"
    rows = manifest.select(frame, label_set).reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"no rows left under label set {label_set.name!r}")
    if (rows["split"] == "").any():
        raise ValueError("the manifest has rows without a split: assign one first "
                         "(sermodels.manifest.assign_splits)")
    protocol = "random" if (rows["protocol"] == "random").any() else "speaker"
    fs = features or extract_features(rows, data_root, spec, cache_dir=cache_dir, n_jobs=n_jobs,
                                      progress=config.verbose > 0)
    check_lost_clips(rows, fs, data_root, max_missing)
    check_finite(fs.x, fs.rows)
    rows = fs.rows
    split, validation_source = _validation_fallback(rows, config.seed)
    rows = rows.assign(split=split)
    parts = {name: np.flatnonzero(split.to_numpy() == name) for name in ("train", "val", "test")}
    if len(parts["train"]) == 0 or len(parts["test"]) == 0:
        raise ValueError("need at least one training and one test example")
    y = rows["y"].to_numpy(dtype=int)
    speakers = speaker_keys(rows)
    normalizer = Normalizer(spec.normalization).fit(fs.x[parts["train"]])
    x = normalizer.transform(fs.x, speakers)
    train_x, train_y = x[parts["train"]], y[parts["train"]]
    train_speakers = speakers[parts["train"]]
    extra = _augmented(rows, split, config)
    if len(extra):  # augmented copies join the training split only, after the normaliser is fitted
        aug = extract_features(extra, data_root, spec, cache_dir=cache_dir, n_jobs=n_jobs,
                               progress=config.verbose > 0)
        check_finite(aug.x, aug.rows, "features (augmented copies)")
        # perturbed copies of a speaker are normalised together, as one more speaker
        keys = speaker_keys(aug.rows) + "|augmented"
        train_x = np.concatenate([train_x, normalizer.transform(aug.x, keys)])
        train_y = np.concatenate([train_y, aug.rows["y"].to_numpy(dtype=int)])
        train_speakers = np.concatenate([train_speakers, speaker_keys(aug.rows)])
    return Prepared(rows, x, y, parts, train_x, train_y, train_speakers, normalizer, label_set,
                    protocol, validation_source, int(len(extra)), fs)


def compile_model(config: TrainConfig, input_shape, num_classes: int, strategy=None,
                  steps_per_epoch: int = 1) -> keras.Model:
    """Build and compile a registry model under a distribution strategy (mixed precision on GPU)."""
    import tensorflow as tf

    use_mp = config.mixed_precision == "on" or (config.mixed_precision == "auto" and has_gpu())
    previous_policy = keras.mixed_precision.global_policy().name
    if use_mp:
        keras.mixed_precision.set_global_policy("mixed_float16")
    strategy = strategy or tf.distribute.get_strategy()
    try:
        with strategy.scope():
            model = models.build(config.model, input_shape, num_classes, **config.model_options)
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
            model.compile(optimizer=make_optimizer(config, steps_per_epoch), loss=loss,
                          metrics=["accuracy"])
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    return model


def make_optimizer(config: TrainConfig, steps_per_epoch: int = 1) -> keras.optimizers.Optimizer:
    """Adam at ``config.learning_rate``, with its schedule and weight averaging.

    Args:
        config: training settings (``learning_rate``, ``lr_schedule``, ``epochs``,
            ``weight_average``).
        steps_per_epoch: batches per epoch (the cosine schedule decays over all of them).

    Returns:
        A Keras optimizer.
    """
    rate = config.learning_rate
    if config.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=max(1, config.epochs * steps_per_epoch),
            alpha=0.01)
    elif config.lr_schedule != "plateau":
        raise ValueError(f"lr_schedule must be plateau or cosine, got {config.lr_schedule!r}")
    if not 0.0 <= config.weight_average < 1.0:
        raise ValueError(f"weight_average must be in [0, 1), got {config.weight_average!r}")
    if config.weight_average and config.patience is not None:
        raise ValueError("weight_average needs patience=None: early stopping would restore the "
                         "best epoch's raw weights over the averaged ones")
    if config.weight_average:
        return keras.optimizers.Adam(rate, use_ema=True, ema_momentum=config.weight_average)
    return keras.optimizers.Adam(rate)


def callbacks_for(config: TrainConfig, run_dir: Path | None) -> list:
    """Early stopping on validation loss (best weights restored), LR reduction, checkpoint, CSV log."""
    callbacks = []
    if config.patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping("val_loss", patience=config.patience,
                                                       restore_best_weights=True))
    if config.lr_schedule == "plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            "val_loss", factor=config.lr_factor, patience=config.lr_patience, min_lr=1e-6))
    if run_dir is not None:
        run = runs.RunFolder(run_dir)
        callbacks += [
            keras.callbacks.ModelCheckpoint(run.checkpoint_path, monitor="val_loss",
                                            save_best_only=True),
            keras.callbacks.CSVLogger(str(run.history_path)),
        ]
    return callbacks


def build_model(prep: Prepared, config: TrainConfig, strategy=None) -> keras.Model:
    """The compiled Keras model :func:`fit` trains on ``prep`` with ``config`` (untrained).

    The learning-rate schedule counts steps over ``prep.train_x`` in batches of
    ``config.batch_size``.
    """
    steps = -(-len(prep.train_x) // config.batch_size)
    return compile_model(config, prep.x.shape[1:], prep.label_set.num_classes, strategy,
                         steps_per_epoch=steps)


#: settings only a Keras model can use, each with the largest value that leaves it off
KERAS_ONLY = {"ensemble": 1, "weight_average": 0.0, "speaker_adversarial": 0.0,
              "speaker_balance": False}


def fit(prep: Prepared, config: TrainConfig, *, run_dir: Path | None = None, strategy=None,
        model: keras.Model | None = None, callbacks: list | None = None):
    """Build, compile and fit a registry model (Keras or classical) on prepared data.

    This is the one training routine: ``train`` (and through it ``run``, ``cv``,
    ``compare``, ``compare-protocols`` and ``ablate``), fold ensembles and every
    ``tune`` trial go through it, so all of them train with the same recipe: class
    weights, SpecAugment, mixup, label smoothing, learning-rate schedule, mixed
    precision, early stopping on the validation split.

    Args:
        prep: prepared features (:func:`prepare`).
        config: the training settings.
        run_dir: where checkpoints and the epoch log go (``None``: nowhere).
        strategy: a ``tf.distribute`` strategy.
        model: a model already built by :func:`build_model` for ``config`` (KerasTuner
            builds its trial models itself); default: built here.
        callbacks: Keras callbacks added to the usual ones (KerasTuner's own).

    Returns:
        ``(model, history frame)``; classical models have an empty history.
    """
    if config.model in models.classical.names():
        keras_only = [name for name, off in KERAS_ONLY.items() if getattr(config, name) > off]
        if keras_only:
            raise ValueError(f"{', '.join(keras_only)} is for Keras models; {config.model!r} is "
                             "a classical model")
        model = models.classical.build(config.model, prep.label_set.num_classes,
                                       seed=config.seed, **config.model_options)
        model.fit(prep.train_x, prep.train_y)
        return model, pd.DataFrame()
    if config.ensemble > 1:
        if model is not None:
            raise ValueError("an ensemble builds its own members; pass no model")
        return _fit_ensemble(prep, config, run_dir=run_dir, strategy=strategy,
                             callbacks=callbacks)
    val = prep.parts["val"]
    return _fit_one(prep.train_x, prep.train_y, prep.x[val], prep.y[val], prep, config,
                    run_dir=run_dir, strategy=strategy, model=model, callbacks=callbacks,
                    train_speakers=prep.train_speakers)


def _fit_one(train_x, train_y, val_x, val_y, prep: Prepared, config: TrainConfig, *,
             run_dir: Path | None, strategy=None, model: keras.Model | None = None,
             callbacks: list | None = None, train_speakers: np.ndarray | None = None):
    num_classes = prep.label_set.num_classes
    steps = -(-len(train_x) // config.batch_size)
    if model is None:
        model = compile_model(config, prep.x.shape[1:], num_classes, strategy,
                              steps_per_epoch=steps)
    weights = augment.class_weights(train_y, num_classes) if config.class_weights else None
    train_targets, val_targets = _onehot(train_y, num_classes), _onehot(val_y, num_classes)
    trained = model
    if config.speaker_adversarial < 0:
        raise ValueError(f"speaker_adversarial must be >= 0, got {config.speaker_adversarial!r}")
    sample_weights = None
    if config.speaker_balance:
        if config.speaker_adversarial:
            raise ValueError("speaker_balance and speaker_adversarial cannot be combined")
        if train_speakers is None:
            raise ValueError("speaker_balance needs the training items' speakers")
        sample_weights = speaker_balance_weights(train_y, train_speakers, weights)
        weights = None  # the class weights are in the sample weights
    if config.speaker_adversarial:
        speakers, _ = pd.factorize(pd.Series(train_speakers, dtype=object), sort=True)
        n_speakers = int(speakers.max()) + 1
        trained = speaker_adversarial_model(model, n_speakers, config.speaker_adversarial)
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
        trained.compile(optimizer=make_optimizer(config, steps),
                        loss={"emotion": loss, "speaker": keras.losses.CategoricalCrossentropy()},
                        metrics={"emotion": ["accuracy"]})
        # one target row: the emotion, then the speaker (validation speakers are unseen:
        # no speaker target), so mixup blends both alike
        train_targets = np.concatenate([train_targets, _onehot(speakers, n_speakers)], axis=1)
        val_targets = np.concatenate(
            [val_targets, np.zeros((len(val_targets), n_speakers), np.float32)], axis=1)
    train_ds = make_dataset(train_x, train_targets, config.batch_size,
                            shuffle=True, seed=config.seed, spec_augment=config.spec_augment,
                            mixup_alpha=config.mixup_alpha, weights=sample_weights)
    val_ds = make_dataset(val_x, val_targets, config.batch_size)
    if config.speaker_adversarial:
        train_ds, val_ds = (_two_targets(ds, num_classes, weights) for ds in (train_ds, val_ds))
        weights = None
    verbose = config.verbose if (config.verbose != 1 or sys.stdout.isatty()) else 2
    first = [_EmotionLogNames()] if trained is not model else []
    history = trained.fit(train_ds, validation_data=val_ds, epochs=config.epochs, shuffle=False,
                          class_weight=weights,
                          callbacks=first + callbacks_for(config, run_dir) + list(callbacks or []),
                          verbose=verbose)
    hist = pd.DataFrame(history.history)
    hist.index.name = "epoch"
    if trained is not model:
        model.optimizer.build(model.trainable_variables)  # saved like any trained model's
    return model, hist


class _EmotionLogNames(keras.callbacks.Callback):
    """Renames a speaker-adversarial model's epoch logs in place, before the callbacks after it
    (epoch log, checkpoint, ``History``) read them: the emotion output's columns keep a
    one-output model's names (``loss``, ``accuracy``, ``val_...``) and the sum of both losses
    becomes ``total_loss`` (as ``ReduceLROnPlateau`` adds ``learning_rate`` to the same logs)."""

    @staticmethod
    def rename(key: str) -> str:
        return key.replace("loss", "total_loss") if key in ("loss", "val_loss") else \
            key.replace("emotion_", "")

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            renamed = {self.rename(k): v for k, v in logs.items()}
            logs.clear()
            logs.update(renamed)


def speaker_adversarial_model(model: keras.Model, n_speakers: int, scale: float) -> keras.Model:
    """``model`` with a second output, ``"speaker"``, behind a gradient reversal.

    The speaker head (Dense 64, ReLU, softmax over ``n_speakers``) reads the input of the
    model's output layer, its last hidden representation, through
    :class:`~sermodels.models.GradientReversal`; the two outputs share every other
    weight, so training this model trains ``model``, which keeps its single output.

    Args:
        model: a Keras model whose last layer maps a hidden vector to the emotions.
        n_speakers: training speakers (the speaker head's classes).
        scale: the gradient reversal's scale.

    Returns:
        An uncompiled Keras model with outputs ``{"emotion", "speaker"}``.
    """
    hidden = model.layers[-1].input
    x = models.GradientReversal(scale, name="gradient_reversal")(hidden)
    x = keras.layers.Dense(64, activation="relu", name="speaker_hidden")(x)
    speaker = keras.layers.Dense(n_speakers, activation="softmax", name="speaker",
                                 dtype="float32")(x)
    return keras.Model(model.input, {"emotion": model.output, "speaker": speaker},
                       name=f"{model.name}_speaker_adversarial")


def _two_targets(ds, num_classes: int, class_weights: dict | None):
    """``(x, [emotion | speaker])`` batches as ``(x, targets, sample weights)`` of two outputs,
    each example weighted by its emotion's class weight (Keras' ``class_weight`` takes one
    output only)."""
    import tensorflow as tf

    table = tf.constant([class_weights.get(c, 1.0) if class_weights else 1.0
                         for c in range(num_classes)], tf.float32)

    def split(x, y):
        emotion, speaker = y[:, :num_classes], y[:, num_classes:]
        w = tf.gather(table, tf.argmax(emotion, axis=-1))
        return x, {"emotion": emotion, "speaker": speaker}, {"emotion": w, "speaker": w}

    return ds.map(split)


def ensemble_folds(prep: Prepared, k: int, seed: int = 0) -> dict[str, int]:
    """The member (0 .. k-1) whose validation fold holds each training or validation speaker.

    Speakers are dealt per corpus in a seeded random order, so every member is
    early-stopped on speakers it never trains on.

    Returns:
        ``{speaker key: member}``.
    """
    pool = np.concatenate([prep.parts["train"], prep.parts["val"]])
    keys = speaker_keys(prep.rows)[pool]
    corpora = prep.rows["corpus"].to_numpy()[pool]
    rng = np.random.default_rng([seed, k])
    assignment = {}
    for corpus in sorted(set(corpora)):
        speakers = sorted(set(keys[corpora == corpus]))
        start = int(rng.integers(k))
        for j, speaker in enumerate(rng.permutation(speakers)):
            assignment[speaker] = (start + j) % k
    return assignment


ENSEMBLE_BY = ("speakers", "seeds")
"""How the members of an ensemble differ (``TrainConfig.ensemble_by``)."""


def _fit_ensemble(prep: Prepared, config: TrainConfig, *, run_dir: Path | None, strategy=None,
                  callbacks: list | None = None):
    """``config.ensemble`` members, each validated on its own fold of speakers (or each with its
    own seed, on the whole training split); one averaged model."""
    if config.ensemble_by not in ENSEMBLE_BY:
        raise ValueError(f"ensemble_by must be one of {ENSEMBLE_BY}, got {config.ensemble_by!r}")
    by_seed = config.ensemble_by == "seeds"
    parts = _seed_members(prep, config.ensemble) if by_seed else _speaker_fold_members(
        prep, config.ensemble, config.seed)
    members, histories = [], []
    for i, (train_x, train_y, val_x, val_y, speakers) in enumerate(parts):
        member_dir = run_dir / f"member{i}" if run_dir is not None else None
        if member_dir is not None:
            member_dir.mkdir(parents=True, exist_ok=True)
        if by_seed:  # the member's initial weights follow its seed too
            seed_everything(config.seed + i)
        model, hist = _fit_one(train_x, train_y, val_x, val_y, prep,
                               replace(config, seed=config.seed + i), run_dir=member_dir,
                               strategy=strategy, callbacks=callbacks, train_speakers=speakers)
        members.append(model)
        histories.append(hist.assign(member=i))
    return average_models(members, prep.x.shape[1:]), pd.concat(histories)


def _speaker_fold_members(prep: Prepared, k: int, seed: int):
    """Each fold ensemble member's training and validation data: training and validation
    speakers pooled and dealt into ``k`` folds, member ``i`` validated on fold ``i``."""
    member_of = ensemble_folds(prep, k, seed)
    pool = np.concatenate([prep.parts["train"], prep.parts["val"]])
    pool_fold = np.array([member_of[key] for key in speaker_keys(prep.rows)[pool]], dtype=int)
    n = len(prep.parts["train"])  # augmented copies follow the originals in train_x
    copy_x, copy_y = prep.train_x[n:], prep.train_y[n:]
    copy_fold = np.array([member_of[key] for key in prep.train_speakers[n:]], dtype=int)
    for i in range(k):
        own, rest = pool[pool_fold == i], pool[pool_fold != i]
        if len(own) == 0 or len(rest) == 0:
            raise ValueError(f"ensemble={k}: member {i} has no validation or no training "
                             "speakers; use fewer members")
        yield (np.concatenate([prep.x[rest], copy_x[copy_fold != i]]),
               np.concatenate([prep.y[rest], copy_y[copy_fold != i]]),
               prep.x[own], prep.y[own],
               np.concatenate([speaker_keys(prep.rows)[rest],
                               prep.train_speakers[n:][copy_fold != i]]))


def _seed_members(prep: Prepared, k: int):
    """Each seed ensemble member's data: the whole training split (copies included) and the
    validation split, alike for all ``k`` members."""
    val = prep.parts["val"]
    for _ in range(k):
        yield prep.train_x, prep.train_y, prep.x[val], prep.y[val], prep.train_speakers


def average_models(members: list, input_shape) -> keras.Model:
    """One Keras model whose output is the mean of the members' probabilities."""
    inputs = keras.Input(tuple(input_shape), name="features")
    renamed = [keras.Model(m.input, m.output, name=f"member{i}") for i, m in enumerate(members)]
    outputs = keras.layers.Average(name="ensemble_mean", dtype="float32")(
        [m(inputs) for m in renamed])
    return keras.Model(inputs, outputs, name=f"ensemble_of_{len(members)}")


def predict_proba(model, x: np.ndarray, tta: int = 0) -> np.ndarray:
    """Class probabilities from a Keras or classical model (averaged over ``tta`` time crops)."""
    return as_classifier(model).predict_proba(x, tta)


def _onehot(y: np.ndarray, num_classes: int) -> np.ndarray:
    return keras.utils.to_categorical(y, num_classes).astype(np.float32)


def train(
    frame: pd.DataFrame,
    data_root: str | os.PathLike,
    spec: FeatureSpec,
    config: TrainConfig | None = None,
    *,
    run_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    n_jobs: int = 1,
    strategy=None,
    features: FeatureSet | None = None,
    max_missing: float | None = None,
) -> TrainResult:
    """Train a registered model on a manifest's train split and evaluate on its test split.

    Args:
        frame: manifest with ``split`` (and ``protocol``) set.
        data_root: folder the manifest paths are relative to.
        spec: feature spec (its ``normalization`` is fitted on train only).
        config: training settings.
        run_dir: where artefacts go (default: a new folder under ``sermodels_runs/``).
        cache_dir: feature cache folder.
        n_jobs: feature-extraction worker processes.
        strategy: a ``tf.distribute`` strategy (e.g. ``MirroredStrategy()`` for several
            GPUs); default: the current (single-device) strategy.
        features: features already extracted for ``frame`` (skips extraction).
        max_missing: largest fraction of any split's clips that may lack usable audio
            (see :func:`prepare`; default :data:`MAX_MISSING` or :func:`allow_missing`'s).

    Returns:
        A :class:`TrainResult`; ``metrics`` carries protocol, corpora, label set and seed.

    Raises:
        DataError: no usable audio, too many clips lost, or non-finite features. If training
            fails, a run folder it created (or was given empty) is removed while still empty.
    """
    import tensorflow as tf

    config = config or TrainConfig()
    seed_everything(config.seed)
    if config.deterministic and not has_gpu():
        tf.config.experimental.enable_op_determinism()
    given = Path(run_dir) if run_dir else None
    # a folder made for this run (absent or still empty) is removed again if training fails
    # before anything was written to it; a folder holding any file is never touched
    owned = given is None or not given.exists() or (given.is_dir() and not any(given.iterdir()))
    run_dir = None
    try:
        prep = prepare(frame, data_root, spec, config, cache_dir=cache_dir, n_jobs=n_jobs,
                       features=features, max_missing=max_missing)
        run_dir = given or runs.new_run_dir(f"{config.model}-{prep.protocol}")
        run_dir.mkdir(parents=True, exist_ok=True)
        model, history = fit(prep, config, run_dir=run_dir, strategy=strategy)
        test = prep.parts["test"]
        proba = predict_proba(model, prep.x[test], config.tta_crops)
        test_rows = prep.rows.iloc[test].reset_index(drop=True)
        metrics = summarize(prep.y[test], proba, prep.label_set.classes)
        metrics.update({
            "protocol": prep.protocol,
            "corpora": sorted(prep.rows["corpus"].unique()),
            "label_set": prep.label_set.name,
            "model": config.model,
            "feature_spec": spec.name,
            "seed": config.seed,
            "epochs_run": int(len(history)),  # summed over the members of an ensemble
            "ensemble": max(1, config.ensemble),
            "validation": prep.validation_source,
            "n_train": int(len(prep.parts["train"])), "n_train_augmented": prep.n_augmented,
            "n_val": int(len(prep.parts["val"])),
            "run_dir": str(run_dir),
        })
        if config.fusion:
            test_rows, proba, metrics = _fuse(frame, data_root, config, test_rows, proba, metrics,
                                              run_dir, cache_dir, n_jobs, max_missing)
        _save_run(run_dir, model, prep.normalizer, prep.label_set, spec, config, prep.rows,
                  test_rows, proba, metrics, prep.features, data_root)
        return TrainResult(run_dir, model, prep.normalizer, prep.label_set, history, metrics,
                           test_rows, proba, tuple(prep.x.shape[1:]))
    except BaseException:
        if owned:
            _remove_if_empty(run_dir or given)
        raise


FUSED = "fused"  # the run-folder sub-folder holding a fusion's classical model


def fusion_config(config: TrainConfig) -> tuple[TrainConfig, FeatureSpec, float]:
    """The classical member of ``config.fusion``: its training settings, features and weight."""
    from sermodels.features import get_spec

    fusion = dict(config.fusion or {})
    unknown = set(fusion) - {"model", "spec", "weight", "model_options"}
    if unknown or "model" not in fusion or "spec" not in fusion:
        raise UsageError(f"fusion needs model and spec (and optionally weight, model_options); "
                         f"got {sorted(config.fusion or {})}")
    if fusion["model"] not in models.classical.names():
        raise UsageError(f"fusion model must be a classical model "
                         f"({', '.join(models.classical.names())}), got {fusion['model']!r}")
    weight = float(fusion.get("weight", 0.5))
    if not 0.0 < weight < 1.0:
        raise UsageError(f"fusion weight must be between 0 and 1, got {weight}")
    member = replace(config, model=fusion["model"], model_options=fusion.get("model_options", {}),
                     augment=[], augment_copies=0, balance_ratio=None, spec_augment=None,
                     mixup_alpha=0.0, tta_crops=0, ensemble=0, fusion=None,
                     weight_average=0.0, speaker_adversarial=0.0, speaker_balance=False)
    return member, get_spec(fusion["spec"]), weight


def _fuse(frame, data_root, config, test_rows, proba, metrics, run_dir: Path, cache_dir,
          n_jobs, max_missing):
    """Train the fusion's classical member on the same split and average the probabilities
    on the test clips both models scored."""
    member_config, member_spec, weight = fusion_config(config)
    member = train(frame, data_root, member_spec, member_config, run_dir=run_dir / FUSED,
                   cache_dir=cache_dir, n_jobs=n_jobs, max_missing=max_missing)
    position = {path: i for i, path in enumerate(member.test_rows["path"])}
    keep = np.array([path in position for path in test_rows["path"]])
    rows = test_rows[keep].reset_index(drop=True)
    fused = ((1 - weight) * proba[keep]
             + weight * member.test_proba[[position[p] for p in rows["path"]]])
    y = rows["y"].to_numpy(dtype=int)
    network = summarize(y, proba[keep], member.label_set.classes)
    out = summarize(y, fused, member.label_set.classes)
    out.update({k: v for k, v in metrics.items() if k not in out})
    out["fusion"] = {"model": member_config.model, "feature_spec": member_spec.name,
                     "weight": weight,
                     "network_unweighted_accuracy": network["unweighted_accuracy"],
                     "classical_unweighted_accuracy": member.metrics["unweighted_accuracy"]}
    return rows, fused, out


def _remove_if_empty(folder: Path | None) -> None:
    """Remove a run folder that holds no file (empty sub-folders only); keep anything else."""
    if folder is None or not folder.is_dir():
        return
    if all(path.is_dir() for path in folder.rglob("*")):
        shutil.rmtree(folder, ignore_errors=True)


def _save_run(run_dir: Path, model, normalizer, label_set, spec, config, rows, test_rows,
              proba, metrics, fs, data_root) -> None:
    run = runs.RunFolder(run_dir)
    run.save_model(model)
    run.write_normalizer(normalizer)
    run.write_label_set(label_set)
    run.write_config({
        "train": config.to_dict(), "feature_spec": spec.to_dict(),
        "protocol": metrics["protocol"], "seed": config.seed,
        "data_root": str(Path(data_root).resolve()),
    })
    run.write_split(rows.drop(columns=["target", "y"]))
    predictions = test_rows[["path", "corpus", "speaker", "target"]].copy()
    predictions["predicted"] = [label_set.classes[i] for i in proba.argmax(axis=1)]
    for i, name in enumerate(label_set.classes):
        predictions[f"p_{name}"] = proba[:, i]
    run.write_predictions(predictions)
    run.write_metrics(metrics)
    run.write_environment()
    if fs.errors:
        run.write_skipped_files(fs.report())
