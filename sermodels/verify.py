"""Check a user's copy of the corpora against the shipped manifests.

Example:
    >>> report = verify("data/")                     # doctest: +SKIP
    >>> print(format_report(report))                 # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from sermodels import catalog
from sermodels.corpora import check_corpora, load_corpora, parser


@dataclass
class CorpusCheck:
    """How a corpus on disk compares with its manifest (files matched by identity, not path)."""

    corpus: str
    expected: int
    present: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.unexpected


@functools.cache
def canonical_keys(corpus: str) -> dict[str, str]:
    """File identity -> canonical path, for every expected file of a corpus."""
    parse = parser(corpus)
    return {parse(PurePosixPath(p)).key: p for p in catalog.canonical(corpus)["path"]}


def verify(data_root: str | os.PathLike, corpora: Iterable[str] | None = None) -> list[CorpusCheck]:
    """Count, per corpus, the expected files present, missing, and files not expected.

    Args:
        data_root: folder holding the corpora in any known layout.
        corpora: corpora to check (default all four).

    Returns:
        One :class:`CorpusCheck` per corpus.
    """
    wanted = check_corpora(corpora)
    try:
        result = load_corpora(data_root, wanted)
        records, skipped, owners = result.records, result.skipped, result.owners
    except ValueError:  # none of the corpora is there at all
        records, skipped, owners = [], [], {}
    checks = []
    for corpus in wanted:
        expected = canonical_keys(corpus)
        found = {r.key: r.path for r in records if r.corpus == corpus}
        unexpected = [p for k, p in found.items() if k not in expected]
        checks.append(CorpusCheck(
            corpus=corpus, expected=len(expected),
            present=sum(1 for k in found if k in expected),
            missing=sorted(p for k, p in expected.items() if k not in found),
            unexpected=sorted(unexpected),
        ))
    for path, _ in skipped:  # badly named files: unexpected in the corpus whose folder holds them
        owner = owners.get(path)
        for check in checks:
            if check.corpus == owner:
                check.unexpected.append(path)
    return checks


def to_frame(checks: list[CorpusCheck]) -> pd.DataFrame:
    """The verification as a table: expected, present, missing, unexpected per corpus."""
    return pd.DataFrame(
        [{"corpus": c.corpus, "expected": c.expected, "present": c.present,
          "missing": len(c.missing), "unexpected": len(c.unexpected)} for c in checks]
    ).set_index("corpus")


def format_report(checks: list[CorpusCheck], show: int = 5) -> str:
    """Table plus the first few missing/unexpected files of each corpus."""
    lines = [to_frame(checks).to_string(), ""]
    for c in checks:
        if c.present == 0:
            lines.append(f"{c.corpus}: not found (see the README for how to get it)")
            continue
        for kind, files in (("missing", c.missing), ("unexpected", c.unexpected)):
            if files:
                more = f" ... and {len(files) - show} more" if len(files) > show else ""
                lines.append(f"{c.corpus} {kind}: {', '.join(files[:show])}{more}")
    return "\n".join(lines).rstrip()
