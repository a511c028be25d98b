"""Classical baselines (paper 001): SVM and random forest on pooled features.

They sit behind the same interface as the Keras models where it matters:
``fit(x, y)`` with integer labels, ``predict(x)`` returning class probabilities
``(n, num_classes)``; inputs of any shape are flattened.

Example:
    >>> model = classical.build("svm", num_classes=7)     # doctest: +SKIP
    >>> proba = model.fit(x_train, y_train).predict(x_test)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC


class SklearnClassifier:
    """A scikit-learn classifier with the Keras-like ``fit``/``predict`` of sermodels.

    Args:
        estimator: any scikit-learn classifier with ``predict_proba``.
        num_classes: size of the probability output (classes absent from the
            training data get probability 0).
        name: registry name.
    """

    def __init__(self, estimator, num_classes: int, name: str = "classical") -> None:
        self.estimator = estimator
        self.num_classes = int(num_classes)
        self.name = name

    def fit(self, x: np.ndarray, y: np.ndarray) -> SklearnClassifier:
        self.estimator.fit(np.asarray(x).reshape(len(x), -1), np.asarray(y, dtype=int))
        return self

    def predict(self, x: np.ndarray, **_) -> np.ndarray:
        """Class probabilities ``(n, num_classes)``."""
        proba = self.estimator.predict_proba(np.asarray(x).reshape(len(x), -1))
        out = np.zeros((len(x), self.num_classes))
        out[:, self.estimator.classes_] = proba
        return out

    def save(self, path: str | os.PathLike) -> None:
        joblib.dump(self, Path(path))

    @staticmethod
    def load(path: str | os.PathLike) -> SklearnClassifier:
        return joblib.load(Path(path))


def build_svm(num_classes: int, *, c: float = 10.0, gamma: str | float = "scale",
              seed: int = 0) -> SklearnClassifier:
    """RBF support-vector machine on standardised features (balanced class weights).

    Probabilities come from sigmoid calibration on 3 internal folds of the
    training data (``CalibratedClassifierCV(..., ensemble=False)``, scikit-learn's
    replacement for ``SVC(probability=True)``); every class needs 3 training items.
    """
    svc = SVC(C=c, gamma=gamma, class_weight="balanced", random_state=seed)
    estimator = make_pipeline(StandardScaler(),
                              CalibratedClassifierCV(svc, cv=3, ensemble=False))
    return SklearnClassifier(estimator, num_classes, "svm")


def build_random_forest(num_classes: int, *, n_estimators: int = 300, max_depth: int | None = None,
                        seed: int = 0) -> SklearnClassifier:
    """Random forest (balanced class weights)."""
    estimator = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                       class_weight="balanced", random_state=seed, n_jobs=-1)
    return SklearnClassifier(estimator, num_classes, "random_forest")


BUILDERS = {"svm": build_svm, "random_forest": build_random_forest}


def names() -> list[str]:
    """Names of the classical baselines."""
    return sorted(BUILDERS)


def build(name: str, num_classes: int, **options) -> SklearnClassifier:
    """Build a classical baseline by name."""
    if name not in BUILDERS:
        raise ValueError(f"unknown classical model {name!r}; known: {', '.join(names())}")
    return BUILDERS[name](num_classes, **options)
