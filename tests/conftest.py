"""Shared fixtures: tiny synthetic corpora in the real layouts, generated once per session."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sermodels.testing import isolate_worker  # noqa: E402  (imports nothing numerical)

isolate_worker()  # under pytest -n 2: a numba cache per worker, one thread per library

from sermodels import synthetic  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="session")
def load_benchmark():
    """Import a script of ``benchmarks/`` by name (its folder on ``sys.path`` while it loads, so
    that it finds its neighbours, e.g. ``svm_member.py`` imports ``real.py``), registered in
    ``sys.modules`` as importlib's recipe does (dataclasses look their module up there)."""
    def load(name: str, module_name: str | None = None):
        spec = importlib.util.spec_from_file_location(module_name or name,
                                                      BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        sys.path.insert(0, str(BENCHMARKS))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(BENCHMARKS))
        return module
    return load


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


@pytest.fixture(scope="session")
def fused_run(tiny_original, tmp_path_factory):
    """A per-speaker normalised CNN fused with an SVM on functionals (SAVEE, 1 epoch)."""
    from sermodels import manifest
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, train

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    spec = get_spec("logmel64", max_frames=100, normalization="speaker",
                    audio={"duration": 1.0, "sample_rate": 16000})
    config = TrainConfig(model="cnn_attn_pool", epochs=1, verbose=0, patience=None,
                         fusion={"model": "svm", "spec": "functionals_speaker", "weight": 0.5})
    out = tmp_path_factory.mktemp("fused")
    return train(frame, tiny_original.root, spec, config, run_dir=out / "run",
                 cache_dir=out / "cache")


@pytest.fixture(scope="module")
def fused_dev_run(tiny_original):
    """``run(work, seed=0, tta_crops=0, protocol="dev")``: benchmarks/real.py's ``dev`` (or
    ``dev_cross``) protocol for a tiny fused recipe (``tiny_fused``) on ``tiny_original``, its
    cache in ``work/cache``; returns the run folder (``dev0`` ... ``dev2``; ``dev0`` alone for
    ``dev_cross``), its entry in ``work/entry.json``. Use after a benchmark script has imported
    ``real``."""
    from sermodels import manifest

    frame, _ = manifest.build_manifest(tiny_original.root, ["ravdess", "tess"])

    def run(work: Path, seed: int = 0, tta_crops: int = 0, protocol: str = "dev") -> Path:
        real = sys.modules["real"]
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setitem(real.SYSTEMS, "tiny_fused", (
                "recommended", {"max_frames": 40},
                {"epochs": 1, "augment_copies": 0, "tta_crops": tta_crops, "mixup_alpha": 0.0,
                 "model_options": {"filters": (4, 4, 4)}}))
            # a tiny shipped recipe: its features as the recipe's are now (silence trimmed)
            monkeypatch.setattr(real, "TRIMMED_SYSTEMS", (*real.TRIMMED_SYSTEMS, "tiny_fused"))
            entry = real.run_one("tiny_fused", protocol, frame, tiny_original.root, work,
                                 seed=seed, paper_epochs=1, n_jobs=1)
        (work / "entry.json").write_text(json.dumps(entry))
        return next((work / "runs").glob(f"tiny_fused-{protocol}-*"))

    return run
