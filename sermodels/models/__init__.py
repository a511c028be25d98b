"""Keras model builders of the papers, looked up by name in one registry.

Example:
    >>> from sermodels import models
    >>> "cnn_lstm" in models.names()
    True
    >>> model = models.build("cnn_lstm", (300, 40), 7)   # doctest: +SKIP
"""

from __future__ import annotations

from sermodels.models import paper000  # noqa: F401  (registers its builders)
from sermodels.models.registry import build, get, names, register

__all__ = ["build", "get", "names", "register"]
