"""Compile librosa's numba code once, in one process, before feature workers start.

librosa compiles some of its functions with numba and caches the machine code on disk
(``cache=True``). When two worker processes compile the same function at once, numba can
leave a mismatched pair of cache files behind (numba issue #10128); from then on every
process that loads them crashes with a segmentation fault, in ``librosa.yin`` for example,
until the files are deleted. A first parallel run on a fresh install (Colab, a new virtual
environment) is exactly that case.

:func:`warm_up` prevents it: before a pool of feature workers starts, one child process runs
the whole extraction (each augmentation chain included) on a synthetic clip, so the workers
find the compiled code on disk and only load it. Because that trial runs in a child process,
a cache that is already damaged kills the child, not the user's Python session, and
:func:`warm_up` raises :class:`CompiledCacheError` saying which files to delete.

Example:
    >>> warm_up(get_spec("recommended"), [None])   # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from sermodels.errors import SermodelsError
from sermodels.features import FeatureSpec

TIMEOUT_S = 600.0
"""A first compile of librosa's functions takes tens of seconds; past this, workers just start."""

_COMMAND = [sys.executable, "-m", "sermodels.warmup"]
_DONE: set[str] = set()


class CompiledCacheError(SermodelsError):
    """numba's compiled-code cache crashes the process that loads it."""


def synthetic_clip(sample_rate: int, seconds: float = 2.0) -> np.ndarray:
    """A voiced test clip (a 150-Hz harmonic tone with vibrato, a little noise).

    Args:
        sample_rate: samples per second.
        seconds: duration.

    Returns:
        1-D float32 waveform, peak about 0.5.
    """
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    phase = 2 * np.pi * (150 * t + 3 * np.sin(2 * np.pi * 5 * t))
    y = sum(np.sin(k * phase) / k for k in range(1, 6))
    y = y + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def run_trial(payload: Mapping) -> None:
    """Extract features of :func:`synthetic_clip` as a worker would (in this process).

    Args:
        payload: ``{"spec": FeatureSpec.to_dict(), "chains": [recipe steps, ...]}``.
    """
    from sermodels.audio import condition
    from sermodels.augment import apply_recipe
    from sermodels.features import extract

    spec = FeatureSpec.from_dict(payload["spec"])
    y = condition(synthetic_clip(spec.sample_rate), spec.audio, "<synthetic warm-up clip>")
    extract(y, spec)
    for steps in payload["chains"]:
        extract(apply_recipe(y, spec.sample_rate, {"steps": steps, "seed": 0}), spec)


def cache_locations() -> list[str]:
    """Where numba keeps librosa's compiled code.

    Returns:
        ``[$NUMBA_CACHE_DIR]`` when it is set, else a pattern for librosa's ``__pycache__``
        folders.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return [os.environ["NUMBA_CACHE_DIR"]]
    found = importlib.util.find_spec("librosa")
    if found is None or not found.origin:
        return ["the __pycache__ folders of the librosa package"]
    return [f"{Path(found.origin).parent}/**/__pycache__"]


def warm_up(spec: FeatureSpec, recipes: Iterable[Mapping | None] = (), *,
            timeout: float = TIMEOUT_S) -> None:
    """Run one trial extraction in a child process before parallel workers start.

    Done once per process for each spec and set of augmentation chains.

    Args:
        spec: the feature spec the workers will extract.
        recipes: the workers' augmentation recipes (``None`` for plain clips); each distinct
            chain of steps is tried once.
        timeout: seconds to wait for the child; past them the workers start anyway.

    Raises:
        CompiledCacheError: the child was killed by a signal (a damaged numba cache).
    """
    chains = {json.dumps(r["steps"], sort_keys=True) for r in recipes if r}
    payload = {"spec": spec.to_dict(), "chains": [json.loads(c) for c in sorted(chains)]}
    token = json.dumps(payload, sort_keys=True)
    if token in _DONE:
        return
    # the child finds sermodels where this process did (a checkout on sys.path included)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(_COMMAND, input=token, capture_output=True, text=True,
                              timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired:
        return  # slow, not broken: the workers compile what is left
    if done.returncode < 0:
        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = f"signal {-done.returncode}"
        raise CompiledCacheError(
            f"a trial extraction of features {spec.name!r} in a separate process was killed by "
            f"{name}, so the feature workers would crash too. This is almost always a damaged "
            f"numba cache of librosa's compiled code (numba issue #10128: two processes "
            f"compiled the same function at once). Delete the files *.nbi and *.nbc in "
            f"{' or '.join(cache_locations())} (or point NUMBA_CACHE_DIR at an empty folder) "
            f"and run again; they are rebuilt on first use."
        )
    _DONE.add(token)  # a Python error in the trial is reported by the workers, file by file


def _main() -> int:
    run_trial(json.loads(sys.stdin.read()))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
