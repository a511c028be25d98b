"""Notebooks run under nbval in smoke mode (small synthetic corpus, few epochs) in a scratch home."""

import os
import tempfile

# Under pytest -n 2 two notebooks run at once: each worker gets its own home (corpus, caches,
# runs) and its own numba cache, so nothing is written by two processes (numba issue 10128).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
os.environ.setdefault("SERMODELS_SMOKE", "1")
os.environ.setdefault("SERMODELS_HOME", os.path.join(tempfile.gettempdir(), f"sermodels-nbval{WORKER}"))
if WORKER:
    os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(tempfile.gettempdir(),
                                                          "sermodels-tests-numba", WORKER))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

# The notebooks' jupytext sources (NN_name.py) are notebooks, not test modules: nbval runs the
# .ipynb generated from them, and pytest must never import them (e.g. under --doctest-modules).
collect_ignore_glob = ["[0-9][0-9]_*.py"]
