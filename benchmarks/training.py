"""Training throughput and inference latency of paper 000's CNN-LSTM on CPU.

Prints one JSON object:

* ``fit_baseline_samples_per_s``: plain ``model.fit(numpy_array, ...)`` of the architecture;
* ``sermodels_samples_per_s``: the same architecture through sermodels' training input
  pipeline (``tf.data``: shuffle, batch, prefetch; class weights);
* ``latency_model_ms_median``: one 3-second clip's features through the compiled model;
* ``latency_file_ms_median``: file to probabilities (decode, resample, MFCC, normalise,
  model) with :class:`sermodels.inference.Predictor`.

Throughput is measured on epochs 2..N (epoch 1 includes graph tracing) over
2,000 synthetic three-second clips; ``sermodels_epoch_s`` lists every epoch, so that a
stall between epochs (tf.data's autotuner once cost 3-4 s on every other epoch) shows.
Usage: ``python benchmarks/training.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
from common import make_clips

from sermodels import manifest
from sermodels.audio import load_audio
from sermodels.features import get_spec
from sermodels.inference import Predictor
from sermodels.seeding import seed_everything
from sermodels.training import TrainConfig, _onehot, compile_model, fit, prepare, train


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    spec = get_spec("mfcc40")  # 40 MFCCs x 301 frames (3 s), as in the main job
    config = TrainConfig(model="cnn_lstm", epochs=args.epochs, verbose=0, patience=100,
                         class_weights=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        frame = make_clips(tmp / "data", args.clips)
        frame = manifest.assign_splits(frame)
        seed_everything(0)
        prep = prepare(frame, tmp / "data", spec, config, cache_dir=tmp / "cache", n_jobs=2)
        n_train = len(prep.train_x)

        # baseline: plain fit on numpy arrays
        model = compile_model(config, prep.x.shape[1:], prep.label_set.num_classes)
        timer = EpochTimer()
        model.fit(prep.train_x, _onehot(prep.train_y, prep.label_set.num_classes),
                  batch_size=config.batch_size, epochs=args.epochs, verbose=0,
                  callbacks=[timer])
        baseline = n_train / float(np.mean(timer.times[1:]))

        # sermodels: the training routine's own fit (tf.data pipeline, class weights, callbacks)
        timer = EpochTimer()
        original = keras.Model.fit

        def timed_fit(self, *a, **kw):
            kw["callbacks"] = [*kw.get("callbacks", []), timer]
            return original(self, *a, **kw)

        keras.Model.fit = timed_fit
        try:
            fit(prep, config)
        finally:
            keras.Model.fit = original
        ours = n_train / float(np.mean(timer.times[1:]))
        ours_epochs = timer.times

        # latency: a run folder, then model-only and file-to-probabilities
        small = frame.groupby("split").head(40)
        result = train(small, tmp / "data", spec, TrainConfig(model="cnn_lstm", epochs=1,
                                                              verbose=0),
                       run_dir=tmp / "run", cache_dir=tmp / "cache")
        predictor = Predictor(result.run_dir)
        clip = str(tmp / "data" / frame["path"].iloc[0])
        y = load_audio(clip, predictor.spec.audio)
        x = predictor.features(y)[None]
        model_times, file_times = [], []
        for _ in range(5):  # warm-up (tracing)
            predictor.predict_features(x)
            predictor.predict_file(clip)
        for _ in range(100):
            start = time.perf_counter()
            predictor.predict_features(x)
            model_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            predictor.predict_file(clip)
            file_times.append(time.perf_counter() - start)
    print(json.dumps({
        "clips": args.clips, "train_samples": n_train, "batch_size": config.batch_size,
        "model": "cnn_lstm", "input_shape": list(prep.x.shape[1:]),
        "fit_baseline_samples_per_s": round(baseline, 1),
        "sermodels_samples_per_s": round(ours, 1),
        "sermodels_vs_baseline": round(ours / baseline, 3),
        "fit_baseline_s_per_epoch": round(n_train / baseline, 2),
        "sermodels_s_per_epoch": round(n_train / ours, 2),
        "sermodels_epoch_s": [round(t, 2) for t in ours_epochs],
        "latency_model_ms_median": round(1000 * float(np.median(model_times)), 2),
        "latency_file_ms_median": round(1000 * float(np.median(file_times)), 2),
        "cpu_count": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
