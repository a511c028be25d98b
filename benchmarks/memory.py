"""Memory of feature extraction at corpus scale: 12,000 three-second clips, 2 workers.

Writes 500 distinct synthetic clips, hard-links them under 12,000 distinct paths
(each path is a separate cache entry, so every clip is really extracted), and
extracts paper 000's features (40 MFCCs, 301 frames) with an empty cache while
a thread samples the resident memory (RSS) of this process and of its worker
processes. Prints one JSON object. Usage: ``python benchmarks/memory.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from common import PeakRSS, make_clips

from sermodels.cache import extract_features
from sermodels.features import get_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=12_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    spec = get_spec("paper000")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = make_clips(tmp / "data", 500)
        rows = []
        for i in range(args.clips):
            src = base.iloc[i % len(base)]
            rel = f"links/{i:05d}_{Path(src['path']).name}"
            (tmp / "data" / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(tmp / "data" / src["path"], tmp / "data" / rel)
            rows.append({**src.to_dict(), "path": rel})
        import pandas as pd

        frame = pd.DataFrame(rows)
        with PeakRSS() as rss:
            start = time.perf_counter()
            fs = extract_features(frame, tmp / "data", spec, cache_dir=tmp / "cache",
                                  n_jobs=args.jobs, progress=False)
            elapsed = time.perf_counter() - start
        assert len(fs.rows) == args.clips, fs.report()
        print(json.dumps({
            "clips": args.clips,
            "clip_seconds": 3.0,
            "workers": args.jobs,
            "feature_shape": list(fs.x.shape[1:]),
            "features_mb": round(fs.x.nbytes / 2**20, 1),
            "peak_rss_main_mb": round(rss.peak_main / 2**20, 1),
            "peak_rss_total_mb": round(rss.peak_total / 2**20, 1),
            "seconds": round(elapsed, 1),
            "measured_with": "psutil RSS of this process + its worker processes, sampled every 0.1 s",
        }, indent=2))


if __name__ == "__main__":
    main()
