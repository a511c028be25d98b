from sermodels.testing import THREAD_VARS, isolate_worker


def test_a_worker_gets_its_own_numba_cache_and_one_thread_per_library():
    environ = {"PYTEST_XDIST_WORKER": "gw1", "OMP_NUM_THREADS": "4"}
    assert isolate_worker(environ) == "gw1"
    assert environ["NUMBA_CACHE_DIR"].endswith("gw1")
    assert environ["OMP_NUM_THREADS"] == "4"  # what the user set wins
    assert all(environ[name] == "1" for name in THREAD_VARS if name != "OMP_NUM_THREADS")
    other = {"PYTEST_XDIST_WORKER": "gw0"}
    isolate_worker(other)
    assert other["NUMBA_CACHE_DIR"] != environ["NUMBA_CACHE_DIR"]


def test_outside_a_worker_nothing_changes():
    environ = {"HOME": "/root"}
    assert isolate_worker(environ) == ""
    assert environ == {"HOME": "/root"}
