"""Run folders: where every artefact of a run goes, and the environment it ran in.

:class:`RunFolder` is the one place that knows a run folder's file names: training
writes through it, and ``predict``, ``export`` and the reports read through it.
Reading checks what it reads and names the file when something is wrong (a folder
that is not a run, a damaged ``model.keras``, a broken ``config.json``).

Example:
    >>> run = RunFolder.open("sermodels_runs/20261122-quickstart")   # doctest: +SKIP
    >>> run.read_config()["protocol"], run.load_model().is_keras      # doctest: +SKIP
    ('speaker', True)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from sermodels.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from sermodels.features import Normalizer
    from sermodels.labels import LabelSet
    from sermodels.models.classifier import Classifier

ENV_VAR = "SERMODELS_RUNS"
_PACKAGES = ("sermodels", "tensorflow", "keras", "librosa", "numpy", "scikit-learn",
             "soundfile", "soxr", "pandas", "skops")


class RunFolderError(DataError):
    """A run folder, or one of its files, that cannot be used (the message names the file)."""


class RunFolder:
    """One run folder: the names of its files, and reading and writing them.

    Args:
        path: the folder (it need not exist yet when writing).
    """

    KERAS_MODEL = "model.keras"
    SKLEARN_MODEL = "model.skops"
    SKLEARN_WRAPPER = "classifier.json"
    PICKLED_MODEL = "model.joblib"  # written by sermodels before 0.2; never loaded
    CONFIG = "config.json"

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    @classmethod
    def create(cls, name: str, parent: str | os.PathLike | None = None) -> RunFolder:
        """A new, empty ``<parent>/<timestamp>-<name>`` folder (see :func:`new_run_dir`)."""
        return cls(new_run_dir(name, parent))

    @classmethod
    def open(cls, path: str | os.PathLike) -> RunFolder:
        """An existing run folder, for reading.

        Raises:
            RunFolderError: the folder does not exist or is not a sermodels run folder.
        """
        run = cls(path)
        if not run.path.is_dir():
            raise RunFolderError(f"{run.path}: no such run folder")
        if not run.config_path.is_file():
            raise RunFolderError(f"{run.path}: not a sermodels run folder (no {cls.CONFIG})")
        return run

    # -- where each artefact goes -------------------------------------------------------
    def _file(self, name: str) -> Path:
        return self.path / name

    @property
    def keras_model_path(self) -> Path:
        return self._file(self.KERAS_MODEL)

    @property
    def sklearn_model_path(self) -> Path:
        """A scikit-learn estimator in skops' format (no pickle)."""
        return self._file(self.SKLEARN_MODEL)

    @property
    def sklearn_wrapper_path(self) -> Path:
        """The fields of :class:`~sermodels.models.classical.SklearnClassifier`, as JSON."""
        return self._file(self.SKLEARN_WRAPPER)

    @property
    def checkpoint_path(self) -> Path:
        """Keras' best-on-validation checkpoint written during training."""
        return self._file("best.keras")

    @property
    def config_path(self) -> Path:
        return self._file(self.CONFIG)

    @property
    def normalizer_path(self) -> Path:
        return self._file("normalizer.json")

    @property
    def label_set_path(self) -> Path:
        return self._file("label_set.json")

    @property
    def split_path(self) -> Path:
        return self._file("split.csv")

    @property
    def predictions_path(self) -> Path:
        """Test-split predictions, one row per clip."""
        return self._file("test_predictions.csv")

    @property
    def metrics_path(self) -> Path:
        return self._file("metrics.json")

    @property
    def evaluation_path(self) -> Path:
        """The full evaluation record (see :class:`sermodels.evaluation.EvaluationRecord`)."""
        return self._file("evaluation.json")

    @property
    def environment_path(self) -> Path:
        return self._file("environment.json")

    @property
    def history_path(self) -> Path:
        """Keras' per-epoch log."""
        return self._file("history.csv")

    @property
    def skipped_files_path(self) -> Path:
        return self._file("skipped_files.txt")

    @property
    def report_path(self) -> Path:
        return self._file("report.html")

    def export_paths(self, quantize: str | None = None) -> tuple[Path, Path]:
        """``(model[-quantize].tflite, export[-quantize].json)``."""
        suffix = f"-{quantize}" if quantize else ""
        return self._file(f"model{suffix}.tflite"), self._file(f"export{suffix}.json")

    @property
    def model_path(self) -> Path:
        """The saved model's main file (Keras or scikit-learn), whichever this run has."""
        if self.sklearn_model_path.is_file() and not self.keras_model_path.is_file():
            return self.sklearn_model_path
        return self.keras_model_path

    # -- writing ------------------------------------------------------------------------
    def mkdir(self) -> RunFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        return self

    def save_model(self, model) -> Path:
        """Save a Keras model or a classical baseline (never as a pickle)."""
        from sermodels.models.classifier import as_classifier

        self.mkdir()
        return as_classifier(model).save(self)

    def write_config(self, config: dict) -> Path:
        return write_json(self.config_path, config)

    def write_normalizer(self, normalizer: Normalizer) -> Path:
        return write_json(self.normalizer_path, normalizer.to_dict())

    def write_label_set(self, label_set: LabelSet) -> Path:
        return write_json(self.label_set_path, label_set.to_dict())

    def write_split(self, rows: pd.DataFrame) -> Path:
        rows.to_csv(self.split_path, index=False)
        return self.split_path

    def write_predictions(self, predictions: pd.DataFrame) -> Path:
        predictions.to_csv(self.predictions_path, index=False)
        return self.predictions_path

    def write_metrics(self, metrics: dict) -> Path:
        return write_json(self.metrics_path, metrics)

    def write_environment(self) -> Path:
        return write_json(self.environment_path, environment())

    def write_skipped_files(self, text: str) -> Path:
        self.skipped_files_path.write_text(text.rstrip("\n") + "\n")
        return self.skipped_files_path

    # -- reading ------------------------------------------------------------------------
    def load_model(self) -> Classifier:
        """The run's model behind the :class:`~sermodels.models.classifier.Classifier` interface.

        Raises:
            RunFolderError: no model, a damaged file, or only a pickled ``model.joblib``
                (refused, never loaded: unpickling can run any code).
        """
        from sermodels.models.classical import SklearnClassifier
        from sermodels.models.classifier import KerasClassifier

        if self.keras_model_path.is_file():
            return KerasClassifier.load(self)
        if self.sklearn_model_path.is_file():
            return SklearnClassifier.load(self)
        if self._file(self.PICKLED_MODEL).is_file():
            raise RunFolderError(
                f"{self.path}: the model is a pickle ({self.PICKLED_MODEL}), which sermodels does "
                "not load: unpickling a file can run any code. Train the run again with this "
                f"version of sermodels (it writes {self.SKLEARN_MODEL}).")
        raise RunFolderError(f"{self.path}: no model in this run folder "
                             f"({self.KERAS_MODEL} or {self.SKLEARN_MODEL})")

    def read_json(self, path: Path, *, required: bool = True):
        """A JSON file of this folder; ``None`` when it is missing and not ``required``.

        Raises:
            RunFolderError: missing (when required) or not valid JSON, naming the file.
        """
        if not path.is_file():
            if not required:
                return None
            raise RunFolderError(f"{self.path}: {path.name} is missing")
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as err:
            raise RunFolderError(f"{path}: cannot read {path.name}: not a text file ({err})") from None
        except json.JSONDecodeError as err:
            raise RunFolderError(f"{path}: cannot read {path.name}: {err.msg} at line {err.lineno}, "
                                 f"column {err.colno}") from None

    def _read_dict(self, path: Path, keys: tuple[str, ...] = ()) -> dict:
        data = self.read_json(path)
        if not isinstance(data, dict):
            raise RunFolderError(f"{path}: cannot read {path.name}: expected a JSON object")
        missing = [k for k in keys if k not in data]
        if missing:
            raise RunFolderError(f"{path}: cannot read {path.name}: no {', '.join(missing)}")
        return data

    def read_config(self) -> dict:
        """The run's settings: ``train``, ``feature_spec``, ``protocol``, ``seed``, ``data_root``."""
        return self._read_dict(self.config_path, ("feature_spec",))

    def read_feature_spec(self):
        """The run's :class:`~sermodels.features.FeatureSpec`."""
        from sermodels.features import FeatureSpec

        try:
            return FeatureSpec.from_dict(self.read_config()["feature_spec"])
        except (TypeError, ValueError, KeyError) as err:
            raise RunFolderError(f"{self.config_path}: cannot read {self.CONFIG}: "
                                 f"bad feature_spec ({err})") from None

    def read_normalizer(self) -> Normalizer:
        from sermodels.features import Normalizer

        data = self._read_dict(self.normalizer_path, ("method",))
        try:
            return Normalizer.from_dict(data)
        except (TypeError, ValueError, KeyError) as err:
            raise RunFolderError(f"{self.normalizer_path}: cannot read "
                                 f"{self.normalizer_path.name}: {err}") from None

    def read_label_set(self) -> LabelSet:
        from sermodels.labels import LabelSet

        data = self._read_dict(self.label_set_path)
        try:
            return LabelSet.from_dict(data)
        except (TypeError, ValueError, KeyError) as err:
            raise RunFolderError(f"{self.label_set_path}: cannot read "
                                 f"{self.label_set_path.name}: {err}") from None

    def read_split(self) -> pd.DataFrame:
        import pandas as pd

        if not self.split_path.is_file():
            raise RunFolderError(f"{self.path}: {self.split_path.name} is missing")
        return pd.read_csv(self.split_path, keep_default_na=False)

    def read_metrics(self) -> dict:
        return self._read_dict(self.metrics_path)

    def read_environment(self) -> dict | None:
        """The recorded environment, or ``None`` for a folder without one."""
        return self.read_json(self.environment_path, required=False)


def default_runs_dir() -> Path:
    """``$SERMODELS_RUNS``, else ``./sermodels_runs``."""
    return Path(os.environ.get(ENV_VAR) or "sermodels_runs")


def new_run_dir(name: str, parent: str | os.PathLike | None = None) -> Path:
    """Create ``<parent>/<timestamp>-<name>`` (never reusing an existing folder)."""
    parent = Path(parent) if parent is not None else default_runs_dir()
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    path = parent / f"{stamp}-{safe}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = parent / f"{stamp}-{safe}-{suffix}"
    path.mkdir(parents=True)
    return path


def environment() -> dict:
    """Python, platform, package versions and devices, saved with every run."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "packages": versions}
    try:
        import tensorflow as tf

        info["devices"] = [d.name for d in tf.config.list_logical_devices()]
    except Exception:  # noqa: BLE001 - environment capture must never fail a run
        info["devices"] = []
    return info


def write_json(path: str | os.PathLike, data) -> Path:
    """Write JSON (indented, numpy-safe) and return the path."""
    path = Path(path)
    path.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    return path


def read_json(path: str | os.PathLike):
    return json.loads(Path(path).read_text())


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
