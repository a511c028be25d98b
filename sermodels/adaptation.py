"""Test-time adaptation to a speaker: batch-norm statistics re-estimated on their clips (AdaBN).

A network trained on some speakers meets a new one whose features, even after per-speaker
normalisation of the inputs, shift the activations inside the network. AdaBN (Li et al.,
2016, "Revisiting batch normalization for practical domain adaptation") replaces each batch
normalisation layer's moving mean and variance by the statistics of the new speaker's own
clips, layer by layer (each after the layers before it), with no label and no training.

Example:
    >>> proba = predict_adapted(model, x_test, speakers, tta=3)    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

MIN_CLIPS = 10  # a speaker with fewer clips keeps the training statistics


def batchnorm_layers(model, names: Sequence[str] | None = None) -> list:
    """The model's ``BatchNormalization`` layers in graph order (only ``names``, if given).

    Raises:
        ValueError: a name in ``names`` is not a batch-norm layer of the model.
    """
    from keras import layers

    found = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    if names is None:
        return found
    known = {layer.name for layer in found}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"{model.name} has no batch-norm layer named {unknown} "
                         f"(it has {sorted(known)})")
    return [layer for layer in found if layer.name in set(names)]


@contextmanager
def adapted(model, x: np.ndarray, names: Sequence[str] | None = None,
            batch_size: int = 256) -> Iterator:
    """Inside the block, ``model``'s batch norms use the statistics of ``x`` (one speaker).

    Each chosen layer's moving mean and variance become the mean and (population) variance
    of its inputs on ``x``, over every axis but the features (items, and frames for
    convolutional blocks), computed in graph order so that later layers see the adapted
    earlier ones. The training statistics are put back on leaving the block.

    Args:
        model: a functional ``keras.Model``.
        x: the speaker's normalised features ``(n, ...)``.
        names: batch-norm layers to adapt (default: all of them).
        batch_size: items per forward pass.
    """
    import keras

    chosen = batchnorm_layers(model, names)
    saved = [(layer, keras.ops.convert_to_numpy(layer.moving_mean),
              keras.ops.convert_to_numpy(layer.moving_variance)) for layer in chosen]
    try:
        for layer in chosen:
            probe = keras.Model(model.input, layer.input)
            h = np.concatenate([keras.ops.convert_to_numpy(probe(x[i:i + batch_size],
                                                                 training=False))
                                for i in range(0, len(x), batch_size)]).astype(np.float64)
            h = h.reshape(-1, h.shape[-1])
            layer.moving_mean.assign(h.mean(axis=0).astype(np.float32))
            layer.moving_variance.assign(h.var(axis=0).astype(np.float32))
        yield model
    finally:
        for layer, mean, variance in saved:
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(variance)


def predict_adapted(model, x: np.ndarray, speakers: Sequence | None, tta: int = 0, *,
                    names: Sequence[str] | None = None,
                    min_clips: int = MIN_CLIPS) -> np.ndarray:
    """Class probabilities with the batch norms adapted to each speaker in turn.

    Args:
        model: a Keras model (or its :class:`~sermodels.models.classifier.KerasClassifier`).
        x: normalised features ``(n, ...)``.
        speakers: one speaker key per item (``None``: all items are one speaker).
        tta: test-time crops, as :meth:`Classifier.predict_proba`.
        names: batch-norm layers to adapt (default: all).
        min_clips: a speaker with fewer items is predicted with the training statistics.

    Returns:
        ``(n, num_classes)`` float64 probabilities.
    """
    from sermodels.features import speaker_groups
    from sermodels.models.classifier import KerasClassifier, as_classifier

    classifier = as_classifier(model)
    if not isinstance(classifier, KerasClassifier):
        raise TypeError("batch-norm adaptation needs a Keras model, got a classical one")
    keys = speaker_groups(speakers, len(x))
    proba = None
    for key in np.unique(keys):
        idx = np.flatnonzero(keys == key)
        if len(idx) < min_clips:
            part = classifier.predict_proba(x[idx], tta)
        else:
            with adapted(classifier.model, x[idx], names):
                part = classifier.predict_proba(x[idx], tta)
        if proba is None:
            proba = np.zeros((len(x), part.shape[1]))
        proba[idx] = part
    return proba
