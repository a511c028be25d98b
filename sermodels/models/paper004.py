"""Paper 004 (CNN-BiLSTM-Attention): ``cnn_bilstm_attention``."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from sermodels.models.layers import SoftAttention
from sermodels.models.paper002 import sequence_input
from sermodels.models.registry import register


@register("cnn_bilstm_attention")
def build_cnn_bilstm_attention(
    input_shape: Sequence[int],
    num_classes: int,
    *,
    filters: Sequence[int] = (64, 128, 256),
    kernel_sizes: Sequence[int] = (3, 5, 7),
    units: int = 64,
    dropout: float = 0.3,
    batch_norm: bool = False,
    recurrent: str = "bilstm",
    attention: bool = True,
) -> keras.Model:
    """Paper 004: three Conv1D blocks (64 k3, 128 k5, 256 k7; PReLU; MaxPool 2; Dropout 0.3)
    -> BiLSTM(64, sequences) -> soft attention (eqs. 5-6) -> Dense 128 PReLU + Dropout 0.3
    -> Dense 64 PReLU + Dropout 0.3 -> softmax.

    The paper states about 240K parameters, but its own layer table gives more:
    with its (400, 42) input (13 MFCC + RMS, deltas, delta-deltas) this builder,
    which follows the table (PReLU slopes shared over time), has 469,192
    parameters for 7 classes. ``batch_norm=True`` adds batch normalisation
    after each convolution (not in the paper).

    ``recurrent`` (``"bilstm"``, ``"lstm"`` or ``"none"``) and ``attention`` build the
    steps of the paper's ablation ladder A1-A5 (without attention the last
    recurrent state is used; with neither, global average pooling over time).
    """
    if recurrent not in ("bilstm", "lstm", "none"):
        raise ValueError(f"recurrent must be bilstm, lstm or none, got {recurrent!r}")
    inputs, x = sequence_input(input_shape)
    for i, (n, k) in enumerate(zip(filters, kernel_sizes, strict=True), 1):
        x = layers.Conv1D(n, k, padding="same", name=f"conv{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.PReLU(shared_axes=[1], name=f"prelu{i}")(x)
        x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    if recurrent == "bilstm":
        x = layers.Bidirectional(layers.LSTM(units, return_sequences=attention), name="bilstm")(x)
    elif recurrent == "lstm":
        x = layers.LSTM(units, return_sequences=attention, name="lstm")(x)
    if attention:
        x = SoftAttention(name="attention")(x)
    elif recurrent == "none":
        x = layers.GlobalAveragePooling1D(name="time_pool")(x)
    for i, n in enumerate((128, 64), 1):
        x = layers.Dense(n, name=f"dense{i}")(x)
        x = layers.PReLU(name=f"dense{i}_prelu")(x)
        x = layers.Dropout(dropout, name=f"dense{i}_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="cnn_bilstm_attention")
