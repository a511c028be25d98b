"""Voting ensembles over trained members (paper 001): hard (majority) and soft (mean probability).

Members are anything with ``predict(x)`` returning class probabilities: Keras
models, :class:`~sermodels.models.classical.SklearnClassifier`, or a callable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = ("hard", "soft")


def vote(probabilities: Sequence[np.ndarray], method: str = "soft",
         weights: Sequence[float] | None = None) -> np.ndarray:
    """Combine members' class probabilities.

    Args:
        probabilities: one ``(n, classes)`` array per member.
        method: ``"soft"`` averages probabilities; ``"hard"`` counts each member's
            top class (ties broken by the summed probabilities).
        weights: optional member weights.

    Returns:
        ``(n, classes)``: mean probabilities (soft) or vote shares (hard).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    stack = np.stack([np.asarray(p, dtype=np.float64) for p in probabilities])
    if stack.ndim != 3 or len(stack) == 0:
        raise ValueError("need at least one (n, classes) probability array per member")
    w = np.ones(len(stack)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(w) != len(stack):
        raise ValueError("one weight per member")
    w = w / w.sum()
    if method == "soft":
        return np.tensordot(w, stack, axes=1)
    votes = np.zeros(stack.shape[1:])
    winners = stack.argmax(axis=2)  # (members, n)
    for m, member_votes in enumerate(winners):
        votes[np.arange(stack.shape[1]), member_votes] += w[m]
    tie_break = 1e-6 * np.tensordot(w, stack, axes=1)
    shares = votes + tie_break
    return shares / shares.sum(axis=1, keepdims=True)


class VotingEnsemble:
    """An ensemble with the same ``predict(x) -> probabilities`` interface as its members."""

    def __init__(self, members: Sequence, method: str = "soft",
                 weights: Sequence[float] | None = None) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = list(members)
        self.method = method
        self.weights = weights

    def predict(self, x, **kwargs) -> np.ndarray:
        from sermodels.models.classifier import as_classifier

        outputs = [as_classifier(member).predict_proba(x) if hasattr(member, "predict")
                   else member(x) for member in self.members]
        return vote(outputs, self.method, self.weights)
