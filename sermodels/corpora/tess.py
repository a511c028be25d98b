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
#: native label -> the emotion word of the file names
CODES = {native: code for code, native in EMOTIONS.items()}
ACTORS = ("OAF", "YAF")
#: folder names that differ between copies of the release (emotion word -> folder part;
#: any other emotion's folder is ``SPEAKER_word``)
FOLDERS = {"original": {"fear": "Fear", "ps": "Pleasant_surprise", "sad": "Sad"},
           "kaggle": {"ps": "pleasant_surprised"}}
_PATTERN = re.compile(r"^([A-Za-z]+)_([A-Za-z]+)_([A-Za-z]+)$")


def speakers() -> list[tuple[str, str]]:
    """``(speaker, gender)``: the two actresses, OAF (older) and YAF (younger)."""
    return [(speaker, "female") for speaker in ACTORS]


def format(speaker: str, word: str, emotion: str, layout: str = "original") -> str:
    """The path of a file inside the corpus folder (folder names as in ``layout``'s copy);
    the inverse of :func:`parse`.

    Example:
        >>> format("OAF", "back", "pleasant_surprise", "kaggle")
        'OAF_pleasant_surprised/OAF_back_ps.wav'
    """
    code = CODES.get(emotion, emotion)
    return f"{speaker}_{FOLDERS[layout].get(code, code)}/{speaker}_{word}_{code}.wav"


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
