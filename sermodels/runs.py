"""Run folders: where every artefact of a run goes, and the environment it ran in."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
from importlib import metadata
from pathlib import Path

ENV_VAR = "SERMODELS_RUNS"
_PACKAGES = ("sermodels", "tensorflow", "keras", "librosa", "numpy", "scikit-learn",
             "soundfile", "soxr", "pandas")


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
