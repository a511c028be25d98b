import sys

import numpy as np
import pytest

from sermodels import warmup
from sermodels.features import get_spec
from sermodels.warmup import CompiledCacheError, run_trial, synthetic_clip, warm_up

# zero crossings and YIN's interpolation are librosa's numba gufuncs (cache=True)
SPEC = get_spec("recommended", features=("zcr", "pitch"), deltas=0,
                audio={"duration": 1.0, "trim_db": None})
CHAIN = [{"name": "speed", "min_rate": 0.9, "max_rate": 1.1}]


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.setattr(warmup, "_DONE", set())


def test_synthetic_clip_is_voiced_and_bounded():
    y = synthetic_clip(16_000, 1.5)
    assert y.dtype == np.float32 and y.shape == (24_000,)
    assert 0.4 < np.max(np.abs(y)) <= 0.5


def test_trial_runs_the_extraction_and_each_chain_in_this_process():
    run_trial({"spec": SPEC.to_dict(), "chains": [CHAIN]})


def test_warm_up_runs_the_trial_in_a_child_process(monkeypatch, tmp_path):
    finished = []
    real = warmup.subprocess.run
    monkeypatch.setattr(warmup.subprocess, "run",
                        lambda *a, **k: finished.append(real(*a, **k)) or finished[-1])
    warm_up(SPEC, [None, {"steps": CHAIN, "seed": 3}])
    assert len(finished) == 1 and finished[0].args == warmup._COMMAND
    assert finished[0].returncode == 0, finished[0].stderr  # the extraction and the chain ran
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert warmup.cache_locations() == [str(tmp_path)]


def test_a_child_killed_by_a_signal_names_the_cache_to_delete(monkeypatch, tmp_path):
    monkeypatch.setattr(warmup, "_COMMAND", [sys.executable, "-c",
                                             "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"])
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    with pytest.raises(CompiledCacheError) as err:
        warm_up(SPEC, [None])
    text = str(err.value)
    assert "SIGSEGV" in text and "#10128" in text and "NUMBA_CACHE_DIR" in text
    assert "librosa" in text and "__pycache__" in text and "'recommended'" in text


def test_errors_and_slowness_in_the_child_do_not_stop_the_workers(monkeypatch):
    monkeypatch.setattr(warmup, "_COMMAND", [sys.executable, "-c", "raise SystemExit(1)"])
    warm_up(SPEC, [None])  # the workers report a Python error file by file
    monkeypatch.setattr(warmup, "_COMMAND", [sys.executable, "-c", "import time; time.sleep(30)"])
    warm_up(get_spec("mfcc40"), [None], timeout=0.5)


def test_done_once_per_spec_and_chains(monkeypatch):
    runs = []
    real = warmup.subprocess.run
    monkeypatch.setattr(warmup.subprocess, "run", lambda *a, **k: runs.append(1) or real(*a, **k))
    monkeypatch.setattr(warmup, "_COMMAND", [sys.executable, "-c", "pass"])
    warm_up(SPEC, [None, {"steps": CHAIN, "seed": 1}])
    warm_up(SPEC, [{"steps": CHAIN, "seed": 2}, None])  # same chain, another seed: done
    assert len(runs) == 1
    warm_up(SPEC, [None])
    assert len(runs) == 2


def test_the_child_sees_this_process_import_path(monkeypatch, tmp_path):
    """A checkout put on sys.path (a notebook's way in) is where the child imports sermodels from."""
    seen, extra = tmp_path / "seen.txt", str(tmp_path / "checkout")
    monkeypatch.setattr(warmup, "_COMMAND", [
        sys.executable, "-c", f"import sys; open({str(seen)!r}, 'w').write(str({extra!r} in sys.path))"])
    monkeypatch.syspath_prepend(extra)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    warm_up(SPEC, [None])
    assert seen.read_text() == "True"
