"""Train/validation/test splits: speaker-independent by default, random only on request.

All functions take a manifest frame (columns ``corpus``, ``speaker``, ``gender``,
``label``) and return per-row assignments; none of them touches audio.
Speakers are split *per corpus*, so every corpus contributes to every part it
can (paper 000, Table 4: CREMA-D 64/9/18, RAVDESS 17/2/5, TESS 1/0/1, SAVEE 3/0/1).

Example:
    >>> frame["split"] = speaker_holdout(frame, seed=0)        # doctest: +SKIP
    >>> check_speaker_independent(frame)                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from sermodels.errors import DataError
from sermodels.seeding import stable_int

SPLITS = ("train", "val", "test")
PROTOCOLS = ("speaker", "random")


class SpeakerLeakError(DataError):
    """A speaker appears in more than one part of a speaker-independent split."""


def _check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    if len(ratios) != 3 or any(r < 0 for r in ratios) or not np.isclose(sum(ratios), 1.0):
        raise ValueError(f"ratios must be three non-negative numbers summing to 1, got {ratios}")
    return tuple(float(r) for r in ratios)  # type: ignore[return-value]


def _ordered_speakers(frame: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """Speakers of one corpus shuffled within gender, then interleaved by gender.

    Interleaving keeps each part's gender mix close to the corpus'.
    """
    groups = []
    for _, speakers in sorted(frame.groupby("gender")["speaker"]):
        names = sorted(speakers.unique())
        groups.append([names[i] for i in rng.permutation(len(names))])
    order: list[str] = []
    total = sum(len(g) for g in groups)
    cursors = [0] * len(groups)
    while len(order) < total:
        # take from the group furthest behind its share, so the mix stays even
        shares = [(cursors[i] / len(g), i) for i, g in enumerate(groups) if cursors[i] < len(g)]
        _, i = min(shares)
        order.append(groups[i][cursors[i]])
        cursors[i] += 1
    return order


def holdout_counts(n_speakers: int, ratios: Sequence[float] = (0.7, 0.1, 0.2)) -> tuple[int, int, int]:
    """Speakers to train/val/test for a corpus of ``n_speakers`` (paper 000's rule).

    Test and validation get ``round(ratio * n)`` speakers; a corpus with two or
    more speakers always keeps at least one test and one training speaker
    (TESS: 1/0/1; SAVEE: 3/0/1).
    """
    _, r_val, r_test = _check_ratios(ratios)
    if n_speakers < 2:
        return n_speakers, 0, 0
    n_test = max(1, int(np.floor(r_test * n_speakers + 0.5))) if r_test > 0 else 0
    n_val = int(np.floor(r_val * n_speakers + 0.5))
    n_val = min(n_val, n_speakers - n_test - 1)
    return n_speakers - n_test - n_val, n_val, n_test


def speaker_holdout(
    frame: pd.DataFrame, *, seed: int = 0, ratios: Sequence[float] = (0.7, 0.1, 0.2)
) -> pd.Series:
    """Speaker-independent hold-out split, drawn per corpus from ``seed``.

    Args:
        frame: manifest frame.
        seed: random seed; the same seed and speakers give the same split.
        ratios: train/val/test shares of each corpus' speakers.

    Returns:
        ``"train"``/``"val"``/``"test"`` per row, indexed like ``frame``.
    """
    split = pd.Series("", index=frame.index, dtype=object)
    for corpus, part in frame.groupby("corpus", sort=True):
        rng = np.random.default_rng([seed, stable_int(corpus)])
        order = _ordered_speakers(part, rng)
        n_train, n_val, n_test = holdout_counts(len(order), ratios)
        assign = dict.fromkeys(order[:n_test], "test")
        assign.update(dict.fromkeys(order[n_test:n_test + n_val], "val"))
        assign.update(dict.fromkeys(order[n_test + n_val:], "train"))
        split[part.index] = part["speaker"].map(assign)
    return split


def speaker_kfold(frame: pd.DataFrame, *, k: int = 5, seed: int = 0) -> pd.Series:
    """Assign every speaker to exactly one of ``k`` test folds (0 .. k-1).

    Speakers are dealt per corpus in gender-interleaved random order, starting
    at a per-corpus random fold so small corpora do not all land in fold 0. A
    corpus' folds do not depend on which other corpora are in the frame.

    Returns:
        Fold number per row, indexed like ``frame``.
    """
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    fold = pd.Series(-1, index=frame.index, dtype=int)
    for corpus, part in frame.groupby("corpus", sort=True):
        rng = np.random.default_rng([seed, stable_int(corpus), k])
        order = _ordered_speakers(part, rng)
        start = int(rng.integers(k))
        assign = {s: (start + i) % k for i, s in enumerate(order)}
        fold[part.index] = part["speaker"].map(assign).astype(int)
    return fold


def fold_split(
    frame: pd.DataFrame, test_fold: int, *, fold_column: str = "fold",
    val_ratio: float = 0.1, seed: int = 0,
) -> pd.Series:
    """Train/val/test for one cross-validation round: ``test_fold`` is the test set.

    Validation speakers are drawn per corpus from the remaining speakers (about
    ``val_ratio`` of them, none for corpora with fewer than three).
    """
    split = pd.Series("train", index=frame.index, dtype=object)
    is_test = frame[fold_column].astype(int) == int(test_fold)
    split[is_test] = "test"
    rest = frame[~is_test]
    if len(rest):
        inner = speaker_holdout(rest, seed=seed + 1000 * (int(test_fold) + 1),
                                ratios=(1.0 - val_ratio, val_ratio, 0.0))
        split[rest.index] = inner
    return split


def leave_one_corpus_out(
    frame: pd.DataFrame, *, seed: int = 0, val_ratio: float = 0.1
) -> Iterator[tuple[str, pd.Series]]:
    """Cross-corpus rounds: train (and validate) on all corpora but one, test on it.

    Yields:
        ``(held-out corpus, split per row)`` for each corpus in the frame.
    """
    corpora = sorted(frame["corpus"].unique())
    if len(corpora) < 2:
        raise ValueError("leave-one-corpus-out needs at least two corpora")
    for held_out in corpora:
        split = pd.Series("test", index=frame.index, dtype=object)
        rest = frame[frame["corpus"] != held_out]
        split[rest.index] = speaker_holdout(
            rest, seed=seed, ratios=(1.0 - val_ratio, val_ratio, 0.0)
        )
        yield held_out, split


#: EmoBox's speaker-independent 6-fold split of RAVDESS: test actors per fold.
EMOBOX_RAVDESS_FOLDS: dict[int, tuple[int, ...]] = {
    1: (1, 11, 20, 21), 2: (4, 10, 12, 14), 3: (8, 9, 19, 23),
    4: (3, 5, 7, 24), 5: (2, 15, 16, 18), 6: (6, 13, 17, 22),
}


def emobox_folds(frame: pd.DataFrame) -> pd.Series:
    """EmoBox's RAVDESS folds (0-5 for its folds 1-6), so results sit next to its leaderboard.

    Raises:
        ValueError: the frame holds another corpus than RAVDESS.
    """
    if set(frame["corpus"]) != {"ravdess"}:
        raise ValueError("the emobox folds are defined for RAVDESS only (--corpora ravdess)")
    actor_fold = {f"ravdess_{a:02d}": k - 1 for k, actors in EMOBOX_RAVDESS_FOLDS.items()
                  for a in actors}
    return frame["speaker"].map(actor_fold).astype(int)


def random_split(
    frame: pd.DataFrame, *, seed: int = 0, ratios: Sequence[float] = (0.7, 0.1, 0.2),
    stratify: str | None = "label",
) -> pd.Series:
    """The papers' stratified random split. **Leaks speakers**: same speaker in train and test.

    Only used when a user asks for ``protocol="random"``; whatever records it
    must also record ``protocol=random`` (see :func:`apply_protocol`).
    """
    from sklearn.model_selection import train_test_split  # 2.5 s: not on `sermodels --help`'s path

    r_train, r_val, r_test = _check_ratios(ratios)
    labels = frame[stratify] if stratify else None
    index = frame.index.to_numpy()
    try:
        train, rest = train_test_split(index, train_size=r_train, random_state=seed,
                                       stratify=labels)
    except ValueError as err:
        raise ValueError(f"random split of {len(frame)} items stratified by {stratify}: {err}") from None
    split = pd.Series("train", index=frame.index, dtype=object)
    if r_val + r_test > 0 and len(rest):
        rest_labels = frame.loc[rest, stratify] if stratify else None
        if r_val == 0:
            val, test = np.array([], dtype=index.dtype), rest
        elif r_test == 0:
            val, test = rest, np.array([], dtype=index.dtype)
        else:
            val, test = train_test_split(rest, test_size=r_test / (r_val + r_test),
                                         random_state=seed, stratify=rest_labels)
        split[val] = "val"
        split[test] = "test"
    return split


def apply_protocol(
    frame: pd.DataFrame, protocol: str = "speaker", *, seed: int = 0,
    ratios: Sequence[float] = (0.7, 0.1, 0.2),
) -> pd.DataFrame:
    """Return a copy of ``frame`` with ``split`` and ``protocol`` columns set.

    Args:
        frame: manifest frame.
        protocol: ``"speaker"`` (speaker-independent, default) or ``"random"``
            (the leaky protocol of the papers; labelled as such).
        seed: random seed.
        ratios: train/val/test shares.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {PROTOCOLS}")
    out = frame.copy()
    if protocol == "speaker":
        out["split"] = speaker_holdout(out, seed=seed, ratios=ratios)
    else:
        out["split"] = random_split(out, seed=seed, ratios=ratios)
    out["protocol"] = protocol
    return out


def speaker_overlap(frame: pd.DataFrame, column: str = "split") -> dict[str, list[str]]:
    """Speakers found in more than one part, with the parts they are in.

    Returns:
        ``{speaker: sorted parts}``; empty when the split is speaker-independent.
    """
    parts = frame.groupby("speaker")[column].agg(lambda s: sorted(set(map(str, s))))
    return {spk: p for spk, p in parts.items() if len(p) > 1}


def check_speaker_independent(frame: pd.DataFrame, column: str = "split") -> None:
    """Raise :class:`SpeakerLeakError` naming every speaker found in two parts."""
    leaks = speaker_overlap(frame, column)
    if leaks:
        shown = "; ".join(f"{s} in {'+'.join(p)}" for s, p in list(leaks.items())[:10])
        more = f" (and {len(leaks) - 10} more)" if len(leaks) > 10 else ""
        raise SpeakerLeakError(
            f"{len(leaks)} speaker(s) appear in more than one {column}: {shown}{more}"
        )

