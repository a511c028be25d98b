"""Notebooks run under nbval in smoke mode (small synthetic corpus, few epochs) in a scratch home."""

import os
import tempfile

from sermodels.testing import isolate_worker

# Under pytest -n 2 two notebooks run at once: each worker has its own home (corpus, caches,
# runs) and numba cache, so no file is written by two processes, and one thread per library.
WORKER = isolate_worker()
os.environ.setdefault("SERMODELS_SMOKE", "1")
os.environ.setdefault("SERMODELS_HOME", os.path.join(tempfile.gettempdir(), f"sermodels-nbval{WORKER}"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

# The notebooks' jupytext sources (NN_name.py) are notebooks, not test modules: nbval runs the
# .ipynb generated from them, and pytest must never import them (e.g. under --doctest-modules).
collect_ignore_glob = ["[0-9][0-9]_*.py"]
