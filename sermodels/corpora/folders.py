"""Your own corpus in the most common home-made layout: one folder per emotion.

::

    ROOT/
      angry/alice_001.wav
      angry/bob_001.wav
      happy/alice_002.wav
      ...

The folder name is the native label; the speaker comes from the file name through
a regular expression you give, with a named group ``speaker`` (for example
``^(?P<speaker>[a-z]+)_`` takes ``alice`` from ``alice_001.wav``). Optional named
groups ``gender`` (``m``/``f``/``male``/``female``, any case), ``statement`` and
``intensity`` fill those columns too. Every audio file that does not fit (outside
an emotion folder, or a name the pattern does not match) is reported by name in
:attr:`LoadResult.skipped`; none is dropped silently.

Example:
    >>> from sermodels.corpora import folders
    >>> result = folders.load_folders("my_recordings/", r"^(?P<speaker>[a-z]+)_",
    ...                               corpus="mycorpus")              # doctest: +SKIP
    >>> print(result.summary())                                       # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sermodels import labels
from sermodels.corpora.base import LoadResult, ParseError, Record, check_root, walk_audio
from sermodels.errors import DataError, UsageError

#: Name of this layout on the command line (``sermodels manifest --layout folders``).
LAYOUT = "folders"

#: Named groups of the speaker pattern that fill a record field besides ``speaker``.
OPTIONAL_GROUPS = ("gender", "statement", "intensity")

_GENDERS = {"m": "male", "male": "male", "f": "female", "female": "female"}


def compile_speaker_pattern(pattern: str | re.Pattern) -> re.Pattern:
    """Compile a speaker pattern and check it has a ``speaker`` group.

    Raises:
        UsageError: not a valid regular expression, or no ``(?P<speaker>...)`` group.
    """
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise UsageError(f"speaker pattern {pattern!r} is not a valid regular expression: "
                         f"{err}") from None
    if "speaker" not in compiled.groupindex:
        raise UsageError(
            f"speaker pattern {compiled.pattern!r} has no named group 'speaker'; "
            r"write it like ^(?P<speaker>[a-z]+)_ (the part of the file name that names "
            "the speaker)"
        )
    return compiled


def parse(rel: Path, pattern: re.Pattern, corpus: str) -> Record:
    """Turn ``<emotion>/<file>`` (relative to the root) into a record.

    Raises:
        ParseError: the file is not inside an emotion folder, or its name does not
            match ``pattern`` (the message says which).
    """
    if len(rel.parts) < 2:
        raise ParseError("not inside an emotion folder (expected ROOT/<emotion>/<file>)")
    native = rel.parts[0]
    match = pattern.search(rel.name)
    if match is None:
        raise ParseError(f"file name does not match the speaker pattern {pattern.pattern!r}")
    speaker = match.group("speaker")
    if not speaker:
        raise ParseError(f"the speaker pattern {pattern.pattern!r} matched an empty speaker")
    groups = {k: v for k, v in match.groupdict().items() if k in OPTIONAL_GROUPS and v}
    if "gender" in groups:
        gender = _GENDERS.get(groups["gender"].lower())
        if gender is None:
            raise ParseError(f"gender {groups['gender']!r} from the speaker pattern is not "
                             "m/f/male/female")
        groups["gender"] = gender
    return Record(
        path=rel.as_posix(), corpus=corpus, speaker=f"{corpus}_{speaker}",
        gender=groups.get("gender", ""), native_label=native, label=native,
        intensity=groups.get("intensity", ""), statement=groups.get("statement", ""),
        key=rel.as_posix(),
    )


def load_folders(
    root: str | os.PathLike, speaker_pattern: str | re.Pattern, *, corpus: str = "mycorpus",
) -> LoadResult:
    """Load a corpus laid out as one folder per emotion, speakers from file names.

    Args:
        root: the folder holding one sub-folder per emotion (the folder name is the
            native label, kept as written).
        speaker_pattern: regular expression searched in each file name, with a named
            group ``speaker`` (and optionally ``gender``, ``statement``,
            ``intensity``).
        corpus: the corpus name written into the manifest (not one of the four
            built-in names).

    Returns:
        Records with paths relative to ``root`` (speaker ids ``<corpus>_<speaker>``),
        and every audio file that was not loaded, by name, with the reason.

    Raises:
        FileNotFoundError: ``root`` does not exist.
        UsageError: a bad corpus name or pattern.
        DataError: no file could be loaded (the message gives the count of files
            that did not fit and a few names).
    """
    labels.check_corpus_name(corpus)
    if labels.is_builtin(corpus):
        raise UsageError(f"corpus name {corpus!r} is a built-in corpus; load it without "
                         "--layout folders, or give your corpus another name")
    pattern = compile_speaker_pattern(speaker_pattern)
    root = check_root(root, corpus)
    result = LoadResult()
    for file in walk_audio(root):
        rel = file.relative_to(root)
        try:
            result.records.append(parse(rel, pattern, corpus))
        except ParseError as why:
            result.skipped.append((rel.as_posix(), str(why)))
            result.owners[rel.as_posix()] = corpus
    if not result.records:
        shown = ", ".join(p for p, _ in result.skipped[:5])
        raise DataError(
            f"{corpus}: no file under {str(root)!r} in the layout ROOT/<emotion>/<file> "
            f"matching the speaker pattern {pattern.pattern!r}"
            + (f" ({len(result.skipped)} audio file(s) did not fit, e.g. {shown}: "
               f"{result.skipped[0][1]})" if result.skipped else " (no audio files found)")
        )
    result.records.sort(key=lambda r: r.path)
    return result
