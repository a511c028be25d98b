"""The manifest: one CSV row per utterance with labels, speaker, split and fold.

The format is documented in ``data_manifests/README.md``. Paths are relative to
a data root, so a manifest moves between machines. Reading a manifest validates
it and raises :class:`ManifestError` saying what is wrong and where. Besides the
four built-in corpora, a manifest may hold your own corpus under any name: its
rows are checked for format (columns, paths, labels, splits), and a label set from
a JSON file or inferred from its native labels turns them into classes
(:func:`resolve_label_set`).

Example:
    >>> frame = build_manifest("data/")                 # doctest: +SKIP
    >>> write_manifest(frame, "manifest.csv")           # doctest: +SKIP
    >>> print(count_table(frame))                       # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from sermodels import catalog, labels, splits
from sermodels.corpora import LAYOUTS, LoadResult, Record, load_corpora, load_folders
from sermodels.errors import DataError, UsageError

#: Columns of a manifest, in file order.
COLUMNS: tuple[str, ...] = (
    "path", "corpus", "speaker", "gender", "native_label", "label",
    "intensity", "statement", "word", "repetition", "split", "fold", "protocol",
)
REQUIRED: tuple[str, ...] = ("path", "corpus", "speaker", "native_label", "label")
GENDERS = ("male", "female")


class ManifestError(DataError):
    """A manifest that breaks the format; the message names the file and rows."""


def records_to_frame(records: Iterable[Record]) -> pd.DataFrame:
    """Turn loader records into a manifest frame without split information."""
    frame = pd.DataFrame([r.to_row() for r in records], columns=list(COLUMNS[:10]))
    frame["split"] = ""
    frame["fold"] = -1
    frame["protocol"] = ""
    return frame


def assign_splits(
    frame: pd.DataFrame, *, protocol: str = "speaker", seed: int = catalog.CANONICAL_SEED,
    folds: int = catalog.CANONICAL_FOLDS,
) -> pd.DataFrame:
    """Set ``split``, ``fold`` and ``protocol`` for a manifest frame.

    Speakers are split per corpus (70/10/20 by speaker, drawn from ``seed``), your
    own corpora included. With the speaker protocol, a built-in corpus whose
    speakers are exactly the release's speakers gets the canonical assignment
    shipped in ``data_manifests/`` (so every user gets the same split); otherwise
    (synthetic corpora, partial downloads, another seed) the same rule is applied
    to the speakers present.

    Args:
        frame: manifest frame.
        protocol: ``"speaker"`` or ``"random"`` (leaky; labelled as such).
        seed: split seed.
        folds: number of speaker folds.

    Returns:
        A new frame.
    """
    out = splits.apply_protocol(frame, protocol, seed=seed)
    out["fold"] = splits.speaker_kfold(out, k=folds, seed=seed)
    if protocol == "speaker" and seed == catalog.CANONICAL_SEED and folds == catalog.CANONICAL_FOLDS:
        for corpus, part in out.groupby("corpus"):
            if not labels.is_builtin(corpus):
                continue
            table = catalog.canonical_assignment(corpus)
            if set(part["speaker"]) == set(table.index):
                out.loc[part.index, "split"] = part["speaker"].map(table["split"])
                out.loc[part.index, "fold"] = part["speaker"].map(table["fold"]).astype(int)
    return out


def build_manifest(
    data_root: str | os.PathLike,
    corpora: Iterable[str] | None = None,
    *,
    protocol: str = "speaker",
    seed: int = catalog.CANONICAL_SEED,
    include_song: bool = False,
    layout: str = "corpora",
    speaker_pattern: str | None = None,
    corpus_name: str | None = None,
) -> tuple[pd.DataFrame, LoadResult]:
    """Load corpora from ``data_root`` and return the manifest frame and the load report.

    Args:
        data_root: folder containing the corpora in any known layout.
        corpora: which corpora (default all four); built-in layout only.
        protocol: ``"speaker"`` (default) or ``"random"``.
        seed: split seed.
        include_song: also load RAVDESS song files.
        layout: ``"corpora"`` (the four built-in corpora) or ``"folders"`` (your own
            corpus, one folder per emotion: :func:`sermodels.corpora.load_folders`).
        speaker_pattern: ``folders`` layout: regular expression with a named group
            ``speaker``, searched in each file name.
        corpus_name: ``folders`` layout: the corpus name written into the manifest
            (default ``mycorpus``).

    Example:
        >>> frame, loaded = build_manifest("my_recordings/", layout="folders",
        ...     speaker_pattern=r"^(?P<speaker>[a-z]+)_", corpus_name="mycorpus")  # doctest: +SKIP
    """
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    if layout == "folders":
        if speaker_pattern is None:
            raise UsageError("the folders layout needs a speaker pattern (--speaker-pattern), "
                             r"e.g. '^(?P<speaker>[a-z]+)_'")
        if corpora is not None or include_song:
            raise UsageError("corpora and include_song apply to the built-in corpora, not to "
                             "the folders layout")
        result = load_folders(data_root, speaker_pattern, corpus=corpus_name or "mycorpus")
    else:
        if speaker_pattern is not None or corpus_name is not None:
            raise UsageError("a speaker pattern and a corpus name are only used with the "
                             "folders layout (--layout folders)")
        result = load_corpora(data_root, corpora, include_song=include_song)
    frame = assign_splits(records_to_frame(result.records), protocol=protocol, seed=seed)
    return frame, result


def write_manifest(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Validate and write a manifest CSV (atomically). Returns the path written."""
    validate(frame, source=str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.loc[:, list(COLUMNS)].to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def read_manifest(path: str | os.PathLike) -> pd.DataFrame:
    """Read and validate a manifest CSV.

    Any corpus name is accepted (your own corpus too); the labels of the four
    built-in corpora are checked against their releases.

    Raises:
        FileNotFoundError: no such file.
        ManifestError: missing columns, unknown labels, bad or duplicated paths, or
            speaker leakage in a speaker-independent split.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest {str(path)!r} does not exist")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise ManifestError(f"{path}: not a readable CSV file ({err})") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}")
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = "-1" if column == "fold" else ""
    frame["fold"] = pd.to_numeric(frame["fold"].replace("", "-1"), errors="coerce")
    bad_fold = frame.index[frame["fold"].isna()]
    if len(bad_fold):
        raise ManifestError(f"{path}: non-integer fold at {_rows(bad_fold)}")
    frame["fold"] = frame["fold"].astype(int)
    validate(frame, source=str(path))
    return frame.loc[:, list(COLUMNS)]


def validate(frame: pd.DataFrame, source: str = "manifest") -> None:
    """Check a manifest frame; raise :class:`ManifestError` naming the problem rows."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ManifestError(f"{source}: missing column(s) {', '.join(missing)}")
    empty = frame.index[(frame[list(REQUIRED)].astype(str) == "").any(axis=1)]
    if len(empty):
        raise ManifestError(f"{source}: empty required field at {_rows(empty)}")
    bad_corpus = frame.index[~frame["corpus"].astype(str).map(_good_corpus_name)]
    if len(bad_corpus):
        value = frame.loc[bad_corpus[0], "corpus"]
        raise ManifestError(
            f"{source}: bad corpus name {value!r} at {_rows(bad_corpus)} (use letters, "
            "digits, '_', '-' or '.', starting with a letter or digit)"
        )
    _check_paths(frame, source)
    builtin = frame["corpus"].map(labels.is_builtin).to_numpy(dtype=bool)
    known = frame[builtin]
    pairs = list(zip(known["corpus"], known["native_label"], strict=True))
    native_ok = [n in labels.NATIVE_LABELS[c] for c, n in pairs]
    bad_native = known.index[[not ok for ok in native_ok]]
    if len(bad_native):
        row = frame.loc[bad_native[0]]
        raise ManifestError(
            f"{source}: unknown {row['corpus']} label {row['native_label']!r} at "
            f"{_rows(bad_native)} (expected one of {', '.join(labels.NATIVE_LABELS[row['corpus']])})"
        )
    expected = [labels.unified_label(c, n) for c, n in pairs]
    bad_label = known.index[known["label"].to_numpy() != pd.Series(expected, dtype=object).to_numpy()]
    if len(bad_label):
        row = frame.loc[bad_label[0]]
        raise ManifestError(
            f"{source}: label {row['label']!r} does not match native label "
            f"{row['native_label']!r} of {row['corpus']} at {_rows(bad_label)}"
        )
    own = frame[~builtin]  # your own corpus: one label per native label
    per_native = own.groupby(["corpus", "native_label"])["label"].nunique()
    for (corpus, native), count in per_native[per_native > 1].items():
        rows = own.index[(own["corpus"] == corpus) & (own["native_label"] == native)]
        found = sorted(set(own.loc[rows, "label"]))
        raise ManifestError(
            f"{source}: native label {native!r} of {corpus} has {count} different labels "
            f"({', '.join(map(repr, found))}) at {_rows(rows)}"
        )
    bad_gender = frame.index[~frame["gender"].isin(GENDERS + ("",))]
    if len(bad_gender):
        raise ManifestError(f"{source}: gender must be male/female at {_rows(bad_gender)}")
    dup = frame.index[frame["path"].duplicated(keep=False)]
    if len(dup):
        raise ManifestError(
            f"{source}: duplicated path {frame.loc[dup[0], 'path']!r} at {_rows(dup)}"
        )
    bad_split = frame.index[~frame["split"].isin(splits.SPLITS + ("",))]
    if len(bad_split):
        raise ManifestError(
            f"{source}: split must be train/val/test at {_rows(bad_split)} "
            f"(found {frame.loc[bad_split[0], 'split']!r})"
        )
    bad_protocol = frame.index[~frame["protocol"].isin(splits.PROTOCOLS + ("",))]
    if len(bad_protocol):
        raise ManifestError(f"{source}: protocol must be speaker/random at {_rows(bad_protocol)}")
    speaker_rows = frame[(frame["protocol"] != "random") & (frame["split"] != "")]
    leaks = splits.speaker_overlap(speaker_rows)
    if leaks:
        shown = "; ".join(f"{s} in {'+'.join(p)}" for s, p in list(leaks.items())[:10])
        raise ManifestError(
            f"{source}: speaker leakage in a speaker-independent split: {shown}. "
            "Mark the rows protocol=random if a random split is intended."
        )


def count_table(frame: pd.DataFrame, label_column: str = "label") -> pd.DataFrame:
    """Per-corpus x per-emotion counts with totals (paper 000, Table 3)."""
    table = pd.crosstab(frame["corpus"], frame[label_column], margins=True, margins_name="total")
    return table


def resolve_label_set(frame: pd.DataFrame, label_set: str | os.PathLike | labels.LabelSet
                      ) -> labels.LabelSet:
    """The label set a ``--labels`` value means for this manifest.

    Args:
        frame: manifest frame.
        label_set: a registered name, a ``.json`` label file (checked against the
            frame's native labels), ``"inferred"`` (every native label of the frame
            is a class), or a :class:`~sermodels.labels.LabelSet`.

    Returns:
        The label set.
    """
    return labels.resolve(label_set, zip(frame["corpus"], frame["native_label"], strict=True))


def select(frame: pd.DataFrame, label_set: str | os.PathLike | labels.LabelSet = "unified7"
           ) -> pd.DataFrame:
    """Rows kept by a label set, with ``target`` (class name) and ``y`` (class index) added.

    Raises:
        UsageError: a corpus of your own in the frame loses every row under the label
            set (e.g. ``unified7``, which covers the four built-in corpora only).
    """
    ls = resolve_label_set(frame, label_set)
    target = [ls.map(c, n) for c, n in zip(frame["corpus"], frame["native_label"], strict=True)]
    out = frame.assign(target=target)
    kept = out["target"].notna()
    lost = sorted(set(out.loc[~kept, "corpus"]) - set(out.loc[kept, "corpus"]))
    lost = [c for c in lost if not labels.is_builtin(c)]
    if lost:
        raise UsageError(
            f"label set {ls.name!r} keeps no file of corpus {', '.join(map(repr, lost))}: "
            "give your own corpus a label set, a JSON file (--labels my_labels.json) or "
            f"{labels.INFERRED!r} (--labels {labels.INFERRED}: every native label is a class)"
        )
    out = out[kept].copy()
    out["y"] = [ls.index(t) for t in out["target"]]
    return out


def _good_corpus_name(name: str) -> bool:
    try:
        labels.check_corpus_name(name)
    except ValueError:
        return False
    return True


def _check_paths(frame: pd.DataFrame, source: str) -> None:
    """Paths are relative to the data root, with ``/`` separators, and stay below it."""
    paths = frame["path"].astype(str)
    checks = (
        (paths.str.startswith("/") | paths.str.match(r"^[A-Za-z]:"),
         "is absolute; paths must be relative to the data root"),
        (paths.str.contains("\\", regex=False), "uses '\\'; separate folders with '/'"),
        (paths.map(lambda p: ".." in p.split("/")), "leaves the data root ('..')"),
    )
    for bad, why in checks:
        rows = frame.index[bad.to_numpy(dtype=bool)]
        if len(rows):
            raise ManifestError(
                f"{source}: path {frame.loc[rows[0], 'path']!r} {why} (at {_rows(rows)})"
            )


def _rows(index: Iterable) -> str:
    # CSV line numbers: header is line 1
    lines = [int(i) + 2 for i in list(index)[:5]]
    more = f" and {len(list(index)) - 5} more" if len(list(index)) > 5 else ""
    return "line " + ", ".join(map(str, lines)) + more
