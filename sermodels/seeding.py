"""Seeds: one place that makes runs repeatable."""

from __future__ import annotations

import os
import random

import numpy as np


def stable_int(name: str) -> int:
    """A stable non-negative integer for a string, for seeding per-name random streams.

    Python's ``hash()`` is salted per process, so it cannot be used for this.
    """
    return int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "little") % (2**31)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and Keras (and TensorFlow through Keras) with ``seed``."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    import keras  # imported here so that data-only code does not load TensorFlow

    keras.utils.set_random_seed(seed)
