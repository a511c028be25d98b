"""Shared fixtures: tiny synthetic corpora in the real layouts, generated once per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sermodels import synthetic  # noqa: E402


@pytest.fixture(scope="session")
def tiny_original(tmp_path_factory) -> synthetic.SyntheticCorpus:
    """All four corpora, original release layouts, with the real-world oddities."""
    return synthetic.generate(tmp_path_factory.mktemp("orig"), size="tiny", seed=0,
                              progress=False)


@pytest.fixture(scope="session")
def tiny_kaggle(tmp_path_factory) -> synthetic.SyntheticCorpus:
    """All four corpora, Kaggle mirror layouts (duplicated sub-trees, flat SAVEE)."""
    return synthetic.generate(tmp_path_factory.mktemp("kaggle"), size="tiny", layout="kaggle",
                              seed=0, progress=False)


@pytest.fixture(scope="session")
def trained_run(tiny_original, tmp_path_factory):
    """A small CNN-LSTM run folder on the tiny corpus (2 epochs), shared by inference tests."""
    from sermodels import manifest
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, train

    frame, _ = manifest.build_manifest(tiny_original.root)
    out = tmp_path_factory.mktemp("trained")
    return train(frame, tiny_original.root, get_spec("mfcc40", audio={"duration": 1.0}),
                 TrainConfig(epochs=2, verbose=0), run_dir=out / "run", cache_dir=out / "cache")
