"""Paper 002 (CNN-BiLSTM on TESS) and its recurrent baselines: ``cnn_bilstm``, ``lstm``,
``bilstm``, ``gru``, ``cnn_gru``.

Paper 002 feeds a time-pooled log-mel vector read as a one-channel sequence
(its 58,503 parameters are reached only with a kernel of 3 on a single
channel), so these builders accept a 1-D input and add the channel axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from sermodels.models.registry import register


def sequence_input(input_shape: Sequence[int]):
    """``(inputs, x)`` with ``x`` of shape ``(steps, channels)``: 1-D inputs become one channel."""
    inputs = keras.Input(shape=tuple(input_shape), name="features")
    x = layers.Reshape((int(input_shape[0]), 1), name="as_sequence")(inputs) \
        if len(input_shape) == 1 else inputs
    return inputs, x


def head(x, num_classes: int, dense_units: int = 64):
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    return layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)


def _conv_front(x, filters: int, kernel_size: int, dropout: float):
    x = layers.Conv1D(filters, kernel_size, activation="relu", padding="same", name="conv")(x)
    x = layers.MaxPooling1D(2, name="pool")(x)
    return layers.Dropout(dropout, name="dropout")(x)


@register("cnn_bilstm")
def build_cnn_bilstm(input_shape: Sequence[int], num_classes: int, *, filters: int = 32,
                     kernel_size: int = 3, units: int = 64, dropout: float = 0.5,
                     dense_units: int = 64) -> keras.Model:
    """Paper 002: Conv1D(32, k3) -> MaxPool1D -> Dropout(0.5) -> BiLSTM(64 per direction)
    -> Dense(64, relu) -> softmax. With a 1-channel input and 7 classes: 58,503 parameters."""
    inputs, x = sequence_input(input_shape)
    x = _conv_front(x, filters, kernel_size, dropout)
    x = layers.Bidirectional(layers.LSTM(units), name="bilstm")(x)
    return keras.Model(inputs, head(x, num_classes, dense_units), name="cnn_bilstm")


@register("cnn_gru")
def build_cnn_gru(input_shape: Sequence[int], num_classes: int, *, filters: int = 32,
                  kernel_size: int = 3, units: int = 64, dropout: float = 0.5,
                  dense_units: int = 64) -> keras.Model:
    """Paper 002's CNN-GRU baseline: the CNN-BiLSTM with a GRU(64) in place of the BiLSTM."""
    inputs, x = sequence_input(input_shape)
    x = _conv_front(x, filters, kernel_size, dropout)
    x = layers.GRU(units, name="gru")(x)
    return keras.Model(inputs, head(x, num_classes, dense_units), name="cnn_gru")


@register("lstm")
def build_lstm(input_shape: Sequence[int], num_classes: int, *, units: int = 64,
               dense_units: int = 64) -> keras.Model:
    """Paper 002's LSTM baseline: LSTM(64) -> Dense(64, relu) -> softmax."""
    inputs, x = sequence_input(input_shape)
    x = layers.LSTM(units, name="lstm")(x)
    return keras.Model(inputs, head(x, num_classes, dense_units), name="lstm")


@register("bilstm")
def build_bilstm(input_shape: Sequence[int], num_classes: int, *, units: int = 64,
                 dense_units: int = 64) -> keras.Model:
    """Paper 002's BiLSTM baseline: BiLSTM(64 per direction) -> Dense(64, relu) -> softmax."""
    inputs, x = sequence_input(input_shape)
    x = layers.Bidirectional(layers.LSTM(units), name="bilstm")(x)
    return keras.Model(inputs, head(x, num_classes, dense_units), name="bilstm")


@register("gru")
def build_gru(input_shape: Sequence[int], num_classes: int, *, units: int = 64,
              dense_units: int = 64) -> keras.Model:
    """Paper 002's GRU baseline: GRU(64) -> Dense(64, relu) -> softmax."""
    inputs, x = sequence_input(input_shape)
    x = layers.GRU(units, name="gru")(x)
    return keras.Model(inputs, head(x, num_classes, dense_units), name="gru")
