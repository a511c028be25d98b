"""The shipped, versioned description of each real corpus (``data_manifests/``).

Every expected file with its labels and speaker, the canonical speaker
assignment to the hold-out split and to the 5 folds, and CREMA-D's actor
demographics. Installed with the package as ``sermodels.data_manifests``.

This module imports no other part of sermodels: the manifest code and the corpus
modules build on it, never the other way round.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

import pandas as pd

#: Seed with which the canonical splits were drawn.
CANONICAL_SEED = 0
#: Number of canonical speaker folds.
CANONICAL_FOLDS = 5


def _files():
    return resources.files("sermodels.data_manifests")


@functools.cache
def index() -> dict:
    """The manifest index: version, seed, folds and per-corpus file counts."""
    return json.loads((_files() / "index.json").read_text(encoding="utf-8"))


def version() -> str:
    """Version string of the shipped manifests."""
    return str(index()["version"])


@functools.cache
def _canonical(corpus: str) -> pd.DataFrame:
    # read directly, not with sermodels.manifest (which builds on this module): the shipped
    # files are written by data_manifests/build.py in the manifest format and checked by tests
    with resources.as_file(_files() / f"{corpus}.csv") as path:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.assign(fold=frame["fold"].astype(int))


def canonical(corpus: str) -> pd.DataFrame:
    """Every expected file of a corpus (paths relative to the corpus root of its release).

    Args:
        corpus: ``cremad``, ``ravdess``, ``tess`` or ``savee``.

    Returns:
        A manifest frame with the canonical ``split`` and ``fold`` columns.
    """
    return _canonical(corpus).copy()


def canonical_assignment(corpus: str) -> pd.DataFrame:
    """Speaker -> (split, fold) of the canonical protocol for one corpus."""
    frame = _canonical(corpus)
    return frame.groupby("speaker")[["split", "fold"]].first()


@functools.cache
def cremad_genders() -> dict[str, str]:
    """CREMA-D actor id (``"1001"``) -> ``"male"``/``"female"``, from the release's demographics."""
    with resources.as_file(_files() / "cremad_actors.csv") as path:
        actors = pd.read_csv(path, dtype=str)
    return dict(zip(actors["ActorID"], actors["Sex"].str.lower(), strict=True))
