"""Corpus loaders for CREMA-D, RAVDESS, TESS and SAVEE.

Loaders read metadata only (no audio): they walk a folder as users really have
it (original releases and the Kaggle mirrors), parse every audio file name and
return one :class:`Record` per utterance, loading duplicated sub-trees once and
reporting every file they skip by name.

Example:
    >>> from sermodels import corpora
    >>> result = corpora.load_corpora("data/", ["ravdess", "tess"])  # doctest: +SKIP
    >>> print(result.summary())                                       # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from sermodels.corpora import cremad, folders, ravdess, savee, tess
from sermodels.corpora.base import (
    AUDIO_SUFFIXES,
    UNREADABLE,
    LoadResult,
    ParseError,
    Record,
    check_root,
    walk_audio,
)
from sermodels.labels import CORPORA

__all__ = [
    "AUDIO_SUFFIXES", "CORPORA", "LoadResult", "ParseError", "Record", "SAMPLE_RATES",
    "load_corpus", "load_corpora", "load_folders", "parser", "LAYOUTS",
]

#: Layouts ``manifest`` understands: the four built-in corpora (told apart by their
#: file names), or your own corpus as one folder per emotion (:mod:`.folders`).
LAYOUTS = ("corpora", folders.LAYOUT)
load_folders = folders.load_folders

_MODULES = {"cremad": cremad, "ravdess": ravdess, "tess": tess, "savee": savee}

#: Native sample rate of each corpus' release.
SAMPLE_RATES: dict[str, int] = {name: m.SAMPLE_RATE for name, m in _MODULES.items()}


def check_corpora(names: Iterable[str] | None) -> list[str]:
    """Validate corpus names (``None`` means all four) and return them in canonical order."""
    if names is None:
        return list(CORPORA)
    names = [n.strip().lower().replace("-", "") for n in names if n.strip()]
    unknown = [n for n in names if n not in _MODULES]
    if unknown:
        raise ValueError(f"unknown corpus {unknown[0]!r}; expected some of {', '.join(CORPORA)}")
    return [c for c in CORPORA if c in names]


def parser(corpus: str, include_song: bool = False):
    """The file-name parser of a corpus: ``relative path -> Record`` (raises ``ParseError``)."""
    if corpus == "ravdess":
        return functools.partial(ravdess.parse, include_song=include_song)
    return _MODULES[corpus].parse


def load_corpus(
    corpus: str, root: str | os.PathLike, *, include_song: bool = False
) -> LoadResult:
    """Load one corpus from its own folder; every other audio file there is reported.

    Args:
        corpus: ``cremad``, ``ravdess``, ``tess`` or ``savee``.
        root: the folder holding the corpus (any of its known layouts).
        include_song: also load RAVDESS song files (``03-02-...``).

    Returns:
        Records with paths relative to ``root``, plus skipped/ignored files.

    Raises:
        FileNotFoundError: ``root`` does not exist.
    """
    (corpus,) = check_corpora([corpus])
    return _load(check_root(root, corpus), [corpus], include_song, claim_all=True)


def load_corpora(
    data_root: str | os.PathLike,
    corpora: Iterable[str] | None = None,
    *,
    include_song: bool = False,
) -> LoadResult:
    """Load several corpora from one data root, telling them apart by file-name convention.

    The corpora may sit anywhere below ``data_root`` under any folder names
    (``data/ravdess-emotional-speech-audio/...``, ``data/AudioWAV/...``).
    An audio file that matches no convention is reported as skipped when its
    folder belongs to a requested corpus (or to none).

    Args:
        data_root: folder containing the corpora.
        corpora: which corpora to keep (default all four).
        include_song: also load RAVDESS song files.

    Returns:
        Records with paths relative to ``data_root``, plus skipped/ignored files.

    Raises:
        FileNotFoundError: ``data_root`` does not exist.
        ValueError: none of the requested corpora has a single file there.
    """
    wanted = check_corpora(corpora)
    root = check_root(data_root, "data root")
    result = _load(root, wanted, include_song, claim_all=False)
    if not result.records:
        raise ValueError(
            f"no {'/'.join(wanted)} audio files found under {str(root)!r}"
            + (f" ({len(result.skipped)} skipped, e.g. {result.skipped[0][0]}: "
               f"{result.skipped[0][1]})"
               if result.skipped else "")
        )
    return result


def _load(root: Path, wanted: list[str], include_song: bool, claim_all: bool) -> LoadResult:
    candidates = wanted if claim_all else list(CORPORA)
    parsers = {c: parser(c, include_song) for c in candidates}
    result = LoadResult()
    seen: dict[tuple[str, str], str] = {}
    unparsed: list[tuple[Path, str]] = []
    claims: dict[Path, Counter] = defaultdict(Counter)
    unreadable: list[str] = []
    for file in walk_audio(root, unreadable):
        rel = file.relative_to(root)
        record, reason = None, ""
        for corpus, parse in parsers.items():
            try:
                record = parse(rel)
            except ravdess.Ignored as why:
                claims[rel.parent][corpus] += 1
                if corpus in wanted:
                    result.ignored.append((rel.as_posix(), str(why)))
                record = False
                break
            except ParseError as why:
                reason = reason or f"{corpus}: {why}"
                continue
            break
        if record is False:
            continue
        if record is None:
            unparsed.append((rel, reason if claim_all else "matches no corpus naming convention"))
            continue
        claims[rel.parent][record.corpus] += 1
        if record.corpus not in wanted:
            continue
        first = seen.setdefault((record.corpus, record.key), rel.as_posix())
        if first != rel.as_posix():
            result.ignored.append((rel.as_posix(), "duplicate copy of a file already loaded"))
            continue
        result.records.append(replace(record, path=rel.as_posix()))
    for rel, reason in unparsed:
        owners = claims.get(rel.parent)
        owner = wanted[0] if claim_all else (owners.most_common(1)[0][0] if owners else None)
        if claim_all or owner is None or owner in wanted:
            result.skipped.append((rel.as_posix(), reason))
            result.owners[rel.as_posix()] = owner
    result.skipped += [(folder, UNREADABLE) for folder in unreadable]  # never silently
    result.records.sort(key=lambda r: r.path)
    return result
