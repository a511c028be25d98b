"""RAVDESS: ``Actor_12/03-01-05-01-02-01-12.wav``.

Seven two-digit fields: modality (01 audio-video, 02 video, 03 audio),
vocal channel (01 speech, 02 song), emotion (01-08), intensity (01 normal,
02 strong; neutral has no strong), statement (01/02), repetition (01/02),
actor (01-24; odd male, even female). Native rate 48 kHz. Zenodo's
``Audio_Speech_Actors_01-24.zip`` unpacks to ``Actor_NN/``; the common Kaggle
mirror holds that tree twice (also under ``audio_speech_actors_01-24/``).
Song and video files are ignored unless asked for.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from sermodels.corpora.base import ParseError, Record
from sermodels.labels import NATIVE_LABELS, unified_label

NAME = "ravdess"
SAMPLE_RATE = 48_000
INTENSITY = {"01": "normal", "02": "strong"}
#: emotion code of the file names -> native label (01 neutral ... 08 surprised)
EMOTIONS = {f"{i:02d}": native for i, native in enumerate(NATIVE_LABELS[NAME], 1)}
#: native label -> emotion code
CODES = {native: code for code, native in EMOTIONS.items()}
ACTORS = tuple(f"{i:02d}" for i in range(1, 25))
STATEMENTS = ("01", "02")  # "Kids are talking by the door", "Dogs are sitting by the door"
REPETITIONS = ("01", "02")
_PATTERN = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")


class Ignored(Exception):
    """A valid RAVDESS file that is not part of the requested material."""


def gender(actor: str | int) -> str:
    """Odd-numbered actors are male, even-numbered female."""
    return "male" if int(actor) % 2 else "female"


def speakers() -> list[tuple[str, str]]:
    """``(actor id, gender)`` of the 24 actors, ``("01", "male")`` first."""
    return [(actor, gender(actor)) for actor in ACTORS]


def format(actor: str | int, emotion: str, intensity: str = "01",
           statement: str = "01", repetition: str = "01", *, modality: str = "03",
           channel: str = "01") -> str:
    """The path of a file inside the corpus folder; the inverse of :func:`parse`.

    Args:
        actor: actor number (``12`` or ``"12"``).
        emotion: native label (``"angry"``) or its code (``"05"``).
        intensity, statement, repetition: two-digit codes (``"01"``/``"02"``).
        modality: ``"03"`` audio-only; ``channel``: ``"01"`` speech, ``"02"`` song.

    Example:
        >>> format(12, "angry", "01", "02", "01")
        'Actor_12/03-01-05-01-02-01-12.wav'
    """
    a = f"{int(actor):02d}"
    code = CODES.get(emotion, emotion)
    return f"Actor_{a}/{modality}-{channel}-{code}-{intensity}-{statement}-{repetition}-{a}.wav"


def parse(rel: PurePath, *, include_song: bool = False) -> Record:
    """Parse a RAVDESS file name into a record (``path`` left empty).

    Raises:
        ParseError: the name breaks the convention.
        Ignored: a song or video file (songs load with ``include_song=True``).
    """
    match = _PATTERN.match(rel.stem)
    if not match:
        raise ParseError("expected seven two-digit fields, e.g. 03-01-05-01-02-01-12.wav")
    modality, channel, emotion, intensity, statement, repetition, actor = match.groups()
    if modality in ("01", "02"):
        raise Ignored("video file")
    if modality != "03":
        raise ParseError(f"unknown modality {modality!r} (expected 03 = audio-only)")
    if channel not in ("01", "02"):
        raise ParseError(f"unknown vocal channel {channel!r}")
    if channel == "02" and not include_song:
        raise Ignored("song file (pass include_song=True to load)")
    if not 1 <= int(emotion) <= 8:
        raise ParseError(f"unknown emotion code {emotion!r}")
    if intensity not in INTENSITY:
        raise ParseError(f"unknown intensity {intensity!r}")
    if emotion == "01" and intensity == "02":
        raise ParseError("neutral has no strong intensity")
    if statement not in STATEMENTS or repetition not in REPETITIONS:
        raise ParseError("statement and repetition must be 01 or 02")
    if not 1 <= int(actor) <= 24:
        raise ParseError(f"actor {actor} is not a RAVDESS actor (01-24)")
    native = EMOTIONS[emotion]
    return Record(
        path="", corpus=NAME, speaker=f"{NAME}_{actor}", gender=gender(actor),
        native_label=native, label=unified_label(NAME, native),
        intensity=INTENSITY[intensity], statement=statement, repetition=repetition,
        key=rel.stem,
    )
