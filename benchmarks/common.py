"""Helpers shared by the benchmark scripts (run them from the repository root)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sermodels import manifest, synthetic  # noqa: E402


def make_clips(root: Path, clips: int, seconds: float = 3.0, seed: int = 1):
    """At least ``clips`` synthetic utterances of about ``seconds``; returns ``clips`` manifest rows."""
    per_speaker_emotion = 10 * 6 + 8 * 8 + 2 * 7 + 4 * 8  # files per unit of Size.per_emotion
    size = synthetic.Size({"cremad": 10, "ravdess": 8, "tess": 2, "savee": 4},
                          max(1, -(-clips // per_speaker_emotion)), seconds)
    synthetic.generate(root, size=size, seed=seed, mess=False, progress=False)
    frame, _ = manifest.build_manifest(root)
    return frame.sample(n=min(clips, len(frame)), random_state=0).reset_index(drop=True)


class PeakRSS:
    """Samples the resident memory of this process and all its children (psutil) in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        import psutil

        self._proc = psutil.Process()
        self.interval = interval
        self.peak_total = 0
        self.peak_main = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        main = self._proc.memory_info().rss
        total = main
        for child in self._proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except Exception:  # noqa: BLE001 - a worker may exit between listing and reading
                pass
        self.peak_main = max(self.peak_main, main)
        self.peak_total = max(self.peak_total, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._sample()
        self._stop.set()
        self._thread.join()
