"""What every corpus loader returns: utterance records and a report of skipped files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sermodels.errors import DataError

#: File endings a loader looks at (case-insensitive). Anything else is not audio.
AUDIO_SUFFIXES = (".wav", ".flac", ".aif", ".aiff", ".ogg", ".mp3")


@dataclass(frozen=True)
class Record:
    """One utterance: where it is and what it is, without its audio.

    Attributes:
        path: POSIX path relative to the data root the loader was given.
        corpus: ``cremad``, ``ravdess``, ``tess`` or ``savee``.
        speaker: globally unique speaker id (``ravdess_12``, ``cremad_1001``).
        gender: ``male`` or ``female``.
        native_label: the corpus' own label (see :data:`sermodels.labels.NATIVE_LABELS`).
        label: the unified 7-class label of paper 000.
        intensity: emotional intensity (CREMA-D LO/MD/HI/XX, RAVDESS normal/strong).
        statement: the sentence or statement code (CREMA-D ``IEO``, RAVDESS ``01``,
            SAVEE ``a01``).
        word: the TESS target word.
        repetition: RAVDESS repetition (``01``/``02``).
        key: corpus-wide identity used to load duplicated sub-trees once.
    """

    path: str
    corpus: str
    speaker: str
    gender: str
    native_label: str
    label: str
    intensity: str = ""
    statement: str = ""
    word: str = ""
    repetition: str = ""
    key: str = field(default="", compare=False)

    def to_row(self) -> dict[str, str]:
        row = asdict(self)
        row.pop("key")
        return row


@dataclass
class LoadResult:
    """Records found under a root, and every audio file that was not loaded.

    Attributes:
        records: one per utterance, sorted by path.
        skipped: ``(relative path, reason)`` for files that break the naming convention.
        ignored: ``(relative path, reason)`` for valid files left out on purpose
            (RAVDESS song files, copies in duplicated sub-trees).
        owners: skipped path -> the corpus its folder belongs to (``None`` if unknown).
    """

    records: list[Record] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    owners: dict[str, str | None] = field(default_factory=dict)

    def extend(self, other: LoadResult) -> None:
        self.records.extend(other.records)
        self.skipped.extend(other.skipped)
        self.ignored.extend(other.ignored)
        self.owners.update(other.owners)

    def summary(self) -> str:
        """A human-readable account of what was skipped or ignored, naming files."""
        lines = [f"loaded {len(self.records)} files"]
        denied = [(p, why) for p, why in self.skipped if why.startswith("permission denied")]
        named = [(p, why) for p, why in self.skipped if not why.startswith("permission denied")]
        if denied:
            lines.append(f"could not read {len(denied)} folder(s) or file(s) (permission denied):")
            lines += [f"  {p}: {why}" for p, why in denied]
        if named:
            lines.append(f"skipped {len(named)} file(s) that break the naming convention:")
            lines += [f"  {p}: {why}" for p, why in named]
        if self.ignored:
            reasons: dict[str, int] = {}
            for _, why in self.ignored:
                reasons[why] = reasons.get(why, 0) + 1
            lines.append(
                f"ignored {len(self.ignored)} file(s): "
                + "; ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
            )
        return "\n".join(lines)


class ParseError(DataError):
    """A file name that does not follow the corpus' convention."""


#: A parser turns a path relative to the corpus root into a Record (minus path).
Parser = Callable[[Path], Record]


#: Reason given for a folder the loader could not list.
UNREADABLE = "permission denied: folder cannot be read, its files were not loaded"


def walk_audio(root: Path, unreadable: list[str] | None = None) -> Iterator[Path]:
    """Yield audio files below ``root`` in a stable order (sorted, links followed).

    Args:
        root: folder to walk.
        unreadable: if given, the folders that could not be listed (permission denied and
            other errors) are appended to it, relative to ``root`` and ending in ``/``, instead
            of being passed over silently.
    """
    def report(err: OSError) -> None:
        if unreadable is not None:
            folder = Path(err.filename) if err.filename else root
            try:
                rel = folder.relative_to(root).as_posix()
            except ValueError:
                rel = str(folder)
            unreadable.append(f"{'' if rel == '.' else rel}/")

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=report):
        dirnames.sort()
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if name.lower().endswith(AUDIO_SUFFIXES):
                yield Path(dirpath) / name


def check_root(root: str | os.PathLike, corpus: str) -> Path:
    """Return ``root`` as a Path, or raise a clear error if it is not a folder."""
    path = Path(root).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{corpus}: data root {str(path)!r} does not exist")
    if not path.is_dir():
        raise NotADirectoryError(f"{corpus}: data root {str(path)!r} is not a folder")
    return path
