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


@keras.saving.register_keras_serializable(package="sermodels")
class GradientReversal(keras.layers.Layer):
    """The identity going forward; the gradient times ``-scale`` going back.

    Ganin and Lempitsky's gradient reversal (2015): a classifier of a nuisance (here the
    speaker) placed after this layer learns to predict it, while the layers before it
    learn to make it unpredictable. Written as ``stop_gradient((1 + s) x) - s x`` so it
    works on every Keras backend.
    """

    def __init__(self, scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, x):
        return ops.stop_gradient((1.0 + self.scale) * x) - self.scale * x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
