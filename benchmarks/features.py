"""Feature-extraction speed: sermodels' cached, parallel extraction against the papers' naive loop.

Prints one JSON object: clips per second for

* ``naive_clips_per_s``: ``librosa.load(path, sr=22050)`` + ``librosa.feature.mfcc`` per
  file, the loop of the papers' notebooks;
* ``cold_1worker_clips_per_s`` / ``cold_2workers_clips_per_s``: sermodels with an empty
  cache and 1 or 2 worker processes (load, check, resample, MFCC, cache write);
* ``warm_clips_per_s``: sermodels again with the cache filled.

and, per worker (1 process, cold cache), the recommended recipe's spec next to MFCC-40:

* ``mfcc40_clips_per_s``: 40 MFCCs (the papers' feature);
* ``recommended_plain_clips_per_s``: the recommended spec (64 log-mel + pitch + RMS + ZCR
  with deltas, 16 kHz; pitch tracked at 4 kHz) on plain clips;
* ``recommended_copies_clips_per_s``: the same on the recipe's perturbation copies (speed
  perturbation by soxr resampling);
* ``recommended_v1_plain_clips_per_s`` / ``recommended_v1_copies_clips_per_s``: the recipe's
  first version (YIN at 16 kHz; librosa pitch shift + time stretch copies), for comparison.

All on the same clips: synthetic (default 500, three seconds, at the corpora's native
rates), or the first ``--clips`` files of a real corpus with ``--data-root``.
Usage: ``python benchmarks/features.py [--clips 500] [--data-root DIR]``.
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

from sermodels import augment, manifest, presets  # noqa: E402
from sermodels.cache import extract_features  # noqa: E402
from sermodels.features import get_spec  # noqa: E402

V1_AUGMENT = [{"name": "pitch_shift", "min_semitones": -2.0, "max_semitones": 2.0},
              {"name": "time_stretch", "min_rate": 0.9, "max_rate": 1.1}]


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


def per_worker(frame, root, spec, cache_dir, steps=None) -> float:
    """Clips per second of one worker with a cold cache (``steps``: perturbation copies)."""
    if steps:
        frame = augment.augmentation_plan(frame.assign(split="train"),
                                          augment.Chain.from_list(steps), copies=1)
    extract_features(frame.iloc[:3], root, spec, use_cache=False, progress=False)  # warm-up
    return round(len(frame) / ours(frame, root, spec, cache_dir, 1), 1)


def recipe_speeds(frame, root, tmp: Path) -> dict:
    """Per-worker speed of MFCC-40 and of the recommended spec, plain and perturbed."""
    recommended = presets.get("recommended")
    spec = recommended.feature_spec
    v1 = get_spec(spec, pitch_rate=None)
    return {
        "mfcc40_clips_per_s": per_worker(frame, root, get_spec("mfcc40"), tmp / "c1"),
        "recommended_plain_clips_per_s": per_worker(frame, root, spec, tmp / "c2"),
        "recommended_copies_clips_per_s": per_worker(frame, root, spec, tmp / "c3",
                                                     recommended.config.augment),
        "recommended_v1_plain_clips_per_s": per_worker(frame, root, v1, tmp / "c4"),
        "recommended_v1_copies_clips_per_s": per_worker(frame, root, v1, tmp / "c5", V1_AUGMENT),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--data-root", type=Path, default=None,
                        help="use the first --clips files of the corpora found here")
    args = parser.parse_args()
    spec = get_spec("mfcc40")  # 40 MFCCs, 25 ms / 10 ms, 22,050 Hz, 3 s
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.data_root:
            root = args.data_root
            frame, _ = manifest.build_manifest(root)
            frame = frame.sample(n=min(args.clips, len(frame)), random_state=0)
        else:
            root = tmp / "data"
            frame = make_clips(root, args.clips)
        frame = frame.reset_index(drop=True)
        paths = [str(Path(root) / p) for p in frame["path"]]
        n = len(frame)
        # warm-up of both sides: imports, JIT compilation, and the (reused) worker processes
        naive(paths[:5])
        extract_features(frame.iloc[:5], root, spec, use_cache=False, progress=False)
        extract_features(frame.iloc[:8], root, spec, use_cache=False, n_jobs=2, progress=False)
        t_naive = naive(paths)
        t_cold1 = ours(frame, root, spec, tmp / "cache1", 1)
        t_cold2 = ours(frame, root, spec, tmp / "cache2", 2)
        t_warm = ours(frame, root, spec, tmp / "cache2", 1)
        speeds = recipe_speeds(frame, root, tmp)
    result = {
        "clips": n,
        "source": "real files under --data-root" if args.data_root else "synthetic, 3 s",
        "load_average": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
        "naive_clips_per_s": round(n / t_naive, 1),
        "cold_1worker_clips_per_s": round(n / t_cold1, 1),
        "cold_2workers_clips_per_s": round(n / t_cold2, 1),
        "warm_clips_per_s": round(n / t_warm, 1),
    }
    result["speedup_cold_2workers_vs_naive"] = round(t_naive / t_cold2, 2)
    result["speedup_warm_vs_cold_2workers"] = round(t_cold2 / t_warm, 1)
    result.update(speeds)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
