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
_PATTERN = re.compile(r"^(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$")


class Ignored(Exception):
    """A valid RAVDESS file that is not part of the requested material."""


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
    if statement not in ("01", "02") or repetition not in ("01", "02"):
        raise ParseError("statement and repetition must be 01 or 02")
    if not 1 <= int(actor) <= 24:
        raise ParseError(f"actor {actor} is not a RAVDESS actor (01-24)")
    native = NATIVE_LABELS[NAME][int(emotion) - 1]
    return Record(
        path="", corpus=NAME, speaker=f"{NAME}_{actor}",
        gender="male" if int(actor) % 2 else "female",
        native_label=native, label=unified_label(NAME, native),
        intensity=INTENSITY[intensity], statement=statement, repetition=repetition,
        key=rel.stem,
    )
