"""A synthetic "own corpus" in the home-made layout: one folder per emotion.

It stands in for a user's recordings in tests and demos of
``sermodels manifest --layout folders``: ``ROOT/<emotion>/<speaker>_<nn>.wav``,
speech-like audio from :mod:`sermodels.synthetic` with its emotion cues, so a
model trained on it learns something. With ``odd_files=True`` two files that do
not fit the layout are added, as they turn up in real folders: one whose name
the speaker pattern :data:`SPEAKER_PATTERN` does not match, and one outside any
emotion folder.

Example:
    >>> from sermodels.synthetic_folders import generate_folders
    >>> corpus = generate_folders("my_recordings/", speakers=4)       # doctest: +SKIP
    >>> sorted(corpus.expected)[:1]                                   # doctest: +SKIP
    ['angry/alice_00.wav']
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from sermodels.seeding import stable_int
from sermodels.synthetic import EMOTIONS, SYNTH_RATE, make_voice, synth_utterance

#: Speaker pattern that matches the generated file names (``alice_03.wav`` -> ``alice``).
SPEAKER_PATTERN = r"^(?P<speaker>[a-z]+)_\d+\.wav$"

_NAMES = (("alice", "female"), ("bruno", "male"), ("chloe", "female"), ("dmitri", "male"),
          ("erin", "female"), ("farid", "male"), ("grace", "female"), ("hugo", "male"))

#: Files written on purpose that do not fit the layout (relative path -> why).
ODD_FILES = {
    "angry/Recording 7.wav": "file name does not match the speaker pattern",
    "loose_take.wav": "not inside an emotion folder",
}


@dataclass
class FolderCorpus:
    """What :func:`generate_folders` wrote.

    Attributes:
        root: the corpus folder (pass it as ``--data-root``).
        expected: relative path -> ``(speaker, emotion)`` of every well-formed file.
        odd_files: relative paths of the files that do not fit the layout.
        speaker_pattern: a pattern that extracts the speakers from the file names.
    """

    root: Path
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)
    odd_files: list[str] = field(default_factory=list)
    speaker_pattern: str = SPEAKER_PATTERN


def generate_folders(
    dest: str | os.PathLike,
    *,
    speakers: int = 4,
    emotions: Sequence[str] = ("angry", "happy", "sad"),
    per_emotion: int = 4,
    duration: float = 1.0,
    seed: int = 0,
    odd_files: bool = True,
) -> FolderCorpus:
    """Write ``dest/<emotion>/<speaker>_<nn>.wav`` (16 kHz mono) with learnable emotion cues.

    Args:
        dest: folder to write into (created if needed).
        speakers: how many speakers (at most 8), alternating female and male.
        emotions: folder names; each must be an emotion of :data:`sermodels.synthetic.EMOTIONS`.
        per_emotion: clips per speaker and emotion.
        duration: clip length in seconds.
        seed: everything is deterministic from it.
        odd_files: also write the two files of :data:`ODD_FILES`.

    Returns:
        A :class:`FolderCorpus` describing what was written.
    """
    if not 1 <= speakers <= len(_NAMES):
        raise ValueError(f"speakers must be between 1 and {len(_NAMES)}, got {speakers}")
    unknown = [e for e in emotions if e not in EMOTIONS]
    if unknown:
        raise ValueError(f"no synthetic profile for emotion(s) {', '.join(unknown)}; "
                         f"expected some of {', '.join(EMOTIONS)}")
    if per_emotion < 1 or duration <= 0:
        raise ValueError("per_emotion must be at least 1 and duration positive")
    root = Path(dest)
    out = FolderCorpus(root=root)
    for s_index, (speaker, gender) in enumerate(_NAMES[:speakers]):
        voice = make_voice(gender, np.random.default_rng([seed, 23, s_index]))
        for emotion in emotions:
            for take in range(per_emotion):
                rng = np.random.default_rng([seed, 29, s_index, stable_int(emotion), take])
                rel = f"{emotion}/{speaker}_{take:02d}.wav"
                _write(root / rel, synth_utterance(voice, emotion, duration, rng))
                out.expected[rel] = (speaker, emotion)
    if odd_files:
        rng = np.random.default_rng([seed, 31])
        voice = make_voice("female", rng)
        for rel in ODD_FILES:
            _write(root / rel, synth_utterance(voice, emotions[0], duration, rng))
            out.odd_files.append(rel)
    return out


def _write(path: Path, audio: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, audio, SYNTH_RATE, subtype="PCM_16")
