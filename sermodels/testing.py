"""sermodels' own tests in parallel workers (``pytest -n 2``, pytest-xdist).

Both ``tests/conftest.py`` and ``notebooks/conftest.py`` call :func:`isolate_worker` before
numpy, numba or TensorFlow is imported. In a worker it sets, unless already set:

- ``NUMBA_CACHE_DIR``: a numba cache of the worker's own. Two processes compiling librosa's
  functions into one cache at once can leave a mismatched pair of files that crashes every
  later process (numba issue 10128; see :mod:`sermodels.warmup`).
- one thread per numerical library (BLAS, OpenMP, TensorFlow's pools): two workers on two
  cores, each starting pools as wide as the machine, oversubscribe the cores (the training,
  model and recipe tests: 240 s -> 223 s on 2 cores).

Outside a worker nothing changes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import MutableMapping

WORKER_VAR = "PYTEST_XDIST_WORKER"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def isolate_worker(environ: MutableMapping[str, str] | None = None) -> str:
    """Give a pytest-xdist worker its own numba cache and one thread per numerical library.

    Args:
        environ: the environment to change (default ``os.environ``); values already set win.

    Returns:
        The worker's name (``gw0``, ``gw1``, ...), or ``""`` outside a worker.
    """
    environ = os.environ if environ is None else environ
    worker = environ.get(WORKER_VAR, "")
    if worker:
        environ.setdefault("NUMBA_CACHE_DIR",
                           os.path.join(tempfile.gettempdir(), "sermodels-tests-numba", worker))
        for name in THREAD_VARS:
            environ.setdefault(name, "1")
    return worker
