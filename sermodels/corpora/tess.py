"""TESS: ``OAF_angry/OAF_back_angry.wav`` = speaker_word_emotion.

Two female speakers (OAF older, YAF younger), 200 words, seven emotions
(``ps`` = pleasant surprise). Native rate 24,414 Hz. Folder names vary in case
between copies (``OAF_Fear``, ``YAF_pleasant_surprised``), so the label is read
from the file name. The Kaggle mirror nests the tree a second time under
``tess toronto emotional speech set data/``: each file is loaded once. One file
of the release is named ``OA_bite_neutral.wav`` (a typo for ``OAF_``); it is
accepted as OAF.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from sermodels.corpora.base import ParseError, Record
from sermodels.labels import unified_label

NAME = "tess"
SAMPLE_RATE = 24_414
SPEAKERS = {"OAF": "OAF", "YAF": "YAF", "OA": "OAF"}  # OA_: a typo in the release
EMOTIONS = {"angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy",
            "neutral": "neutral", "ps": "pleasant_surprise", "sad": "sad"}
_PATTERN = re.compile(r"^([A-Za-z]+)_([A-Za-z]+)_([A-Za-z]+)$")


def parse(rel: PurePath) -> Record:
    """Parse a TESS file name into a record (``path`` left empty).

    Raises:
        ParseError: the name breaks the convention.
    """
    match = _PATTERN.match(rel.stem)
    if not match:
        raise ParseError("expected SPEAKER_WORD_EMOTION, e.g. OAF_back_angry.wav")
    speaker, word, emotion = match.groups()
    speaker, emotion = SPEAKERS.get(speaker.upper()), emotion.lower()
    if speaker is None:
        raise ParseError(f"unknown speaker {match.group(1)!r} (expected OAF or YAF)")
    if emotion not in EMOTIONS:
        raise ParseError(f"unknown emotion {match.group(3)!r}")
    native = EMOTIONS[emotion]
    return Record(
        path="", corpus=NAME, speaker=f"{NAME}_{speaker}", gender="female",
        native_label=native, label=unified_label(NAME, native),
        word=word.lower(), key=f"{speaker}_{word.lower()}_{emotion}",
    )
