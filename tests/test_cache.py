import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from sermodels import cache, manifest
from sermodels.cache import FeatureCache, entry_key, extract_features, file_identity
from sermodels.features import get_spec

SPEC = get_spec("mfcc40", audio={"duration": 1.0})


@pytest.fixture()
def frame(tiny_original):
    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    return frame.iloc[:12].reset_index(drop=True)


def test_second_run_comes_from_the_cache(frame, tiny_original, tmp_path):
    first = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    second = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    assert first.hits == 0 and second.hits == len(frame)
    assert np.array_equal(first.x, second.x) and first.x.shape == (12, 101, 40)
    assert list(second.rows["path"]) == list(frame["path"])


def test_changing_the_spec_never_reuses_entries(frame, tiny_original, tmp_path):
    extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    for changed in (get_spec(SPEC, n_mfcc=20), get_spec(SPEC, hop_ms=5.0),
                    get_spec(SPEC, audio={"peak": None})):
        again = extract_features(frame, tiny_original.root, changed, cache_dir=tmp_path,
                                 progress=False)
        assert again.hits == 0
    recipe = {"steps": [{"name": "noise", "min_snr_db": 10, "max_snr_db": 10}], "seed": 1}
    identity = file_identity(tiny_original.root / frame["path"][0])
    assert entry_key(identity, SPEC) != entry_key(identity, SPEC, recipe)


def test_a_changed_file_is_re_extracted(frame, tiny_original, tmp_path):
    extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    path = tiny_original.root / frame["path"][0]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    assert again.hits == len(frame) - 1


def test_corrupt_entries_and_bundles_are_rebuilt(frame, tiny_original, tmp_path):
    first = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    store = FeatureCache(tmp_path, SPEC)
    keys = [entry_key(file_identity(tiny_original.root / p), SPEC) for p in frame["path"]]
    bundle = store.bundle_path(keys)
    assert bundle.exists()  # the whole request is kept as one array for an instant second run
    bundle.write_bytes(bundle.read_bytes()[:1000])  # truncated bundle: read from the entries
    again = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    assert again.hits == len(frame) and np.array_equal(again.x, first.x)
    entry = store.path(keys[0])
    entry.write_bytes(entry.read_bytes()[:100])  # truncated entry: detected and re-extracted
    bundle.unlink()
    again = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    assert again.hits == len(frame) - 1 and np.array_equal(again.x, first.x)
    assert store.get(keys[0]) is not None


def test_unusable_files_are_reported_and_the_rest_extracted(frame, tiny_original, tmp_path):
    bad = frame.iloc[:1].assign(path="SAVEE/AudioData/DC/missing.wav")
    mixed = manifest.pd.concat([bad, frame]).reset_index(drop=True)
    fs = extract_features(mixed, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    assert len(fs.rows) == len(frame) and len(fs.errors) == 1
    assert "missing.wav" in fs.report() and "file not found" in fs.report()


def test_two_workers_give_the_same_features(frame, tiny_original, tmp_path):
    one = extract_features(frame, tiny_original.root, SPEC, use_cache=False, progress=False)
    two = extract_features(frame, tiny_original.root, SPEC, use_cache=False, n_jobs=2,
                           progress=False)
    np.testing.assert_allclose(one.x, two.x, rtol=1e-4, atol=1e-3)  # BLAS may differ per process


def test_cache_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "env-cache"))
    assert cache.default_cache_dir() == tmp_path / "env-cache"
    assert FeatureCache(None, SPEC).dir.parent == tmp_path / "env-cache"


def test_killed_extraction_leaves_only_valid_entries_and_resumes(tiny_original, tmp_path):
    full, _ = manifest.build_manifest(tiny_original.root)
    manifest.write_manifest(full, tmp_path / "m.csv")
    script = textwrap.dedent(f"""
        from sermodels import manifest
        from sermodels.cache import extract_features
        from sermodels.features import get_spec
        frame = manifest.read_manifest({str(tmp_path / 'm.csv')!r})
        spec = get_spec("mfcc40", audio={{"duration": 1.0}})
        extract_features(frame, {str(tiny_original.root)!r}, spec, cache_dir={str(tmp_path / 'c')!r},
                         progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    store_dir = tmp_path / "c" / SPEC.key()
    deadline = time.time() + 120
    while time.time() < deadline and len(list(store_dir.glob("*/*.npy"))) < 10:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = list(store_dir.glob("*/*.npy"))
    assert 10 <= len(written) < len(full)
    for entry in written:  # every visible entry is complete and valid
        assert np.load(entry).shape == (101, 40)
    assert all(p.suffix == ".part" for p in store_dir.glob("*/.tmp-*"))  # a cut-short write
    resumed = extract_features(full, tiny_original.root, SPEC, cache_dir=tmp_path / "c",
                               progress=False)
    assert resumed.hits == len(written) and len(resumed.rows) == len(full)


def test_a_bundle_with_nan_is_discarded_and_rebuilt(frame, tiny_original, tmp_path, capsys):
    first = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    (bundle,) = (tmp_path / SPEC.key() / "bundles").glob("*.npy")
    bad = np.load(bundle)
    bad[0, 0, 0] = np.nan
    np.save(bundle, bad)
    again = extract_features(frame, tiny_original.root, SPEC, cache_dir=tmp_path, progress=False)
    assert np.all(np.isfinite(again.x)) and np.array_equal(again.x, first.x)
    assert "discarded a damaged feature bundle" in capsys.readouterr().err
    assert np.all(np.isfinite(np.load(bundle)))  # rebuilt from the single entries


def test_a_read_only_cache_falls_back_to_no_cache_with_a_warning(frame, tiny_original, tmp_path,
                                                                 monkeypatch, capsys):
    real_access = os.access
    locked = tmp_path / "locked"

    def access(path, mode, *args, **kwargs):  # as root, chmod alone does not deny writes
        if str(path).startswith(str(locked)) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(cache.os, "access", access)
    fs = extract_features(frame, tiny_original.root, SPEC, cache_dir=locked, progress=False)
    assert len(fs.rows) == len(frame) and fs.hits == 0
    err = capsys.readouterr().err
    assert "cannot be used" in err and "continuing without a cache" in err


def test_a_cache_folder_that_cannot_be_created_is_a_warning(frame, tiny_original, tmp_path,
                                                            capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    fs = extract_features(frame.iloc[:2], tiny_original.root, SPEC, cache_dir=blocker / "c",
                          progress=False)
    assert len(fs.rows) == 2
    assert "continuing without a cache" in capsys.readouterr().err


def test_an_unreadable_file_is_reported_as_permission_denied(frame, tiny_original, tmp_path,
                                                             monkeypatch):
    from sermodels import audio

    target = str(tiny_original.root / frame["path"][0])
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(audio, "open", fake_open, raising=False)
    fs = extract_features(frame.iloc[:3], tiny_original.root, SPEC, use_cache=False,
                          progress=False)
    assert len(fs.rows) == 2 and "permission denied" in fs.report()
    assert "cannot decode" not in fs.report()


def test_automatic_workers_use_every_core_only_for_enough_clips(frame, tiny_original, tmp_path,
                                                                 monkeypatch):
    chosen = []

    class Spy(cache.Parallel):
        def __init__(self, n_jobs=None, **kwargs):
            chosen.append(n_jobs)
            super().__init__(n_jobs=1, **kwargs)

    monkeypatch.setattr(cache, "Parallel", Spy)
    assert len(frame) < cache.PARALLEL_FROM
    extract_features(frame, tiny_original.root, SPEC, use_cache=False, n_jobs=0, progress=False)
    monkeypatch.setattr(cache, "PARALLEL_FROM", 2)
    extract_features(frame, tiny_original.root, SPEC, use_cache=False, n_jobs=0, progress=False)
    assert chosen == [1, -1]


def test_workers_start_only_after_one_trial_extraction(frame, tiny_original, monkeypatch):
    calls = []
    monkeypatch.setattr(cache, "warm_up", lambda spec, recipes: calls.append((spec, recipes)))
    extract_features(frame, tiny_original.root, SPEC, use_cache=False, progress=False)
    assert calls == []  # one process: nothing can race
    recipe = {"steps": [{"name": "noise", "min_snr_db": 10, "max_snr_db": 10}], "seed": 1}
    recipes = [None, recipe] * (len(frame) // 2)
    extract_features(frame, tiny_original.root, SPEC, use_cache=False, n_jobs=2, progress=False,
                     recipes=recipes)
    assert len(calls) == 1 and calls[0][0] == SPEC and list(calls[0][1]) == recipes


def test_a_worker_that_dies_is_reported_as_such():
    def results():
        yield np.zeros(1), None, False
        raise cache.TerminatedWorkerError("A worker process managed by the executor was "
                                          "unexpectedly terminated.")

    with pytest.raises(cache.WorkerError, match=r"worker process died.*'mfcc40'.*--jobs 1"):
        list(cache._guarded(results(), SPEC))
