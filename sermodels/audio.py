"""Audio loading: any file libsndfile reads, to mono at one rate, checked and fixed in length.

Example:
    >>> from sermodels.audio import AudioConfig, load_audio
    >>> y = load_audio("clip.wav", AudioConfig(sample_rate=22050, duration=3.0))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from sermodels.errors import DataError

CROPS = ("center", "left")


class AudioError(DataError):
    """A file that cannot be used as audio; the message names the file and the problem."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class AudioConfig:
    """How audio is read before features are computed.

    Attributes:
        sample_rate: target rate in Hz (paper 000: 22,050).
        peak: peak-normalise to this level (paper 000: 0.9); ``None`` keeps levels.
        trim_db: trim leading/trailing silence quieter than this many dB below
            the peak (``None``: off, as in paper 000; paper 002 trims).
        duration: fixed length in seconds (pad with zeros or crop); ``None`` keeps it.
        crop: ``"center"`` or ``"left"`` cropping of longer clips.
        min_duration: shortest usable clip in seconds (one 25 ms analysis frame).
        silence_threshold: a clip whose peak is below this is "all silent".
    """

    sample_rate: int = 22_050
    peak: float | None = 0.9
    trim_db: float | None = None
    duration: float | None = None
    crop: str = "center"
    min_duration: float = 0.025
    silence_threshold: float = 1e-4

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")
        if self.peak is not None and not 0 < self.peak <= 1:
            raise ValueError(f"peak must be in (0, 1], got {self.peak}")
        if self.trim_db is not None and self.trim_db <= 0:
            raise ValueError(f"trim_db must be positive, got {self.trim_db}")
        if self.duration is not None and self.duration <= 0:
            raise ValueError(f"duration must be positive, got {self.duration}")
        if self.crop not in CROPS:
            raise ValueError(f"crop must be one of {CROPS}, got {self.crop!r}")

    @property
    def num_samples(self) -> int | None:
        """Fixed output length in samples, if ``duration`` is set."""
        return None if self.duration is None else int(round(self.duration * self.sample_rate))

    def to_dict(self) -> dict:
        return asdict(self)


def read(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a file as ``(frames, channels)`` float32 and its rate; content decides the format.

    Raises:
        AudioError: missing, empty or undecodable file.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(path, "file not found")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")
    try:  # libsndfile reports an unreadable file as undecodable: say what it is
        with open(path, "rb"):
            pass
    except PermissionError:
        raise AudioError(path, "permission denied (the file cannot be read)") from None
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as err:
        raise AudioError(path, f"cannot decode as audio ({err})") from None
    return data, int(rate)


def duration(path: str | os.PathLike) -> float | None:
    """A file's length in seconds from its header, or ``None`` if it cannot be read."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, OSError):
        return None
    return float(info.frames) / info.samplerate if info.samplerate else None


def load_audio(path: str | os.PathLike, config: AudioConfig | None = None) -> np.ndarray:
    """Load one file as mono float32 at ``config.sample_rate``, checked and normalised.

    Args:
        path: any format libsndfile reads (WAV of any sample format, AIFF under any
            extension, FLAC, OGG); stereo is averaged to mono.
        config: loading options (defaults: 22,050 Hz, peak 0.9, no trimming).

    Returns:
        1-D float32 array.

    Raises:
        AudioError: empty, undecodable, non-finite, all-silent or too short input.
    """
    config = config or AudioConfig()
    data, rate = read(path)
    if data.shape[0] == 0:
        raise AudioError(path, "no audio frames")
    if not np.all(np.isfinite(data)):
        raise AudioError(path, "contains NaN or infinite samples")
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if rate != config.sample_rate:
        mono = soxr.resample(mono, rate, config.sample_rate, quality="HQ").astype(np.float32)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    if peak < config.silence_threshold:
        raise AudioError(path, f"all silent (peak {peak:.1e})")
    return condition(mono, config, path)


def condition(y: np.ndarray, config: AudioConfig, name: str | os.PathLike = "<array>"
              ) -> np.ndarray:
    """What :func:`load_audio` does to a mono clip already at ``config.sample_rate`` and not
    silent: trim its silent ends, check its length, peak-normalise it, fix its duration.

    Args:
        y: 1-D waveform.
        config: the audio settings (``trim_db``, ``min_duration``, ``peak``, ``duration``).
        name: what error messages call the clip.

    Returns:
        1-D float32 array.

    Raises:
        AudioError: shorter than ``config.min_duration`` once trimmed.
    """
    mono = y
    if config.trim_db is not None:
        import librosa

        mono, _ = librosa.effects.trim(mono, top_db=config.trim_db)
    if mono.size < config.min_duration * config.sample_rate:
        raise AudioError(
            name, f"too short: {1000 * mono.size / config.sample_rate:.1f} ms "
            f"(at least {1000 * config.min_duration:.0f} ms needed)"
        )
    if config.peak is not None:
        mono = mono * (config.peak / float(np.max(np.abs(mono))))
    if config.num_samples is not None:
        mono = fix_length(mono, config.num_samples, config.crop)
    return np.ascontiguousarray(mono, dtype=np.float32)


def fix_length(y: np.ndarray, n: int, crop: str = "center") -> np.ndarray:
    """Pad with trailing zeros or crop (centre or left) to exactly ``n`` samples."""
    if y.shape[-1] >= n:
        start = (y.shape[-1] - n) // 2 if crop == "center" else 0
        return y[..., start:start + n]
    pad = [(0, 0)] * (y.ndim - 1) + [(0, n - y.shape[-1])]
    return np.pad(y, pad)


def load_many(
    paths: Sequence[str | os.PathLike] | Iterable[str | os.PathLike],
    config: AudioConfig | None = None,
) -> tuple[list[np.ndarray | None], list[AudioError]]:
    """Load several files, collecting errors instead of stopping at the first.

    Returns:
        ``(arrays, errors)``: ``arrays[i]`` is ``None`` where file ``i`` failed;
        ``errors`` lists each failure with its file name.
    """
    arrays: list[np.ndarray | None] = []
    errors: list[AudioError] = []
    for path in paths:
        try:
            arrays.append(load_audio(path, config))
        except AudioError as err:
            arrays.append(None)
            errors.append(err)
    return arrays, errors


def format_errors(errors: Sequence[AudioError], limit: int = 20) -> str:
    """A report naming every failed file (up to ``limit``)."""
    lines = [f"{len(errors)} file(s) could not be used:"]
    lines += [f"  {e}" for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"  ... and {len(errors) - limit} more")
    return "\n".join(lines)
