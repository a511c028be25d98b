"""Keras model builders of the papers, looked up by name in one registry.

Example:
    >>> from sermodels import models
    >>> "cnn_lstm" in models.names()
    True
    >>> model = models.build("cnn_lstm", (300, 40), 7)   # doctest: +SKIP

Classical baselines (SVM, random forest) are in :mod:`sermodels.models.classical`,
voting ensembles in :mod:`sermodels.models.ensemble`.
"""

from __future__ import annotations

from sermodels.models import (  # noqa: F401  (registers the builders)
    classical,
    paper000,
    paper002,
    paper003,
    paper004,
    recommended,
)
from sermodels.models.ensemble import VotingEnsemble, vote
from sermodels.models.layers import GradientReversal, SoftAttention
from sermodels.models.registry import build, get, names, register

__all__ = ["GradientReversal", "SoftAttention", "VotingEnsemble", "build", "classical", "get",
           "names", "register", "vote"]
