"""TFLite export of a trained run (paper 001's deployment by quantisation), checked against Keras.

The model is exported with a fixed batch of one (what a device runs), converted
with optional dynamic-range or float16 quantisation, and compared with the Keras
model on held-out clips of the run's test split: top-1 agreement and the largest
probability difference, next to file sizes and per-clip latencies.

Example:
    >>> report = export_tflite("sermodels_runs/RUN", quantize="dynamic")   # doctest: +SKIP
    >>> report["top1_agreement"]                                           # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from sermodels import runs
from sermodels.audio import AudioError, load_audio
from sermodels.errors import UsageError
from sermodels.inference import Predictor, median_ms
from sermodels.runs import RunFolderError

QUANTIZATIONS = (None, "dynamic", "float16")


def convert(model, input_shape, quantize: str | None = None) -> bytes:
    """Convert a Keras model to a TFLite flatbuffer (batch of one)."""
    import keras
    import tensorflow as tf

    if quantize not in QUANTIZATIONS:
        raise ValueError(f"quantize must be one of dynamic, float16 or None, got {quantize!r}")
    with tempfile.TemporaryDirectory() as tmp:
        model.export(tmp, format="tf_saved_model", verbose=False,
                     input_signature=[keras.InputSpec(shape=(1, *input_shape), dtype="float32")])
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        if quantize:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


class TFLiteModel:
    """A TFLite flatbuffer behind ``predict(batch) -> probabilities`` (one clip at a time)."""

    def __init__(self, content: bytes) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # TensorFlow's own interpreter (deprecated there, still shipped)
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter  # noqa: N806
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.interpreter = Interpreter(model_content=content)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.output = self.interpreter.get_output_details()[0]["index"]

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = []
        for item in np.asarray(x, dtype=np.float32):
            self.interpreter.set_tensor(self.input, item[None])
            self.interpreter.invoke()
            out.append(self.interpreter.get_tensor(self.output)[0])
        return np.asarray(out, dtype=np.float64)


def export_tflite(run_dir: str | os.PathLike, *, quantize: str | None = None,
                  out: str | os.PathLike | None = None, clips: int = 50,
                  data_root: str | os.PathLike | None = None) -> dict:
    """Write ``model[-quantize].tflite`` into the run folder and check it against the Keras model.

    Args:
        run_dir: a run folder with a Keras model.
        quantize: ``None``, ``"dynamic"`` (int8 weights) or ``"float16"``.
        out: output path (default: inside the run folder).
        clips: held-out test clips used for the agreement check.
        data_root: where the run's audio is (default: the one recorded in the run).

    Returns:
        Sizes, latencies, top-1 agreement and max probability difference (also ``export.json``).
    """
    predictor = Predictor(run_dir)
    run = predictor.run
    if not predictor.classifier.is_keras:
        raise UsageError(f"{run.path}: only Keras models can be exported to TFLite")
    root = data_root or run.read_config().get("data_root")
    if not root:
        raise RunFolderError(f"{run.config_path}: no data_root recorded; say where the audio is "
                         "(data_root, --data-root)")
    root = Path(root)
    split = run.read_split()
    test = split[split["split"] == "test"].head(clips)
    feats = []
    for rel in test["path"]:
        try:
            feats.append(predictor.features(load_audio(root / rel, predictor.spec.audio)))
        except AudioError:
            continue
    if not feats:
        raise ValueError(f"{run.path}: no held-out test clip could be read under {root}")
    x = np.stack(feats).astype(np.float32)
    content = convert(predictor.model, x.shape[1:], quantize)
    tflite_path, report_path = run.export_paths(quantize)
    out = Path(out) if out else tflite_path
    out.write_bytes(content)
    lite = TFLiteModel(content)
    keras_proba = predictor.predict_features(x)
    lite_proba = lite.predict(x)
    report = {
        "tflite_path": str(out), "quantize": quantize or "none",
        "keras_size_kb": round(run.keras_model_path.stat().st_size / 1024, 1),
        "tflite_size_kb": round(len(content) / 1024, 1),
        "keras_latency_ms": round(median_ms(predictor.predict_features, x[:1]), 3),
        "tflite_latency_ms": round(median_ms(lite.predict, x[:1]), 3),
        "clips_checked": int(len(x)),
        "top1_agreement": float((keras_proba.argmax(1) == lite_proba.argmax(1)).mean()),
        "max_probability_difference": float(np.abs(keras_proba - lite_proba).max()),
    }
    if predictor.fused is not None:
        report["note"] = ("the network only: this run's classical fusion member (fused/) is "
                          "not part of the TFLite model")
    runs.write_json(report_path, report)
    return report

