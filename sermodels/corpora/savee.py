"""SAVEE: ``ALL/DC_a01.wav`` (Kaggle, flat) or ``AudioData/DC/a01.wav`` (original).

Four male speakers (DC, JE, JK, KL); emotion codes a, d, f, h, n, sa, su read
as the letters before the digits; neutral ``n01``-``n30``, the others
``01``-``15``. Native rate 44.1 kHz.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from sermodels.corpora.base import ParseError, Record
from sermodels.labels import unified_label

NAME = "savee"
SAMPLE_RATE = 44_100
SPEAKERS = ("DC", "JE", "JK", "KL")
EMOTIONS = {"a": "angry", "d": "disgust", "f": "fear", "h": "happy", "n": "neutral",
            "sa": "sad", "su": "surprise"}
#: native label -> the emotion code of the file names
CODES = {native: code for code, native in EMOTIONS.items()}
#: sentences per emotion code (neutral ``n01``-``n30``, the others ``01``-``15``)
SENTENCES = {code: 30 if code == "n" else 15 for code in EMOTIONS}
_FLAT = re.compile(r"^([A-Z]{2})_([a-z]+)(\d+)$")
_NESTED = re.compile(r"^([a-z]+)(\d+)$")


def speakers() -> list[tuple[str, str]]:
    """``(speaker, gender)``: the four male speakers."""
    return [(speaker, "male") for speaker in SPEAKERS]


def format(speaker: str, emotion: str, number: int, layout: str = "original") -> str:
    """The path of a file inside the corpus folder: ``AudioData/DC/a01.wav`` in the original
    release, ``ALL/DC_a01.wav`` in the flat Kaggle copy; the inverse of :func:`parse`.

    Args:
        speaker: ``DC``, ``JE``, ``JK`` or ``KL``.
        emotion: native label (``"angry"``) or its code (``"a"``).
        number: sentence number (1-15, neutral 1-30).
        layout: ``"original"`` or ``"kaggle"``.
    """
    code = CODES.get(emotion, emotion)
    if layout == "kaggle":
        return f"ALL/{speaker}_{code}{number:02d}.wav"
    return f"AudioData/{speaker}/{code}{number:02d}.wav"


def parse(rel: PurePath) -> Record:
    """Parse a SAVEE file name (either layout) into a record (``path`` left empty).

    Raises:
        ParseError: the name breaks the convention.
    """
    flat = _FLAT.match(rel.stem)
    nested = _NESTED.match(rel.stem)
    if flat:
        speaker, code, number = flat.groups()
    elif nested and rel.parent.name in SPEAKERS:
        speaker, (code, number) = rel.parent.name, nested.groups()
    else:
        raise ParseError("expected SPEAKER_CODENN.wav (e.g. DC_a01.wav) or SPEAKER/codeNN.wav")
    if speaker not in SPEAKERS:
        raise ParseError(f"unknown speaker {speaker!r} (expected one of {', '.join(SPEAKERS)})")
    if code not in EMOTIONS:
        raise ParseError(f"unknown emotion code {code!r}")
    limit = SENTENCES[code]
    if not 1 <= int(number) <= limit or len(number) != 2:
        raise ParseError(f"sentence number {number!r} outside 01-{limit:02d} for code {code!r}")
    native = EMOTIONS[code]
    return Record(
        path="", corpus=NAME, speaker=f"{NAME}_{speaker}", gender="male",
        native_label=native, label=unified_label(NAME, native),
        statement=f"{code}{number}", key=f"{speaker}_{code}{number}",
    )
