"""CREMA-D: ``AudioWAV/1001_DFA_ANG_XX.wav`` = actor_sentence_emotion_level.

91 actors (1001-1091), six emotions, twelve sentences; sentence ``IEO`` is
recorded at levels LO/MD/HI for the five non-neutral emotions, everything else
at ``XX``. Native rate 16 kHz. The original GitHub release and the Kaggle mirror
share the ``AudioWAV/`` layout.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from sermodels import catalog
from sermodels.corpora.base import ParseError, Record
from sermodels.labels import unified_label

NAME = "cremad"
SAMPLE_RATE = 16_000
EMOTIONS = {"ANG": "angry", "DIS": "disgust", "FEA": "fear", "HAP": "happy",
            "NEU": "neutral", "SAD": "sad"}
SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")
LEVELS = ("LO", "MD", "HI", "XX")
#: native label -> the emotion code of the file names
CODES = {native: code for code, native in EMOTIONS.items()}
_PATTERN = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")


def speakers() -> list[tuple[str, str]]:
    """``(actor id, gender)`` of the 91 actors, in id order (from the release's demographics)."""
    return sorted(catalog.cremad_genders().items())


def format(actor: str, sentence: str, emotion: str, level: str = "XX") -> str:
    """The path of a file inside the corpus folder; the inverse of :func:`parse`.

    Args:
        actor: actor id, ``"1001"`` ... ``"1091"``.
        sentence: sentence code (:data:`SENTENCES`).
        emotion: native label (``"angry"``) or its code (``"ANG"``).
        level: intensity level (:data:`LEVELS`).

    Example:
        >>> format("1001", "DFA", "angry")
        'AudioWAV/1001_DFA_ANG_XX.wav'
    """
    return f"AudioWAV/{actor}_{sentence}_{CODES.get(emotion, emotion)}_{level}.wav"


def parse(rel: PurePath) -> Record:
    """Parse a CREMA-D file name into a record (``path`` left empty).

    Raises:
        ParseError: the name breaks the convention; the message says how.
    """
    match = _PATTERN.match(rel.stem)
    if not match:
        raise ParseError("expected ACTOR_SENTENCE_EMOTION_LEVEL, e.g. 1001_DFA_ANG_XX.wav")
    actor, sentence, emotion, level = match.groups()
    genders = catalog.cremad_genders()
    if actor not in genders:
        raise ParseError(f"actor {actor} is not a CREMA-D actor (1001-1091)")
    if sentence not in SENTENCES:
        raise ParseError(f"unknown sentence code {sentence!r}")
    if emotion not in EMOTIONS:
        raise ParseError(f"unknown emotion code {emotion!r}")
    if level not in LEVELS:
        raise ParseError(f"unknown level {level!r}")
    native = EMOTIONS[emotion]
    return Record(
        path="", corpus=NAME, speaker=f"{NAME}_{actor}", gender=genders[actor],
        native_label=native, label=unified_label(NAME, native),
        intensity=level, statement=sentence, key=rel.stem,
    )
