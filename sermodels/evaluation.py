"""Metrics that carry their protocol: every number says how it was obtained."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score


def summarize(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> dict:
    """Headline metrics of class probabilities against integer targets.

    Args:
        y_true: integer class indices, shape ``(n,)``.
        proba: class probabilities, shape ``(n, len(classes))``.
        classes: class names in output order.

    Returns:
        ``accuracy``, ``unweighted_accuracy`` (mean per-class recall over the
        classes present), ``macro_f1``, ``chance_uniform`` (1 / number of classes),
        ``chance_majority`` (always answering the test set's most frequent class)
        and ``n``.
    """
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(proba).argmax(axis=1)
    present = np.unique(y_true)
    counts = np.bincount(y_true, minlength=len(classes))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "unweighted_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro",
                                   zero_division=0)),
        "chance_uniform": 1.0 / len(classes),
        "chance_majority": float(counts.max() / max(1, counts.sum())),
        "n": int(len(y_true)),
    }
