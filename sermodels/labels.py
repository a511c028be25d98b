"""Emotion label sets: the native labels of each corpus and the mappings between them.

A :class:`LabelSet` turns a ``(corpus, native_label)`` pair into a class name, or
``None`` when the utterance is dropped under that label set (e.g. RAVDESS *calm*
in the "calm dropped" set of papers 003/004). Label sets are looked up by name
with :func:`get`; users can build their own with :meth:`LabelSet.from_mapping`.

Example:
    >>> from sermodels import labels
    >>> ls = labels.get("unified7")
    >>> ls.map("tess", "pleasant_surprise")
    'surprise'
    >>> labels.get("unified7_nocalm").map("ravdess", "calm") is None
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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


def check_native(corpus: str, native: str) -> None:
    """Raise ``ValueError`` unless ``native`` is a native label of ``corpus``."""
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
            ``ravdess8``).
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
            check_native(corpus, native)
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
        """Corpora with at least one label kept by this set."""
        kept = {c for (c, _), t in self.mapping.items() if t is not None}
        return tuple(c for c in CORPORA if c in kept)

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
            for native in NATIVE_LABELS[corpus]:
                for key in (f"{corpus}:{native}", native, _TO_UNIFIED[native]):
                    if key in mapping:
                        table[(corpus, native)] = mapping[key]
                        break
        targets = classes or sorted({t for t in table.values() if t is not None})
        return cls(name=name, classes=tuple(targets), mapping=table, description=description)


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
            f"unknown label set {name!r}; known: {', '.join(names())}"
        ) from None
