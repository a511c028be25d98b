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
from sermodels.audio import AudioError, condition, fix_length, load_audio
from sermodels.corpora import AUDIO_SUFFIXES
from sermodels.features import extract


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
        self.run = runs.RunFolder.open(run_dir)
        self.run_dir = self.run.path
        config = self.run.read_config()
        self.spec = self.run.read_feature_spec()
        self.label_set = self.run.read_label_set()
        self.normalizer = self.run.read_normalizer()
        self.protocol = config.get("protocol", "speaker")
        self.tta = int(config.get("train", {}).get("tta_crops", 0))
        self.classifier = self.run.load_model()
        fusion = config.get("train", {}).get("fusion")
        #: the classical member of a fused run (see ``TrainConfig.fusion``) and its share
        self.fused = Predictor(self.run_dir / "fused") if fusion else None
        self.fusion_weight = float(fusion.get("weight", 0.5)) if fusion else 0.0

    @property
    def model(self):
        """The trained model itself (a ``keras.Model`` or a scikit-learn estimator)."""
        return self.classifier.model

    @property
    def classes(self) -> tuple[str, ...]:
        return self.label_set.classes

    def predict_features(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, classes)`` for a batch of normalised features.

        Uses the run's test-time crops and, for Keras models, one compiled graph
        (fast on single clips).
        """
        return self.classifier.predict_proba(x, self.tta, compiled=True)

    def features(self, y: np.ndarray) -> np.ndarray:
        """Normalised features of a waveform already at ``spec.sample_rate``."""
        return self.normalizer.transform(extract(y, self.spec))

    def _predict(self, x: np.ndarray, name: str) -> Prediction:
        """Probabilities for one item's normalised features."""
        proba = self.predict_features(x[None])[0]
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
        table = pd.DataFrame(rows)
        if self.fused is not None and one_speaker and len(table) > 1:
            member, _ = self.fused.predict_folder(folder, one_speaker=True)
            table = fuse_tables(table, member, self.fusion_weight, "path")
        return table, errors

    def _normalise_together(self, feats: list[np.ndarray]) -> list[np.ndarray]:
        """One speaker's features normalised with statistics pooled over all of them."""
        if feats[0].ndim == 1:  # pooled functionals: one vector per file
            return list(self.normalizer.transform(np.stack(feats)))
        joint = self.normalizer.transform(np.concatenate(feats)[None])[0]
        return np.split(joint, np.cumsum([len(f) for f in feats])[:-1])

    def predict_windows(self, path: str | os.PathLike, window: float = 3.0,
                        hop: float = 1.0, *, one_speaker: bool = True) -> pd.DataFrame:
        """Probabilities per window of a long recording (silent windows are marked, not guessed).

        Args:
            path: audio file.
            window: window length in seconds.
            hop: hop between window starts in seconds.
            one_speaker: the recording is one speaker's. For a run with per-speaker
                normalisation every window is then normalised with statistics pooled over
                all (non-silent) windows of the recording, as the run's test speakers were;
                ``False``: each window with its own statistics (several speakers).

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
        rows, raw, spoken = [], [], []
        for start in starts:
            chunk = fix_length(y[start:start + size], size)
            rows.append({"start": start / sr, "end": min(len(y), start + size) / sr})
            silent = np.max(np.abs(chunk)) < 10 * audio.silence_threshold
            if not silent:
                try:  # each window as a training clip was: trimmed, peak-normalised, its length
                    chunk = condition(chunk, self.spec.audio, path)
                except AudioError:  # nothing left once its silent ends are trimmed
                    silent = True
            if silent:
                rows[-1].update({"label": "silence", "confidence": float("nan")})
                continue
            raw.append(extract(chunk, self.spec))
            spoken.append(len(rows) - 1)
        if raw:
            if one_speaker and self.speaker_normalised:
                normalised = self._normalise_together(raw)
            else:
                normalised = [self.normalizer.transform(f) for f in raw]
            for i, x in zip(spoken, normalised, strict=True):
                rows[i].update(self._predict(x, str(path)).columns())
        table = pd.DataFrame(rows)
        if self.fused is not None and one_speaker and len(raw) > 1:
            member = self.fused.predict_windows(path, window, hop, one_speaker=True)
            table = fuse_tables(table, member, self.fusion_weight, "start")
        return table


def fuse_tables(network: pd.DataFrame, member: pd.DataFrame, weight: float,
                key: str) -> pd.DataFrame:
    """A fused run's predictions: the network's probabilities averaged with its classical
    member's (``weight`` is the member's share) on the rows both scored (matched on ``key``),
    label and confidence recomputed; rows the member did not score keep the network's."""
    cols = [c for c in network.columns if c.startswith("p_")]
    joined = network.merge(member[[key, *cols]], on=key, how="left", suffixes=("", "_member"))
    theirs = joined[[f"{c}_member" for c in cols]].to_numpy(dtype=float)
    ours = np.array(joined[cols], dtype=float)
    both = ~np.isnan(theirs).any(axis=1) & ~np.isnan(ours).any(axis=1)
    ours[both] = (1 - weight) * ours[both] + weight * theirs[both]
    joined[cols] = ours
    joined.loc[both, "label"] = [cols[i][2:] for i in ours[both].argmax(axis=1)]
    joined.loc[both, "confidence"] = ours[both].max(axis=1)
    return joined.drop(columns=[f"{c}_member" for c in cols])


def median_ms(fn, x, repeats: int = 30) -> float:
    """Median wall time of ``fn(x)`` in milliseconds, after one warm-up call."""
    fn(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))
