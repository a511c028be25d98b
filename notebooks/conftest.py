"""Notebooks run under nbval in smoke mode (small synthetic corpus, few epochs) in a scratch home."""

import os
import tempfile

os.environ.setdefault("SERMODELS_SMOKE", "1")
os.environ.setdefault("SERMODELS_HOME", os.path.join(tempfile.gettempdir(), "sermodels-nbval"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

# The notebooks' jupytext sources (NN_name.py) are notebooks, not test modules: nbval runs the
# .ipynb generated from them, and pytest must never import them (e.g. under --doctest-modules).
collect_ignore_glob = ["[0-9][0-9]_*.py"]
