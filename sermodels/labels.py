"""Emotion label sets: the native labels of each corpus and the mappings between them.

A :class:`LabelSet` turns a ``(corpus, native_label)`` pair into a class name, or
``None`` when the utterance is dropped under that label set (e.g. RAVDESS *calm*
in the "calm dropped" set of papers 003/004). Label sets are looked up by name
with :func:`get`; users can build their own with :meth:`LabelSet.from_mapping`,
write one as a JSON file (:func:`read_label_file`), or let :func:`infer` make every
native label of their own corpus a class. :func:`resolve` accepts all three.

Example:
    >>> from sermodels import labels
    >>> ls = labels.get("unified7")
    >>> ls.map("tess", "pleasant_surprise")
    'surprise'
    >>> labels.get("unified7_nocalm").map("ravdess", "calm") is None
    True
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sermodels.errors import DataError, UsageError

#: Native label names per corpus, in the corpus' own documented order.
NATIVE_LABELS: dict[str, tuple[str, ...]] = {
    "cremad": ("angry", "disgust", "fear", "happy", "neutral", "sad"),
    "ravdess": (
        "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised",
    ),
    "tess": ("angry", "disgust", "fear", "happy", "neutral", "pleasant_surprise", "sad"),
    "savee": ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"),
}

CORPORA: tuple[str, ...] = tuple(NATIVE_LABELS)

#: What a corpus name may look like (built-in or your own): it is used in speaker
#: keys, run records and ``corpus:native`` mapping keys.
CORPUS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

#: The label-set name that asks for every native label of the data to be a class.
INFERRED = "inferred"

#: Largest label file read (bytes); a label file is a short JSON object.
MAX_LABEL_FILE = 1_000_000

#: The seven unified emotions of paper 000 (Table 2), in alphabetical order.
UNIFIED7: tuple[str, ...] = (
    "angry", "disgust", "fear", "happy", "neutral", "sad", "surprise",
)

# Native name -> unified name, shared by every corpus (calm handled separately).
_TO_UNIFIED: dict[str, str] = {
    "angry": "angry", "disgust": "disgust", "fear": "fear", "fearful": "fear",
    "happy": "happy", "neutral": "neutral", "sad": "sad", "surprise": "surprise",
    "surprised": "surprise", "pleasant_surprise": "surprise", "calm": "neutral",
}


def unified_label(corpus: str, native: str) -> str:
    """Return the paper-000 unified label of a native label (calm -> neutral).

    Args:
        corpus: corpus name (``cremad``, ``ravdess``, ``tess``, ``savee``).
        native: native label name, one of ``NATIVE_LABELS[corpus]``.

    Returns:
        One of :data:`UNIFIED7`.
    """
    check_native(corpus, native)
    return _TO_UNIFIED[native]


def is_builtin(corpus: str) -> bool:
    """Whether ``corpus`` is one of the four corpora sermodels knows (its labels are checked)."""
    return corpus in NATIVE_LABELS


def check_corpus_name(corpus: str) -> None:
    """Raise ``ValueError`` unless ``corpus`` is a usable corpus name (``mycorpus``, ``emo-db``)."""
    if not isinstance(corpus, str) or not CORPUS_NAME.fullmatch(corpus):
        raise ValueError(
            f"bad corpus name {corpus!r}: use 1-64 letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )


def check_native(corpus: str, native: str) -> None:
    """Raise ``ValueError`` unless ``native`` is a native label of the built-in ``corpus``."""
    if corpus not in NATIVE_LABELS:
        raise ValueError(f"unknown corpus {corpus!r}; expected one of {', '.join(CORPORA)}")
    if native not in NATIVE_LABELS[corpus]:
        raise ValueError(
            f"unknown {corpus} label {native!r}; expected one of "
            f"{', '.join(NATIVE_LABELS[corpus])}"
        )


@dataclass(frozen=True)
class LabelSet:
    """A named set of classes and the rule mapping native labels onto them.

    Attributes:
        name: registry name, recorded with every run.
        classes: class names in model output order.
        mapping: ``{(corpus, native_label): class or None}``; ``None`` drops the item.
            Pairs absent from the mapping are dropped too (e.g. CREMA-D under
            ``ravdess8``). Corpora other than the four built-in ones may appear
            (your own corpus); their native labels are any non-empty strings.
        description: one sentence saying where the set comes from.
    """

    name: str
    classes: tuple[str, ...]
    mapping: Mapping[tuple[str, str], str | None] = field(repr=False)
    description: str = ""

    def __post_init__(self) -> None:
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f"label set {self.name!r} has duplicated classes")
        for (corpus, native), target in self.mapping.items():
            if is_builtin(corpus):
                check_native(corpus, native)
            else:
                check_corpus_name(corpus)
                if not isinstance(native, str) or not native:
                    raise ValueError(f"label set {self.name!r}: empty native label of {corpus}")
            if target is not None and target not in self.classes:
                raise ValueError(
                    f"label set {self.name!r} maps {corpus}/{native} to {target!r}, "
                    f"which is not one of its classes {self.classes}"
                )

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def corpora(self) -> tuple[str, ...]:
        """Corpora with at least one label kept by this set (built-in ones first)."""
        kept = {c for (c, _), t in self.mapping.items() if t is not None}
        return tuple(c for c in CORPORA if c in kept) + tuple(sorted(kept - set(CORPORA)))

    def map(self, corpus: str, native: str) -> str | None:
        """Class name of a native label, or ``None`` if this set drops it."""
        return self.mapping.get((corpus, native))

    def index(self, label: str) -> int:
        """Position of a class name in the model output."""
        try:
            return self.classes.index(label)
        except ValueError:
            raise ValueError(f"{label!r} is not a class of label set {self.name!r}") from None

    def to_dict(self) -> dict:
        """JSON-serialisable form, saved in every run folder."""
        return {
            "name": self.name,
            "classes": list(self.classes),
            "description": self.description,
            "mapping": [[c, n, t] for (c, n), t in sorted(self.mapping.items())],
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> LabelSet:
        """Inverse of :meth:`to_dict`."""
        return cls(
            name=data["name"],
            classes=tuple(data["classes"]),
            mapping={(c, n): t for c, n, t in data["mapping"]},
            description=data.get("description", ""),
        )

    @classmethod
    def from_mapping(
        cls,
        name: str,
        mapping: Mapping[str, str | None],
        *,
        corpora: Iterable[str] = CORPORA,
        classes: Iterable[str] | None = None,
        description: str = "user-defined",
        natives: Mapping[str, Iterable[str]] | None = None,
    ) -> LabelSet:
        """Build a label set from a mapping of unified (or native) labels.

        Keys may be unified labels (``"angry"``), native labels (``"calm"``) or
        ``"corpus:native"`` for one corpus only; the most specific key wins.
        Labels not mentioned are dropped.

        Args:
            name: the new set's name.
            mapping: label -> class (``None`` drops it).
            corpora: corpora to include.
            classes: class order; defaults to sorted distinct targets.
            natives: native labels per corpus; needed for corpora other than the
                four built-in ones (whose labels are :data:`NATIVE_LABELS`).

        Returns:
            The new label set.

        Example:
            >>> valence = LabelSet.from_mapping("valence", {
            ...     "angry": "negative", "sad": "negative", "fear": "negative",
            ...     "disgust": "negative", "happy": "positive",
            ...     "surprise": "positive", "neutral": "neutral"})
            >>> valence.map("ravdess", "calm")
            'neutral'
        """
        table: dict[tuple[str, str], str | None] = {}
        for corpus in corpora:
            known = (natives or {}).get(corpus)
            if known is None:
                if not is_builtin(corpus):
                    raise ValueError(f"label set {name!r}: native labels of corpus {corpus!r} "
                                     "unknown (pass natives=)")
                known = NATIVE_LABELS[corpus]
            for native in known:
                key = _lookup_key(mapping, corpus, native)
                if key is not None:
                    table[(corpus, native)] = mapping[key]
        targets = classes or sorted({t for t in table.values() if t is not None})
        return cls(name=name, classes=tuple(targets), mapping=table, description=description)


def _lookup_key(mapping: Mapping[str, object], corpus: str, native: str) -> str | None:
    """The most specific key of ``mapping`` naming a native label: ``corpus:native``,
    ``native``, then its unified name (``fearful`` -> ``fear``); ``None`` if none does."""
    for key in (f"{corpus}:{native}", native, _TO_UNIFIED.get(native)):
        if key is not None and key in mapping:
            return key
    return None


def _unified7(drop_calm: bool) -> dict[tuple[str, str], str | None]:
    return {
        (c, n): (None if (drop_calm and n == "calm") else _TO_UNIFIED[n])
        for c in CORPORA
        for n in NATIVE_LABELS[c]
    }


def _native(corpus: str) -> LabelSet:
    classes = NATIVE_LABELS[corpus]
    return LabelSet(
        name=f"{corpus}{len(classes)}",
        classes=classes,
        mapping={(corpus, n): n for n in classes},
        description=f"native {corpus} labels ({len(classes)} classes), {corpus} only",
    )


_REGISTRY: dict[str, LabelSet] = {}


def register(label_set: LabelSet) -> LabelSet:
    """Add a label set to the registry so :func:`get` and the CLI find it by name."""
    _REGISTRY[label_set.name] = label_set
    return label_set


register(LabelSet(
    "unified7", UNIFIED7, _unified7(drop_calm=False),
    "paper 000 Table 2: seven emotions; RAVDESS calm -> neutral, "
    "TESS pleasant surprise -> surprise; CREMA-D has no surprise",
))
register(LabelSet(
    "unified7_nocalm", UNIFIED7, _unified7(drop_calm=True),
    "papers 003/004 ('RavTess'): seven emotions with RAVDESS calm dropped",
))
for _corpus in CORPORA:
    register(_native(_corpus))


def names() -> list[str]:
    """Names of all registered label sets."""
    return sorted(_REGISTRY)


def get(name: str | LabelSet) -> LabelSet:
    """Look up a label set by name (a :class:`LabelSet` is returned unchanged)."""
    if isinstance(name, LabelSet):
        return name
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"unknown label set {name!r}; known: {', '.join(names())} "
            f"(or a .json label file, or {INFERRED!r} for your own corpus)"
        ) from None


def _natives(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Distinct native labels per corpus, in sorted order."""
    found: dict[str, set[str]] = {}
    for corpus, native in pairs:
        found.setdefault(str(corpus), set()).add(str(native))
    return {c: sorted(n) for c, n in sorted(found.items())}


def infer(pairs: Iterable[tuple[str, str]], name: str | None = None) -> LabelSet:
    """A label set in which every distinct native label of the data is a class.

    Meant for your own corpus (``--labels inferred``): a folder per emotion or a
    manifest's ``native_label`` column becomes the classes, in sorted order. With
    several corpora, equal native names are one class.

    Args:
        pairs: ``(corpus, native_label)`` of every row, e.g.
            ``zip(frame["corpus"], frame["native_label"])``.
        name: the set's name (default ``<corpora>_inferred``).

    Returns:
        The label set.

    Raises:
        ValueError: fewer than two distinct native labels.

    Example:
        >>> infer([("mycorpus", "angry"), ("mycorpus", "calm")]).classes
        ('angry', 'calm')
    """
    natives = _natives(pairs)
    classes = sorted({n for labels_ in natives.values() for n in labels_})
    if len(classes) < 2:
        raise DataError(
            f"cannot infer a label set from {len(classes)} distinct native label(s) "
            f"({', '.join(classes) or 'none'}): a classifier needs at least two"
        )
    for corpus in natives:
        check_corpus_name(corpus)
    return LabelSet(
        name=name or f"{'+'.join(natives)}_{INFERRED}",
        classes=tuple(classes),
        mapping={(c, n): n for c, ns in natives.items() for n in ns},
        description=f"inferred: every native label of {', '.join(natives)} is a class",
    )


_FULL_KEYS = {"name", "classes", "mapping", "description"}


def read_label_file(
    path: str | os.PathLike, pairs: Iterable[tuple[str, str]] | None = None
) -> LabelSet:
    """Read a label set from a JSON file (only parsed as JSON; nothing in it is executed).

    Two forms are accepted::

        {"name": "valence", "classes": ["negative", "neutral", "positive"],
         "mapping": {"angry": "negative", "sad": "negative", "calm": "neutral",
                     "neutral": "neutral", "happy": "positive", "bored": null}}

        {"angry": "negative", "sad": "negative", "happy": "positive", "bored": null}

    Keys are native labels (``"angry"``), ``"corpus:native"`` for one corpus only,
    or unified names, which also cover the built-in corpora's variants (``"fear"``
    covers RAVDESS ``fearful``); the most specific key wins. A value is a class, or
    ``null`` to leave those files out. ``name`` defaults to the file's stem,
    ``classes`` (the model's output order) to the sorted distinct classes.

    Args:
        path: the JSON file.
        pairs: ``(corpus, native_label)`` of the data the set will be used on. Every
            native label found there must be mapped (to a class or to ``null``), so a
            typo cannot drop files silently, and every class must receive some label.
            Without ``pairs`` the set covers the four built-in corpora.

    Returns:
        The label set.

    Raises:
        FileNotFoundError: no such file.
        DataError: anything wrong with the file (a ``ValueError``); the message names it.
    """
    path = Path(path)
    where = f"label file {str(path)!r}"
    if not path.is_file():
        raise FileNotFoundError(f"{where} does not exist")
    if path.stat().st_size > MAX_LABEL_FILE:
        raise DataError(f"{where} is larger than {MAX_LABEL_FILE} bytes: not a label file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{where} is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise DataError(f"{where} is not valid JSON: {err}") from None
    if not isinstance(data, dict) or not data:
        raise DataError(f"{where} must hold a JSON object: {{native label: class or null}} "
                         'or {"name": ..., "classes": [...], "mapping": {...}}')
    if "mapping" in data:
        unknown = sorted(set(data) - _FULL_KEYS)
        if unknown:
            raise DataError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
                             f"(expected {', '.join(sorted(_FULL_KEYS))})")
        mapping, name = data["mapping"], data.get("name", path.stem)
        classes, description = data.get("classes"), data.get("description", f"from {path.name}")
        if not isinstance(name, str) or not name.strip():
            raise DataError(f"{where}: 'name' must be a non-empty string")
        if not isinstance(description, str):
            raise DataError(f"{where}: 'description' must be a string")
        if not isinstance(mapping, dict) or not mapping:
            raise DataError(f"{where}: 'mapping' must be a non-empty object "
                             "{native label: class or null}")
        if classes is not None:
            if (not isinstance(classes, list)
                    or not all(isinstance(c, str) and c for c in classes)):
                raise DataError(f"{where}: 'classes' must be a list of non-empty strings")
            if len(set(classes)) != len(classes):
                raise DataError(f"{where}: 'classes' lists a class twice")
    else:
        if {"name", "classes"} & set(data):
            raise DataError(f"{where}: has 'name'/'classes' but no 'mapping' object")
        mapping, name, classes, description = data, path.stem, None, f"from {path.name}"
    for key, target in mapping.items():
        if not key:
            raise DataError(f"{where}: empty native label in the mapping")
        if target is not None and (not isinstance(target, str) or not target):
            raise DataError(f"{where}: {key!r} maps to {target!r}; "
                             "expected a class name (string) or null")
        if classes is not None and target is not None and target not in classes:
            raise DataError(f"{where}: {key!r} maps to {target!r}, which is not one of "
                             f"'classes' ({', '.join(classes)})")
    natives = _natives(pairs) if pairs is not None else {c: list(NATIVE_LABELS[c])
                                                          for c in CORPORA}
    for corpus in natives:
        check_corpus_name(corpus)
    if pairs is not None:
        unmapped = [f"{c}:{n}" for c, ns in natives.items() for n in ns
                    if _lookup_key(mapping, c, n) is None]
        if unmapped:
            raise DataError(
                f"{where} does not map native label(s) {', '.join(unmapped[:10])}"
                f"{' and more' if len(unmapped) > 10 else ''} found in the data: map each "
                "to a class, or to null to leave its files out"
            )
    label_set = LabelSet.from_mapping(name, mapping, corpora=list(natives),
                                      classes=classes, description=description,
                                      natives=natives)
    if len(label_set.classes) < 2:
        raise DataError(f"{where}: a classifier needs at least two classes, "
                         f"got {list(label_set.classes)}")
    if pairs is not None:
        used = {t for t in label_set.mapping.values() if t is not None}
        empty = [c for c in label_set.classes if c not in used]
        if empty:
            raise DataError(f"{where}: class(es) {', '.join(empty)} receive no native "
                             "label found in the data")
    return label_set


def is_label_file(spec: str) -> bool:
    """Whether a ``--labels`` value names a JSON file rather than a registered set."""
    return str(spec).lower().endswith(".json")


def resolve(
    spec: str | os.PathLike | LabelSet, pairs: Iterable[tuple[str, str]] | None = None
) -> LabelSet:
    """The label set meant by a ``--labels`` value: a name, a JSON file, or ``"inferred"``.

    Args:
        spec: a registered name (:func:`names`), the path of a ``.json`` label file
            (:func:`read_label_file`), :data:`INFERRED`, or a :class:`LabelSet`.
        pairs: ``(corpus, native_label)`` of the data; required for ``"inferred"``
            and used to check a label file against the data.

    Returns:
        The label set.
    """
    if isinstance(spec, LabelSet):
        return spec
    spec = os.fspath(spec)
    if spec == INFERRED:
        if pairs is None:
            raise UsageError("the 'inferred' label set needs the data's native labels")
        return infer(pairs)
    if is_label_file(spec):
        return read_label_file(spec, pairs)
    return get(spec)
