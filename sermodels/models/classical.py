"""Classical baselines (paper 001): SVM and random forest on pooled features.

They sit behind the same :class:`~sermodels.models.classifier.Classifier` interface
as the Keras models: ``fit(x, y)`` with integer labels, ``predict_proba(x)``
returning class probabilities ``(n, num_classes)``; inputs of any shape are
flattened. A run folder stores the estimator in skops' format, which holds data,
not code: loading accepts only the scikit-learn types these baselines are made of
(:data:`TRUSTED_TYPES`) and refuses anything else, and nothing is ever unpickled.

Example:
    >>> model = classical.build("svm", num_classes=7)     # doctest: +SKIP
    >>> proba = model.fit(x_train, y_train).predict_proba(x_test)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier, _SigmoidCalibration
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.tree._tree import Tree

from sermodels.runs import RunFolder, RunFolderError, write_json


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


#: The scikit-learn types the classical baselines are made of: the only ones loaded.
TRUSTED_TYPES = frozenset(_type_name(t) for t in (
    Pipeline, StandardScaler, CalibratedClassifierCV, _CalibratedClassifier, _SigmoidCalibration,
    SVC, RandomForestClassifier, DecisionTreeClassifier, Tree))
# containers, JSON values and numeric arrays, as skops writes them
_PLAIN_TYPES = frozenset({f"builtins.{t}" for t in ("dict", "list", "tuple", "str", "int", "float",
                                                     "bool", "NoneType")}
                         | {"numpy.ndarray"}
                         | {f"numpy.{np.dtype(c).type.__name__}" for c in np.typecodes["AllInteger"]
                            + np.typecodes["AllFloat"] + "?"})
_NODES = frozenset({"DictNode", "ListNode", "TupleNode", "JsonNode", "TypeNode", "NdArrayNode",
                    "ObjectNode", "TreeNode"})


class SklearnClassifier:
    """A scikit-learn classifier behind sermodels' :class:`~sermodels.models.classifier.Classifier`.

    Args:
        estimator: any scikit-learn classifier with ``predict_proba``.
        num_classes: size of the probability output (classes absent from the
            training data get probability 0).
        name: registry name.
        input_shape: shape of one item's features (set by :meth:`fit`).
    """

    is_keras = False
    parameters = None

    def __init__(self, estimator, num_classes: int, name: str = "classical",
                 input_shape: tuple[int, ...] = ()) -> None:
        self.estimator = estimator
        self.num_classes = int(num_classes)
        self.name = name
        self._input_shape = tuple(input_shape)

    @property
    def model(self):
        """The scikit-learn estimator."""
        return self.estimator

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._input_shape

    def fit(self, x: np.ndarray, y: np.ndarray) -> SklearnClassifier:
        x = np.asarray(x)
        self._input_shape = tuple(int(n) for n in x.shape[1:])
        self.estimator.fit(x.reshape(len(x), -1), np.asarray(y, dtype=int))
        return self

    def predict(self, x: np.ndarray, **_) -> np.ndarray:
        """Class probabilities ``(n, num_classes)``."""
        proba = self.estimator.predict_proba(np.asarray(x).reshape(len(x), -1))
        out = np.zeros((len(x), self.num_classes))
        out[:, self.estimator.classes_] = proba
        return out

    def predict_proba(self, x: np.ndarray, tta: int = 0, *, compiled: bool = False) -> np.ndarray:
        """Class probabilities ``(n, num_classes)`` (``tta`` and ``compiled`` concern Keras models)."""
        return np.asarray(self.predict(x), dtype=np.float64)

    def save(self, run: RunFolder | str | os.PathLike) -> os.PathLike:
        """Write the estimator (skops format) and this wrapper's fields (JSON) into a run folder."""
        import sklearn
        import skops.io

        run = run if isinstance(run, RunFolder) else RunFolder(run)
        run.mkdir()
        skops.io.dump(self.estimator, run.sklearn_model_path)
        write_json(run.sklearn_wrapper_path, {
            "name": self.name, "num_classes": self.num_classes,
            "input_shape": list(self._input_shape), "format": "skops",
            "scikit-learn": sklearn.__version__})
        return run.sklearn_model_path

    @classmethod
    def load(cls, run: RunFolder | str | os.PathLike) -> SklearnClassifier:
        """Load a classical model from a run folder, accepting only :data:`TRUSTED_TYPES`.

        Raises:
            RunFolderError: a missing or damaged file, or a file holding any other type
                (refused before anything in it is built).
        """
        import skops.io

        run = run if isinstance(run, RunFolder) else RunFolder(run)
        wrapper = run.read_json(run.sklearn_wrapper_path)
        try:
            name, num_classes = str(wrapper["name"]), int(wrapper["num_classes"])
            input_shape = tuple(int(n) for n in wrapper.get("input_shape") or ())
        except (TypeError, KeyError, ValueError) as err:
            raise RunFolderError(f"{run.sklearn_wrapper_path}: cannot read "
                                 f"{run.SKLEARN_WRAPPER}: {err!r}") from None
        path = run.sklearn_model_path
        untrusted = _untrusted_types(path)
        if untrusted:
            raise RunFolderError(
                f"{path}: refused: {path.name} holds types that sermodels does not write "
                f"({', '.join(sorted(untrusted))}); it was not loaded")
        try:
            estimator = skops.io.load(path, trusted=sorted(TRUSTED_TYPES))
        except Exception as err:  # noqa: BLE001 - skops raises many types; name the file
            raise RunFolderError(f"{path}: cannot read {path.name}: {err}") from None
        return cls(estimator, num_classes, name, input_shape)


def _untrusted_types(path: os.PathLike) -> set[str]:
    """Every type named in a skops file that is neither trusted nor a plain value.

    Raises:
        RunFolderError: the file is missing, damaged or not a skops file.
    """
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise RunFolderError(f"{os.path.dirname(path)}: {name} is missing")
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.testzip() is not None:
                raise zipfile.BadZipFile("checksum mismatch")
            schema = json.loads(archive.read("schema.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError):
        raise RunFolderError(f"{path}: cannot read {name}: the file is damaged or truncated, or "
                             "not a skops file") from None
    found, stack = set(), [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__module__" in node or "__class__" in node or "__loader__" in node:
                kind = f"{node.get('__module__')}.{node.get('__class__')}"
                if kind not in TRUSTED_TYPES and kind not in _PLAIN_TYPES:
                    found.add(kind)
                if node.get("__loader__") not in _NODES:
                    found.add(f"{kind} ({node.get('__loader__')})")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


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
