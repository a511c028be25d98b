"""Paper 003 (CNN-BiLSTM with hybrid features): ``cnn2d_bilstm`` and ``cnn1d_bilstm_deep``."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from sermodels.models.paper002 import sequence_input
from sermodels.models.registry import register


@register("cnn1d_bilstm_deep")
def build_cnn1d_bilstm_deep(input_shape: Sequence[int], num_classes: int, *,
                            kernel_size: int = 5, units: int = 256,
                            pool_size: int = 8) -> keras.Model:
    """Paper 003, Table V: Conv1D 16 -> 32 -> 64 -> BatchNorm -> Conv1D 128 (kernel 5,
    'same', relu) -> MaxPool1D(8) -> BiLSTM(256) -> Dense(128, relu) -> BatchNorm ->
    Dense(64, relu) -> softmax.

    The table's layer names are garbled (a "Batch Normalization" row with 2,592
    parameters is the 32-filter convolution; the first row says k=3 but has the
    96 parameters of k=5), but its per-layer counts are self-consistent with
    kernel 5, 'same' padding and a (350, 1) input: 917,703 parameters for 7
    classes, which this builder reproduces. A 1-D input is read as one channel.
    """
    inputs, x = sequence_input(input_shape)
    for i, filters in enumerate((16, 32, 64), 1):
        x = layers.Conv1D(filters, kernel_size, padding="same", activation="relu",
                          name=f"conv{i}")(x)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.Conv1D(128, kernel_size, padding="same", activation="relu", name="conv4")(x)
    x = layers.MaxPooling1D(pool_size, name="pool")(x)
    x = layers.Bidirectional(layers.LSTM(units), name="bilstm")(x)
    x = layers.Dense(128, activation="relu", name="dense1")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.Dense(64, activation="relu", name="dense2")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="cnn1d_bilstm_deep")


@register("cnn2d_bilstm")
def build_cnn2d_bilstm(input_shape: Sequence[int], num_classes: int, *, units: int = 128,
                       dropout: float = 0.3) -> keras.Model:
    """Paper 003's 2-D CNN on 128 x 128 x 1 log-mel images: Conv2D(32, 3x3, same, relu) ->
    MaxPool 2x2 -> BatchNorm -> Conv2D(64, 3x3, same, relu) -> BatchNorm -> MaxPool 2x2 ->
    Dropout(0.3) -> (time steps x features) -> BiLSTM -> Dense(128) -> Dense(64) -> softmax.

    The paper does not give the BiLSTM width for this variant; ``units`` defaults to 128.
    Input ``(mel bands, frames, 1)``; time is the second axis.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="features")
    x = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Permute((2, 1, 3), name="time_first")(x)
    x = layers.Reshape((x.shape[1], x.shape[2] * x.shape[3]), name="as_sequence")(x)
    x = layers.Bidirectional(layers.LSTM(units), name="bilstm")(x)
    x = layers.Dense(128, activation="relu", name="dense1")(x)
    x = layers.Dense(64, activation="relu", name="dense2")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="cnn2d_bilstm")
