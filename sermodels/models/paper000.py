"""Paper 000 (1D-CNN-LSTM on a four-corpus fusion, Table 6): ``dnn``, ``cnn1d``, ``cnn_lstm``."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from sermodels.models.registry import register


def _head(x, num_classes: int):
    return layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)


@register("cnn_lstm")
def build_cnn_lstm(
    input_shape: Sequence[int],
    num_classes: int,
    *,
    lstm_layers: int = 2,
    kernel_size: int = 3,
    filters: Sequence[int] = (64, 128),
    lstm_units: int = 256,
    dense_units: int = 64,
    dropout: float = 0.3,
) -> keras.Model:
    """Paper 000's hybrid: Conv1D(64,k3) -> MaxPool -> Conv1D(128,k3) -> MaxPool ->
    LSTM(256, sequences) -> LSTM(128) -> Dense(64, relu) -> Dropout(0.3) -> softmax.

    With 40 MFCCs per frame this has 632,519 parameters for 7 classes (the paper
    says "about 620K"). ``lstm_layers`` and ``kernel_size`` are the knobs of its
    ablations (depth 1/2/3/5, kernel 2/3/5/7): the first LSTM has ``lstm_units``
    units, every later one half as many.

    Args:
        input_shape: ``(frames, features)``.
        num_classes: number of emotions.
    """
    if lstm_layers < 1:
        raise ValueError("lstm_layers must be at least 1")
    inputs = keras.Input(shape=tuple(input_shape), name="features")
    x = inputs
    for i, n in enumerate(filters, 1):
        x = layers.Conv1D(n, kernel_size, activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
    for i in range(lstm_layers):
        units = lstm_units if i == 0 else lstm_units // 2
        x = layers.LSTM(units, return_sequences=i < lstm_layers - 1, name=f"lstm{i + 1}")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, _head(x, num_classes), name="cnn_lstm")


@register("cnn1d")
def build_cnn1d(
    input_shape: Sequence[int],
    num_classes: int,
    *,
    filters: Sequence[int] = (256, 128, 128),
    kernel_size: int = 3,
    dense_units: Sequence[int] = (64, 32),
    dropout: float = 0.0,
) -> keras.Model:
    """Paper 000's 1D-CNN: three Conv1D + MaxPool1D blocks -> Flatten -> Dense -> softmax.

    Table 6 lists neurons 256 -> 128 -> 128 -> 64 -> 32; the parameter count
    (the paper says about 380K) depends on the number of frames through Flatten.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="features")
    x = inputs
    for i, n in enumerate(filters, 1):
        x = layers.Conv1D(n, kernel_size, activation="relu", padding="same", name=f"conv{i}")(x)
        x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    for i, n in enumerate(dense_units, 1):
        x = layers.Dense(n, activation="relu", name=f"dense{i}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, _head(x, num_classes), name="cnn1d")


@register("dnn")
def build_dnn(
    input_shape: Sequence[int],
    num_classes: int,
    *,
    units: int = 50,
    layers_count: int = 7,
    dropout: float = 0.0,
) -> keras.Model:
    """Paper 000's DNN: the input flattened, seven Dense(50, relu) layers, softmax.

    Table 6 lists 50 -> 50 -> 50 -> 50 -> 50 -> 50 -> 50; the paper's "about
    210K" parameters is reached only with a flattened frame sequence as input
    (e.g. 40 MFCCs x ~100 frames); on pooled features it is far smaller.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="features")
    x = layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for i in range(1, layers_count + 1):
        x = layers.Dense(units, activation="relu", name=f"dense{i}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, _head(x, num_classes), name="dnn")
