"""Feature-extraction speed: sermodels' cached, parallel extraction against the papers' naive loop.

Prints one JSON object: clips per second for

* ``naive_clips_per_s``: ``librosa.load(path, sr=22050)`` + ``librosa.feature.mfcc`` per
  file, the loop of the papers' notebooks;
* ``cold_1worker_clips_per_s`` / ``cold_2workers_clips_per_s``: sermodels with an empty
  cache and 1 or 2 worker processes (load, check, resample, MFCC, cache write);
* ``warm_clips_per_s``: sermodels again with the cache filled.

All on the same synthetic clips (default 500, three seconds, at the corpora's
native rates). Usage: ``python benchmarks/features.py [--clips 500]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import librosa  # noqa: E402
from common import make_clips  # noqa: E402

from sermodels.cache import extract_features  # noqa: E402
from sermodels.features import get_spec  # noqa: E402


def naive(paths) -> float:
    start = time.perf_counter()
    for path in paths:
        y, sr = librosa.load(path, sr=22050)
        librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40)
    return time.perf_counter() - start


def ours(frame, root, spec, cache_dir, n_jobs) -> float:
    start = time.perf_counter()
    fs = extract_features(frame, root, spec, cache_dir=cache_dir, n_jobs=n_jobs, progress=False)
    elapsed = time.perf_counter() - start
    assert len(fs.rows) == len(frame), fs.report()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=500)
    args = parser.parse_args()
    spec = get_spec("mfcc40")  # 40 MFCCs, 25 ms / 10 ms, 22,050 Hz, 3 s
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        frame = make_clips(tmp / "data", args.clips)
        paths = [str(tmp / "data" / p) for p in frame["path"]]
        n = len(frame)
        # warm-up of both sides: imports, JIT compilation, and the (reused) worker processes
        naive(paths[:5])
        extract_features(frame.iloc[:5], tmp / "data", spec, use_cache=False, progress=False)
        extract_features(frame.iloc[:8], tmp / "data", spec, use_cache=False, n_jobs=2,
                         progress=False)
        t_naive = naive(paths)
        t_cold1 = ours(frame, tmp / "data", spec, tmp / "cache1", 1)
        t_cold2 = ours(frame, tmp / "data", spec, tmp / "cache2", 2)
        t_warm = ours(frame, tmp / "data", spec, tmp / "cache2", 1)
    result = {
        "clips": n,
        "clip_seconds": 3.0,
        "cpu_count": os.cpu_count(),
        "naive_clips_per_s": round(n / t_naive, 1),
        "cold_1worker_clips_per_s": round(n / t_cold1, 1),
        "cold_2workers_clips_per_s": round(n / t_cold2, 1),
        "warm_clips_per_s": round(n / t_warm, 1),
    }
    result["speedup_cold_2workers_vs_naive"] = round(t_naive / t_cold2, 2)
    result["speedup_warm_vs_cold_2workers"] = round(t_cold2 / t_warm, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
