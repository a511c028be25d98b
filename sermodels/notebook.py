"""Helpers for the numbered notebooks: set-up checks, smoke mode, and data with a fallback.

The notebooks call these so that they hold no function of their own:

* :func:`setup` checks versions, seeds everything and says whether a GPU is there;
* :func:`smoke_mode` reads ``SERMODELS_SMOKE`` (CI's small-data switch);
* :func:`get_data` returns the real corpora if you have them, and otherwise explains
  how to get them and falls back to a synthetic corpus, so every notebook runs
  top to bottom anywhere.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SMOKE_VAR = "SERMODELS_SMOKE"
HOME_VAR = "SERMODELS_HOME"


def smoke_mode() -> bool:
    """True when ``SERMODELS_SMOKE`` is set to 1/true/yes (small synthetic data, few epochs)."""
    return os.environ.get(SMOKE_VAR, "").strip().lower() in ("1", "true", "yes")


def in_colab() -> bool:
    return "google.colab" in sys.modules


def home() -> Path:
    """Where notebooks keep data, caches and runs: ``$SERMODELS_HOME``, ``/content/sermodels``
    in Colab, else ``~/sermodels``."""
    if os.environ.get(HOME_VAR):
        path = Path(os.environ[HOME_VAR])
    elif in_colab():
        path = Path("/content/sermodels")
    else:
        path = Path.home() / "sermodels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup(seed: int = 0) -> dict:
    """Check versions (Python >= 3.10, Keras 3, TensorFlow, librosa), seed everything,
    and print a one-line hint about the GPU. Returns the versions."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import librosa
    import tensorflow as tf

    from sermodels import __version__
    from sermodels.seeding import seed_everything

    # Python >= 3.10 is enforced by the package's requires-python
    if int(keras.__version__.split(".")[0]) < 3:
        raise RuntimeError(f"sermodels needs Keras 3, this is Keras {keras.__version__}")
    seed_everything(seed)
    gpus = tf.config.list_physical_devices("GPU")
    versions = {"python": platform.python_version(), "sermodels": __version__,
                "tensorflow": tf.__version__, "keras": keras.__version__,
                "librosa": librosa.__version__}
    print(", ".join(f"{k} {v}" for k, v in versions.items()))
    if gpus:
        print(f"GPU: {len(gpus)} device(s) - training uses it (mixed precision on).")
    else:
        print("No GPU found: everything runs on the CPU, just slower. In Colab: "
              "Runtime > Change runtime type > T4 GPU.")
    print(f"seed {seed}; smoke mode {'ON (small synthetic data, few epochs)' if smoke_mode() else 'off'}")
    return versions


@dataclass
class NotebookData:
    """The data a notebook works on."""

    root: Path
    frame: pd.DataFrame
    synthetic: bool
    summary: str


def get_data(data_root: str | os.PathLike | None = None, corpora=None, *,
             synthetic_size: str | None = None, protocol: str = "speaker",
             seed: int = 0) -> NotebookData:
    """The corpora under ``data_root`` if any are there, else a synthetic corpus (and why).

    The synthetic fallback is taken only when no audio file lies under ``data_root``: when
    audio is there but cannot be used (no recognisable corpus, a broken file name scheme,
    an unknown corpus asked for), the loader's error is raised so the problem gets fixed.

    Args:
        data_root: where you put the real corpora (default ``home()/data``).
        corpora: which corpora to use (default all found).
        synthetic_size: synthetic size to fall back to (default: ``small`` in smoke mode,
            ``demo`` otherwise).
        protocol: split protocol of the manifest.
        seed: split seed.
    """
    from sermodels import manifest
    from sermodels.download import HOW_TO_GET
    from sermodels.pipeline import ensure_synthetic

    root = Path(data_root) if data_root else home() / "data"
    if not smoke_mode() and root.is_dir() and _has_audio(root):
        # real audio is there: use it, and let a problem with it (a broken corpus, an unknown
        # corpus name) raise rather than quietly continue on synthetic audio
        frame, loaded = manifest.build_manifest(root, corpora, protocol=protocol, seed=seed)
        print(f"Real corpora found under {root}.")
        return NotebookData(root, frame, False, loaded.summary())
    size = synthetic_size or ("small" if smoke_mode() else "demo")
    if not smoke_mode():
        print(f"No corpora found under {root}. To use the real data, put them there:")
        for corpus, how in HOW_TO_GET.items():
            print(f"  - {corpus}: {how}")
        print(f"Continuing with the synthetic '{size}' corpus (same layouts and file names, "
              "speech-like audio), so the notebook runs top to bottom.")
    synthetic_root = ensure_synthetic(home() / f"synthetic-{size}", size, 0, progress=False)
    frame, loaded = manifest.build_manifest(synthetic_root, corpora, protocol=protocol, seed=seed)
    return NotebookData(synthetic_root, frame, True, loaded.summary())


def _has_audio(root: Path) -> bool:
    """Whether any audio file lies below ``root`` (the real corpora, perhaps broken)."""
    from sermodels.corpora import AUDIO_SUFFIXES

    return any(name.lower().endswith(AUDIO_SUFFIXES)
               for _, _, names in os.walk(root, followlinks=True) for name in names)


def cache_dir() -> Path:
    return home() / "cache"


def runs_dir() -> Path:
    return home() / "runs"
