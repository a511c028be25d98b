"""Custom Keras layers used by the builders (serialisable with ``.keras`` files)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="sermodels")
class SoftAttention(keras.layers.Layer):
    """Soft attention pooling over time (paper 004, equations 5-6).

    ``e_t = tanh(W h_t + b)``, ``alpha = softmax(e)`` over time,
    ``v = sum_t alpha_t h_t``. Input ``(batch, time, features)``, output
    ``(batch, features)``. The weights ``alpha`` of the last call are available
    through :meth:`scores`.
    """

    def build(self, input_shape):
        features = int(input_shape[-1])
        self.w = self.add_weight(name="w", shape=(features, 1), initializer="glorot_uniform")
        self.b = self.add_weight(name="b", shape=(1,), initializer="zeros")
        super().build(input_shape)

    def scores(self, h):
        """Attention weights ``alpha``, shape ``(batch, time)``."""
        e = ops.tanh(ops.matmul(h, self.w) + self.b)[..., 0]
        return ops.softmax(e, axis=-1)

    def call(self, h):
        alpha = self.scores(h)
        return ops.sum(h * alpha[..., None], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
