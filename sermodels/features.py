"""Acoustic features, each fully described by a frozen :class:`FeatureSpec`.

Three kinds of output:

* ``sequence``: frames x features (MFCC, log-mel, RMS, ZCR, chroma, with deltas),
  for CNN/RNN models;
* ``image``: a log-mel image (e.g. 128 x 128 x 1) for 2-D CNNs (paper 003);
* ``pooled``: statistics over time (mean, std, percentiles, ...) for the DNN and
  classical baselines.

Normalisation whose statistics come from data (min-max as in paper 000, z-score
per dataset) is done by :class:`Normalizer`, fitted on the training split only.

Example:
    >>> spec = get_spec("paper000")
    >>> spec.frame_length, spec.hop_length
    (551, 220)
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from sermodels.audio import AudioConfig

KINDS = ("sequence", "image", "pooled")
FEATURES = ("mfcc", "logmel", "rms", "zcr", "chroma", "pitch", "spectral")
SPECTRAL_DIM = 12
"""Rows of the ``spectral`` feature (see :func:`spectral_shape`)."""
STATS = ("mean", "std", "min", "max", "median", "q10", "q90", "skew", "kurtosis")
NORMALIZATIONS = ("none", "minmax", "zscore", "speaker")


@dataclass(frozen=True)
class FeatureSpec:
    """Every parameter of a feature extraction; two equal specs give equal features.

    Attributes:
        name: preset name (not part of the cache key).
        kind: ``sequence``, ``image`` or ``pooled``.
        features: frame-level features to concatenate, from :data:`FEATURES` (``pitch`` is
            the log2 YIN fundamental frequency; ``spectral`` the spectral shape of
            :func:`spectral_shape`).
        n_mfcc: number of MFCCs.
        n_mels: mel bands (for log-mel, and the mel spectrum MFCCs come from).
        frame_ms: analysis window in ms (25 ms default).
        hop_ms: hop in ms (10 ms default).
        fmin: lowest mel frequency in Hz.
        fmax: highest mel frequency in Hz (``None``: Nyquist).
        top_db: floor of the log-mel spectrum, in dB below its peak (librosa's
            default 80), so digital silence and zero padding do not dominate.
        deltas: 0 (none), 1 (add deltas) or 2 (add deltas and delta-deltas).
        utterance_norm: z-score each feature over the frames of each utterance.
        max_frames: pad (zeros at the end) or crop sequences to this many frames.
        image_size: ``(mel bands, frames)`` of ``image`` features (time is resampled).
        stats: statistics of ``pooled`` features, from :data:`STATS`.
        pitch_rate: sample rate (Hz) at which ``pitch`` is tracked (``None``: the audio's own
            rate). YIN's cost grows with the rate: 4,000 Hz makes the ``recommended`` spec 2.4
            times cheaper than 8,000 Hz and tracks 60-450 Hz within 0.5%; above about 450 Hz
            the lag resolution of 4 kHz shows (a 480-Hz tone reads 500 Hz, the ceiling).
        normalization: dataset normaliser fitted on train (``none``, ``minmax``,
            ``zscore``) or ``speaker`` (z-score with each speaker's own statistics, see
            :class:`Normalizer`); applied at training time, not cached.
        audio: how audio is loaded (rate, peak, trimming, duration).
    """

    name: str = "custom"
    kind: str = "sequence"
    features: tuple[str, ...] = ("mfcc",)
    n_mfcc: int = 40
    n_mels: int = 128
    frame_ms: float = 25.0
    hop_ms: float = 10.0
    fmin: float = 0.0
    fmax: float | None = None
    top_db: float | None = 80.0
    deltas: int = 0
    utterance_norm: bool = False
    max_frames: int | None = None
    image_size: tuple[int, int] = (128, 128)
    stats: tuple[str, ...] = ("mean", "std")
    pitch_rate: int | None = None
    normalization: str = "none"
    audio: AudioConfig = field(default_factory=AudioConfig)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown or not self.features:
            raise ValueError(f"features must be a non-empty subset of {FEATURES}, got {self.features}")
        if self.kind == "image" and self.features != ("logmel",):
            raise ValueError("image features are log-mel only: use features=('logmel',)")
        if self.deltas not in (0, 1, 2):
            raise ValueError(f"deltas must be 0, 1 or 2, got {self.deltas}")
        if self.n_mfcc < 1 or self.n_mels < 1 or self.n_mfcc > self.n_mels:
            raise ValueError("need 1 <= n_mfcc <= n_mels")
        if not 0 < self.hop_ms <= self.frame_ms:
            raise ValueError("need 0 < hop_ms <= frame_ms")
        bad_stats = [s for s in self.stats if s not in STATS]
        if bad_stats or not self.stats:
            raise ValueError(f"stats must be a non-empty subset of {STATS}, got {self.stats}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}")
        if self.max_frames is not None and self.max_frames < 1:
            raise ValueError("max_frames must be positive")
        if self.pitch_rate is not None and self.pitch_rate < 2_000:
            raise ValueError(f"pitch_rate must be at least 2000 Hz, got {self.pitch_rate}")

    @property
    def sample_rate(self) -> int:
        return self.audio.sample_rate

    @property
    def frame_length(self) -> int:
        """Analysis window in samples."""
        return int(round(self.frame_ms * self.sample_rate / 1000))

    @property
    def hop_length(self) -> int:
        """Hop in samples."""
        return int(round(self.hop_ms * self.sample_rate / 1000))

    @property
    def n_fft(self) -> int:
        """FFT size: the smallest power of two holding one window."""
        return 1 << (self.frame_length - 1).bit_length()

    @property
    def frame_dim(self) -> int:
        """Features per frame, deltas included."""
        dims = {"mfcc": self.n_mfcc, "logmel": self.n_mels, "rms": 1, "zcr": 1, "chroma": 12,
                "pitch": 1, "spectral": SPECTRAL_DIM}
        return sum(dims[f] for f in self.features) * (1 + self.deltas)

    def output_shape(self, num_samples: int | None = None) -> tuple[int, ...]:
        """Shape of one example's features (``None`` for a variable frame count)."""
        if self.kind == "image":
            return (*self.image_size, 1)
        if self.kind == "pooled":
            return (self.frame_dim * len(self.stats),)
        frames = self.max_frames
        if frames is None and num_samples is not None:
            frames = 1 + num_samples // self.hop_length
        elif frames is None and self.audio.num_samples is not None:
            frames = 1 + self.audio.num_samples // self.hop_length
        return (frames, self.frame_dim)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        data = dict(data)
        data["audio"] = AudioConfig(**data.get("audio", {}))
        for key in ("features", "stats", "image_size"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)

    def key(self) -> str:
        """Hash of every parameter that changes the extracted array (not name/normalization)."""
        content = {f.name: getattr(self, f.name) for f in fields(self)
                   if f.name not in ("name", "normalization")
                   and not (f.name in _NEW_FIELDS and getattr(self, f.name) == _NEW_FIELDS[f.name])}
        content["audio"] = self.audio.to_dict()
        blob = json.dumps(content, sort_keys=True, default=list).encode()
        return hashlib.sha1(blob).hexdigest()[:16]


#: fields added after the first release, left out of :meth:`FeatureSpec.key` at their default
#: so that caches filled before they existed stay valid
_NEW_FIELDS = {"pitch_rate": None}

_SPECS: dict[str, FeatureSpec] = {}


def register_spec(spec: FeatureSpec) -> FeatureSpec:
    """Add a named spec so :func:`get_spec` and the CLI (``--spec``) find it."""
    _SPECS[spec.name] = spec
    return spec


register_spec(FeatureSpec(
    name="paper000", features=("mfcc",), n_mfcc=40, normalization="minmax",
    audio=AudioConfig(sample_rate=22_050, peak=0.9, duration=3.0),
))
register_spec(FeatureSpec(
    name="paper001", features=("mfcc", "chroma", "logmel"), n_mfcc=40, n_mels=64,
    normalization="zscore", audio=AudioConfig(sample_rate=22_050, peak=0.9, duration=3.0),
))
register_spec(FeatureSpec(
    name="paper002", kind="pooled", features=("logmel",), n_mels=128, stats=("mean",),
    normalization="zscore",
    audio=AudioConfig(sample_rate=22_050, peak=0.9, trim_db=30.0, duration=3.0),
))
register_spec(FeatureSpec(
    name="paper003", kind="pooled", features=("mfcc", "logmel", "zcr", "rms"), n_mfcc=13,
    n_mels=128, stats=("mean",), normalization="zscore",
    audio=AudioConfig(sample_rate=22_050, peak=0.9, duration=3.0),
))
register_spec(FeatureSpec(
    name="paper003_image", kind="image", features=("logmel",), n_mels=128,
    image_size=(128, 128), normalization="zscore",
    audio=AudioConfig(sample_rate=22_050, peak=0.9, duration=3.0),
))
register_spec(FeatureSpec(
    name="paper004", features=("mfcc", "rms"), n_mfcc=13, deltas=2, utterance_norm=True,
    max_frames=400, audio=AudioConfig(sample_rate=22_050, peak=0.9),
))
register_spec(FeatureSpec(
    name="recommended", features=("logmel", "pitch", "rms", "zcr"), n_mels=64, deltas=1,
    max_frames=300, pitch_rate=4_000, normalization="speaker",
    audio=AudioConfig(sample_rate=16_000, peak=0.9, trim_db=30.0),
))
register_spec(FeatureSpec(
    name="functionals", kind="pooled", features=("mfcc", "logmel", "rms", "zcr", "pitch"),
    n_mfcc=20, n_mels=40, stats=("mean", "std", "q10", "median", "q90"), normalization="zscore",
    audio=AudioConfig(sample_rate=16_000, peak=0.9, duration=3.0),
))
register_spec(replace(_SPECS["functionals"], name="functionals_speaker",
                      normalization="speaker"))
register_spec(replace(_SPECS["functionals"], name="recommended_functionals", pitch_rate=4_000,
                      deltas=1, stats=("mean", "std", "q10", "median", "q90", "skew", "kurtosis",
                                       "min", "max"),
                      normalization="speaker",
                      audio=replace(_SPECS["functionals"].audio, trim_db=30.0)))
register_spec(FeatureSpec(
    name="mfcc40", features=("mfcc",), n_mfcc=40, normalization="zscore",
    audio=AudioConfig(duration=3.0),
))
register_spec(FeatureSpec(
    name="logmel64", features=("logmel",), n_mels=64, normalization="zscore",
    audio=AudioConfig(duration=3.0),
))


def spec_names() -> list[str]:
    """Names of the registered feature specs."""
    return sorted(_SPECS)


def get_spec(name: str | FeatureSpec, **overrides) -> FeatureSpec:
    """A registered spec by name (optionally with fields replaced)."""
    if isinstance(name, FeatureSpec):
        spec = name
    else:
        try:
            spec = _SPECS[name]
        except KeyError:
            raise ValueError(f"unknown feature spec {name!r}; known: {', '.join(spec_names())}") from None
    if "audio" in overrides and isinstance(overrides["audio"], dict):
        overrides["audio"] = replace(spec.audio, **overrides["audio"])
    return replace(spec, **overrides) if overrides else spec


def frame_features(y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Frame-level features of a waveform, shape ``(frames, spec.frame_dim)`` float32."""
    import librosa

    sr, n_fft, hop, win = spec.sample_rate, spec.n_fft, spec.hop_length, spec.frame_length
    stft = librosa.stft(y, n_fft=n_fft, hop_length=hop, win_length=win, center=True)
    power = np.abs(stft) ** 2
    parts: list[np.ndarray] = []
    mel_db = None
    for name in spec.features:
        if name in ("mfcc", "logmel") and mel_db is None:
            mel = _mel_basis(sr, n_fft, spec.n_mels, spec.fmin, spec.fmax) @ power
            mel_db = librosa.power_to_db(mel, ref=1.0, top_db=spec.top_db, amin=1e-10)
        if name == "mfcc":
            parts.append(librosa.feature.mfcc(S=mel_db, n_mfcc=spec.n_mfcc))
        elif name == "logmel":
            parts.append(mel_db)
        elif name == "rms":
            parts.append(librosa.feature.rms(S=np.sqrt(power), frame_length=n_fft))
        elif name == "zcr":
            parts.append(librosa.feature.zero_crossing_rate(
                y, frame_length=win, hop_length=hop, center=True))
        elif name == "chroma":
            parts.append(librosa.feature.chroma_stft(S=power, sr=sr, n_fft=n_fft))
        elif name == "pitch":
            parts.append(log_pitch(y, spec)[None, :])
        elif name == "spectral":
            parts.append(spectral_shape(power, sr, n_fft))
    frames = min(p.shape[1] for p in parts)
    feats = np.concatenate([p[:, :frames] for p in parts], axis=0)
    if spec.deltas:
        stack = [feats, librosa.feature.delta(feats, order=1, width=_delta_width(frames),
                                              mode="nearest")]
        if spec.deltas == 2:
            stack.append(librosa.feature.delta(feats, order=2, width=_delta_width(frames),
                                               mode="nearest"))
        feats = np.concatenate(stack, axis=0)
    return feats.T.astype(np.float32)


def log_pitch(y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """log2 of the YIN fundamental frequency (60-500 Hz), one value per ``spec`` frame.

    With ``spec.pitch_rate`` below the audio's rate, the waveform is first resampled (soxr),
    keeping the hop in milliseconds and a window of about 64 ms.
    """
    import librosa

    sr = spec.sample_rate
    rate = spec.pitch_rate or sr
    if rate == sr:
        frame_length, hop = max(spec.n_fft, 1024), spec.hop_length
    else:
        import soxr

        y = soxr.resample(y, sr, rate, quality="HQ").astype(np.float32)
        frame_length = 1 << (int(0.064 * rate) - 1).bit_length()
        hop = int(round(spec.hop_ms * rate / 1000))
    f0 = librosa.yin(y, fmin=60.0, fmax=500.0, sr=rate, frame_length=frame_length,
                     hop_length=hop, center=True)
    return np.log2(f0)


def spectral_shape(power: np.ndarray, sr: int, n_fft: int) -> np.ndarray:
    """Spectral shape of each frame of a power spectrogram, :data:`SPECTRAL_DIM` rows.

    log2 centroid, log2 bandwidth and log2 85% roll-off (Hz + 1), log10 flatness, the slope
    of the log spectrum (dB per kHz, least squares over all bins), and librosa's spectral
    contrast (6 octave bands and the valley row): the spectral-tilt and voice-quality cues
    of eGeMAPS-style functionals. Silent frames give finite values.

    Args:
        power: ``(1 + n_fft // 2, frames)`` power spectrogram.
        sr: sample rate in Hz.
        n_fft: FFT size of ``power``.

    Returns:
        ``(SPECTRAL_DIM, frames)`` float array.
    """
    import librosa

    mag = np.sqrt(power)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    centroid = librosa.feature.spectral_centroid(S=mag, freq=freqs)
    bandwidth = librosa.feature.spectral_bandwidth(S=mag, freq=freqs, centroid=centroid)
    rolloff = librosa.feature.spectral_rolloff(S=mag, freq=freqs, roll_percent=0.85)
    flatness = librosa.feature.spectral_flatness(S=mag, power=2.0)
    db = librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=None)
    khz = freqs / 1000.0 - (freqs / 1000.0).mean()
    slope = (khz @ (db - db.mean(axis=0))) / (khz @ khz)
    contrast = librosa.feature.spectral_contrast(S=mag, sr=sr, n_fft=n_fft, freq=freqs)
    return np.concatenate([np.log2(centroid + 1), np.log2(bandwidth + 1), np.log2(rolloff + 1),
                           np.log10(flatness + 1e-10), slope[None, :], contrast], axis=0)


@functools.lru_cache(maxsize=32)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None) -> np.ndarray:
    """The mel filterbank (built once per parameter set, as librosa would build it per call)."""
    import librosa

    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)


def _delta_width(frames: int) -> int:
    return 9 if frames >= 9 else 3


def extract(y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Features of one waveform (already loaded with ``spec.audio``) as ``spec`` says.

    Returns:
        float32 array of ``spec.output_shape(len(y))``.
    """
    if spec.kind == "image":
        mel = frame_features(y, spec).T  # (n_mels, frames)
        return _resize_time(mel, spec.image_size[1])[: spec.image_size[0], :, None]
    feats = frame_features(y, spec)
    if spec.utterance_norm:
        feats = (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-8)
    if spec.kind == "pooled":
        return pool(feats, spec.stats)
    if spec.max_frames is not None:
        feats = _fix_frames(feats, spec.max_frames)
    return feats.astype(np.float32)


def pool(feats: np.ndarray, stats: tuple[str, ...]) -> np.ndarray:
    """Statistics over time of ``(frames, dims)`` features, concatenated in ``stats`` order."""
    out = []
    for stat in stats:
        if stat == "mean":
            out.append(feats.mean(axis=0))
        elif stat == "std":
            out.append(feats.std(axis=0))
        elif stat == "min":
            out.append(feats.min(axis=0))
        elif stat == "max":
            out.append(feats.max(axis=0))
        elif stat == "median":
            out.append(np.median(feats, axis=0))
        elif stat == "q10":
            out.append(np.percentile(feats, 10, axis=0))
        elif stat == "q90":
            out.append(np.percentile(feats, 90, axis=0))
        elif stat in ("skew", "kurtosis"):
            centred = feats - feats.mean(axis=0)
            sd = feats.std(axis=0) + 1e-8
            squared = centred * centred  # products, not ** (float32 pow is 50 times slower)
            if stat == "skew":
                out.append((squared * centred).mean(axis=0) / (sd * sd * sd))
            else:
                out.append((squared * squared).mean(axis=0) / (sd * sd) ** 2 - 3.0)
    return np.concatenate(out).astype(np.float32)


def _fix_frames(feats: np.ndarray, n: int) -> np.ndarray:
    if feats.shape[0] >= n:
        return feats[:n]
    return np.pad(feats, ((0, n - feats.shape[0]), (0, 0)))


def _resize_time(mel: np.ndarray, width: int) -> np.ndarray:
    old = np.linspace(0.0, 1.0, mel.shape[1])
    new = np.linspace(0.0, 1.0, width)
    return np.stack([np.interp(new, old, row) for row in mel]).astype(np.float32)


def speaker_groups(groups: Sequence | None, n: int) -> np.ndarray:
    """One speaker key per item of ``n`` (``None``: all items are one speaker).

    Raises:
        ValueError: ``groups`` does not hold ``n`` keys.
    """
    keys = np.zeros(n, dtype=int) if groups is None else np.asarray(groups)
    if len(keys) != n:
        raise ValueError(f"got {len(keys)} speaker keys for {n} items")
    return keys


def speaker_normalize(x: np.ndarray, groups: Sequence | None = None) -> np.ndarray:
    """Z-score features with each group's (speaker's) own mean and std per feature.

    Statistics pool every frame of every utterance of the group; padding frames (all-zero
    rows, as sequences are padded) are left out of them and stay zero. No label is used,
    so test speakers can be normalised with their own (unlabelled) audio.

    Args:
        x: features ``(n, ..., dims)``.
        groups: one speaker key per item (``None``: all items are one speaker).

    Returns:
        float32 array shaped like ``x``.
    """
    x = np.asarray(x, dtype=np.float32)
    keys = speaker_groups(groups, len(x))
    out = np.empty_like(x)
    dims = x.shape[-1]
    for key in np.unique(keys):
        idx = np.flatnonzero(keys == key)
        flat = x[idx].reshape(-1, dims)
        valid = np.any(flat != 0, axis=1)
        if valid.any():
            kept = flat[valid].astype(np.float64)  # statistics in float64
            mean, std = kept.mean(axis=0), kept.std(axis=0)
            del kept
        else:
            mean, std = np.zeros(dims), np.ones(dims)
        scale = np.where(std > 1e-8, std, 1.0)
        z = np.empty_like(flat)
        for start in range(0, len(flat), _CHUNK_ROWS):  # float64 arithmetic, chunk by chunk
            rows = slice(start, start + _CHUNK_ROWS)
            z[rows] = (flat[rows] - mean) / scale
        z[~valid] = 0.0
        out[idx] = z.reshape((len(idx), *x.shape[1:]))
    return out


_CHUNK_ROWS = 16_384  # frames per step of speaker_normalize's arithmetic (bounded memory)


class Normalizer:
    """Per-feature normalisation: dataset statistics fitted on the training split only, or
    each speaker's own statistics.

    Args:
        method: ``"minmax"`` (paper 000), ``"zscore"``, ``"speaker"`` (per-speaker z-score,
            :func:`speaker_normalize`; ``transform`` then needs the speaker of every item,
            and items given without speakers are treated as one speaker) or ``"none"``.

    Example:
        >>> norm = Normalizer("minmax").fit(x_train)   # doctest: +SKIP
        >>> x_test = norm.transform(x_test)            # doctest: +SKIP
    """

    def __init__(self, method: str = "zscore") -> None:
        if method not in NORMALIZATIONS:
            raise ValueError(f"method must be one of {NORMALIZATIONS}, got {method!r}")
        self.method = method
        self.a: np.ndarray | None = None  # offset
        self.b: np.ndarray | None = None  # scale

    @property
    def fitted(self) -> bool:
        return self.method in ("none", "speaker") or self.a is not None

    def fit(self, x: np.ndarray) -> Normalizer:
        """Fit on training features ``(n, ..., dims)``; statistics per last-axis feature."""
        if self.method not in ("minmax", "zscore"):
            return self  # "speaker" and "none" have no dataset statistics
        flat = np.asarray(x, dtype=np.float64).reshape(-1, x.shape[-1])
        if self.method == "minmax":
            lo, hi = flat.min(axis=0), flat.max(axis=0)
            self.a, self.b = lo, np.where(hi - lo > 1e-12, hi - lo, 1.0)
        elif self.method == "zscore":
            mean, std = flat.mean(axis=0), flat.std(axis=0)
            self.a, self.b = mean, np.where(std > 1e-12, std, 1.0)
        return self

    def transform(self, x: np.ndarray, speakers: Sequence | None = None) -> np.ndarray:
        """Apply the fitted statistics (``"speaker"``: each speaker's own, see above)."""
        if self.method == "none":
            return np.asarray(x, dtype=np.float32)
        if self.method == "speaker":
            if np.ndim(x) == 1:
                raise ValueError("per-speaker normalisation needs several frames or utterances "
                                 "of the speaker; got a single pooled feature vector")
            return speaker_normalize(x, speakers)
        if self.a is None:
            raise RuntimeError("Normalizer.transform called before fit")
        return ((x - self.a) / self.b).astype(np.float32)

    def to_dict(self) -> dict:
        return {"method": self.method,
                "a": None if self.a is None else self.a.tolist(),
                "b": None if self.b is None else self.b.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Normalizer:
        norm = cls(data["method"])
        if data.get("a") is not None:
            norm.a, norm.b = np.asarray(data["a"]), np.asarray(data["b"])
        return norm

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path: str | Path) -> Normalizer:
        return cls.from_dict(json.loads(Path(path).read_text()))
