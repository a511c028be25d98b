"""One small interface for every trained model, Keras or scikit-learn.

Training, evaluation, inference, export and ablations talk to a model through
:class:`Classifier` only: class probabilities (with the run's test-time crops),
saving into and loading from a run folder, the input shape, and whether it is a
Keras model (TFLite export needs one). :func:`as_classifier` is the one place
that tells the two kinds apart.

Example:
    >>> clf = as_classifier(models.build("dnn", (40,), 7))        # doctest: +SKIP
    >>> clf.predict_proba(x).shape, clf.is_keras                   # doctest: +SKIP
    ((12, 7), True)
"""

from __future__ import annotations

import os
import zipfile
from typing import Protocol, runtime_checkable

import numpy as np

from sermodels.runs import RunFolder, RunFolderError


@runtime_checkable
class Classifier(Protocol):
    """What sermodels needs from a trained model.

    Attributes:
        model: the wrapped object (a ``keras.Model`` or a scikit-learn estimator).
        is_keras: whether ``model`` is a Keras model.
        input_shape: shape of one item's features.
        parameters: number of trainable and frozen weights (``None`` for classical models).
    """

    model: object
    is_keras: bool

    @property
    def input_shape(self) -> tuple[int, ...]: ...

    @property
    def parameters(self) -> int | None: ...

    def predict_proba(self, x: np.ndarray, tta: int = 0, *, compiled: bool = False) -> np.ndarray:
        """Class probabilities ``(n, num_classes)`` as float64.

        Args:
            x: a batch of normalised features.
            tta: average over this many time crops (Keras models on ``(frames,
                features)`` inputs; 0/1: off).
            compiled: run through one traced graph (XLA where it works), for low-latency
                calls on small batches (Keras); the default batches through ``predict``.
        """
        ...

    def save(self, run: RunFolder | str | os.PathLike) -> os.PathLike: ...


def as_classifier(model) -> Classifier:
    """``model`` behind the :class:`Classifier` interface (a Classifier is returned as is)."""
    import keras

    if isinstance(model, keras.Model):
        return KerasClassifier(model)
    if isinstance(model, Classifier):
        return model
    raise TypeError(f"not a sermodels model: {type(model).__name__} (expected a keras.Model or "
                    "a sermodels.models.classical.SklearnClassifier)")


class KerasClassifier:
    """A Keras model behind the :class:`Classifier` interface."""

    is_keras = True

    def __init__(self, model) -> None:
        self.model = model
        self._compiled: dict[tuple, object] = {}

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.model.input_shape[1:])

    @property
    def parameters(self) -> int:
        return int(self.model.count_params())

    def predict_proba(self, x: np.ndarray, tta: int = 0, *, compiled: bool = False) -> np.ndarray:
        from sermodels.training import make_dataset, time_crops

        views = time_crops(np.asarray(x, dtype=np.float32) if compiled else x, tta)
        if compiled:
            fn = self._compiled.get(x.shape[1:])
            if fn is None:
                fn = self._compiled[x.shape[1:]] = compiled_predict(self.model, x.shape[1:])
            return np.mean([fn(v).numpy() for v in views], axis=0).astype(np.float64)
        return np.mean([self.model.predict(make_dataset(v, None, 256), verbose=0) for v in views],
                       axis=0).astype(np.float64)

    def save(self, run: RunFolder | str | os.PathLike) -> os.PathLike:
        run = _run_folder(run).mkdir()
        self.model.save(run.keras_model_path)
        return run.keras_model_path

    @classmethod
    def load(cls, run: RunFolder | str | os.PathLike) -> KerasClassifier:
        """Load ``model.keras`` (Keras' safe mode: no code stored in the file is run).

        Raises:
            RunFolderError: the file is missing, damaged or truncated, or not a model.
        """
        import keras

        import sermodels.models  # noqa: F401  (registers the custom layers)

        path = _run_folder(run).keras_model_path
        name = path.name
        if not path.is_file():
            raise RunFolderError(f"{path.parent}: {name} is missing")
        if not _intact_zip(path):
            raise RunFolderError(f"{path}: cannot read {name}: the file is damaged or truncated")
        try:
            model = keras.models.load_model(path, safe_mode=True)
        except Exception as err:  # noqa: BLE001 - Keras raises many types; name the file
            raise RunFolderError(f"{path}: cannot read {name}: {err}") from None
        return cls(model)


def compiled_predict(model, input_shape):
    """A compiled (XLA where it works) inference function ``batch -> probabilities``.

    One graph for any batch size, traced once, so a single clip does not pay for
    Keras' eager ``predict`` machinery.
    """
    import tensorflow as tf

    signature = [tf.TensorSpec((None, *input_shape), tf.float32)]

    def forward(batch):
        return model(batch, training=False)

    probe = np.zeros((1, *input_shape), np.float32)
    fn = tf.function(forward, input_signature=signature, jit_compile=True, autograph=False)
    try:
        fn(probe)
    except Exception:  # noqa: BLE001 - some ops have no XLA kernel: fall back to a plain graph
        fn = tf.function(forward, input_signature=signature, jit_compile=False, autograph=False)
        fn(probe)
    return fn


def _run_folder(run: RunFolder | str | os.PathLike) -> RunFolder:
    return run if isinstance(run, RunFolder) else RunFolder(run)


def _intact_zip(path) -> bool:
    """Whether ``path`` is a complete zip archive whose members pass their checksums."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False
