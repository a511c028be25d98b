"""Inference on new audio with exactly the preprocessing of a trained run.

A :class:`Predictor` reads a run folder (model, normaliser, label set, feature
spec) and turns a file, a folder or a long recording (window by window) into
emotion probabilities. Unreadable, silent or too-short input raises
:class:`~sermodels.audio.AudioError` naming the file: never a confident answer
about nothing.

Example:
    >>> predictor = Predictor("sermodels_runs/20261122-quickstart")   # doctest: +SKIP
    >>> predictor.predict_file("me.wav").label                        # doctest: +SKIP
    'happy'
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sermodels import runs
from sermodels.audio import AudioError, fix_length, load_audio
from sermodels.corpora import AUDIO_SUFFIXES
from sermodels.features import FeatureSpec, Normalizer, extract
from sermodels.labels import LabelSet


@dataclass(frozen=True)
class Prediction:
    """Probabilities for one clip (or window)."""

    path: str
    probabilities: dict[str, float]

    @property
    def label(self) -> str:
        return max(self.probabilities, key=self.probabilities.get)

    @property
    def confidence(self) -> float:
        return self.probabilities[self.label]

    def columns(self) -> dict:
        """``label``, ``confidence`` and one ``p_<class>`` per class, for a results table."""
        return {"label": self.label, "confidence": self.confidence,
                **{f"p_{k}": v for k, v in self.probabilities.items()}}


class Predictor:
    """Loads a run folder once and predicts emotions for new audio.

    Args:
        run_dir: a folder written by :func:`sermodels.training.train`.
    """

    def __init__(self, run_dir: str | os.PathLike) -> None:
        self.run_dir = Path(run_dir)
        if not (self.run_dir / "config.json").is_file():
            raise FileNotFoundError(f"{self.run_dir}: not a sermodels run folder (no config.json)")
        config = runs.read_json(self.run_dir / "config.json")
        self.spec = FeatureSpec.from_dict(config["feature_spec"])
        self.label_set = LabelSet.from_dict(runs.read_json(self.run_dir / "label_set.json"))
        self.normalizer = Normalizer.load(self.run_dir / "normalizer.json")
        self.protocol = config.get("protocol", "speaker")
        self.tta = int(config.get("train", {}).get("tta_crops", 0))
        self.model = _load_model(self.run_dir)
        self._compiled = None

    @property
    def classes(self) -> tuple[str, ...]:
        return self.label_set.classes

    def _forward(self, x: np.ndarray) -> np.ndarray:
        """Probabilities for a batch of features, through one compiled function."""
        if not hasattr(self.model, "count_params"):  # classical baseline
            return np.asarray(self.model.predict(x), dtype=np.float64)
        from sermodels.training import time_crops

        if self._compiled is None:
            self._compiled = compiled_predict(self.model, x.shape[1:])
        views = time_crops(x.astype(np.float32), self.tta)  # the run's test-time averaging
        return np.mean([self._compiled(v).numpy() for v in views], axis=0).astype(np.float64)

    def features(self, y: np.ndarray) -> np.ndarray:
        """Normalised features of a waveform already at ``spec.sample_rate``."""
        return self.normalizer.transform(extract(y, self.spec))

    def _predict(self, x: np.ndarray, name: str) -> Prediction:
        """Probabilities for one item's normalised features."""
        proba = self._forward(x[None])[0]
        return Prediction(name, dict(zip(self.classes, map(float, proba), strict=True)))

    def predict_waveform(self, y: np.ndarray, name: str = "<array>") -> Prediction:
        """Probabilities for a waveform loaded with this run's audio settings."""
        return self._predict(self.features(y), name)

    def predict_file(self, path: str | os.PathLike) -> Prediction:
        """Probabilities for one file.

        Raises:
            AudioError: unreadable, empty, silent or too-short file (named in the message).
        """
        return self.predict_waveform(load_audio(path, self.spec.audio), str(path))

    @property
    def speaker_normalised(self) -> bool:
        """Whether the run normalises features per speaker (see :func:`speaker_normalize`)."""
        return self.normalizer.method == "speaker"

    def predict_folder(self, folder: str | os.PathLike, *,
                       one_speaker: bool = False) -> tuple[pd.DataFrame, list[AudioError]]:
        """One row per audio file below ``folder`` (path, label, confidence, probabilities).

        Args:
            folder: folder searched recursively for audio files.
            one_speaker: the files are all one speaker's. For a run with per-speaker
                normalisation their features are then normalised together, with that
                speaker's statistics, as in training; otherwise each file is normalised
                with its own statistics (fewer cues survive, so expect lower accuracy).

        Returns:
            ``(table, errors)``: files that could not be used are listed in ``errors``.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder}: not a folder")
        paths, feats, errors = [], [], []
        for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES):
            try:
                feats.append(extract(load_audio(path, self.spec.audio), self.spec))
            except AudioError as err:
                errors.append(err)
                continue
            paths.append(path)
        if one_speaker and self.speaker_normalised and feats:
            normalised = self._normalise_together(feats)
        else:
            normalised = [self.normalizer.transform(f) for f in feats]
        rows = [{"path": str(path.relative_to(folder)), **self._predict(x, str(path)).columns()}
                for path, x in zip(paths, normalised, strict=True)]
        return pd.DataFrame(rows), errors

    def _normalise_together(self, feats: list[np.ndarray]) -> list[np.ndarray]:
        """One speaker's features normalised with statistics pooled over all of them."""
        if feats[0].ndim == 1:  # pooled functionals: one vector per file
            return list(self.normalizer.transform(np.stack(feats)))
        joint = self.normalizer.transform(np.concatenate(feats)[None])[0]
        return np.split(joint, np.cumsum([len(f) for f in feats])[:-1])

    def predict_windows(self, path: str | os.PathLike, window: float = 3.0,
                        hop: float = 1.0) -> pd.DataFrame:
        """Probabilities per window of a long recording (silent windows are marked, not guessed).

        Args:
            path: audio file.
            window: window length in seconds.
            hop: hop between window starts in seconds.

        Returns:
            One row per window: ``start``, ``end`` (s), ``label`` (``"silence"`` for silent
            windows), ``confidence`` and the probabilities.
        """
        if window <= 0 or hop <= 0:
            raise ValueError("window and hop must be positive")
        audio = replace(self.spec.audio, duration=None)
        y = load_audio(path, audio)
        sr = audio.sample_rate
        size, step = int(window * sr), int(hop * sr)
        starts = range(0, max(1, len(y) - size + step), step)
        rows = []
        for start in starts:
            chunk = fix_length(y[start:start + size], size)
            if np.max(np.abs(chunk)) < 10 * audio.silence_threshold:
                rows.append({"start": start / sr, "end": min(len(y), start + size) / sr,
                             "label": "silence", "confidence": float("nan")})
                continue
            if audio.peak is not None:
                chunk = chunk * (audio.peak / np.max(np.abs(chunk)))
            if self.spec.audio.duration is not None:
                chunk = fix_length(chunk, self.spec.audio.num_samples, self.spec.audio.crop)
            pred = self.predict_waveform(chunk, str(path))
            rows.append({"start": start / sr, "end": min(len(y), start + size) / sr,
                         **pred.columns()})
        return pd.DataFrame(rows)


def median_ms(fn, x, repeats: int = 30) -> float:
    """Median wall time of ``fn(x)`` in milliseconds, after one warm-up call."""
    fn(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def compiled_predict(model, input_shape):
    """A compiled (XLA where it works) inference function ``batch -> probabilities``.

    One graph for any batch size, traced once, so a single clip does not pay for
    Keras' eager ``predict`` machinery.
    """
    import tensorflow as tf

    signature = [tf.TensorSpec((None, *input_shape), tf.float32)]

    def forward(batch):
        return model(batch, training=False)

    probe = np.zeros((1, *input_shape), np.float32)
    for jit in (True, False):
        fn = tf.function(forward, input_signature=signature, jit_compile=jit, autograph=False)
        try:
            fn(probe)
            return fn
        except Exception:  # noqa: BLE001 - some ops have no XLA kernel: fall back to a plain graph
            if not jit:
                raise
    raise AssertionError("unreachable")


def _load_model(run_dir: Path):
    if (run_dir / "model.keras").is_file():
        import keras

        import sermodels.models  # noqa: F401  (registers the custom layers)

        return keras.models.load_model(run_dir / "model.keras")
    if (run_dir / "model.joblib").is_file():
        from sermodels.models.classical import SklearnClassifier

        return SklearnClassifier.load(run_dir / "model.joblib")
    raise FileNotFoundError(f"{run_dir}: no model.keras or model.joblib")
