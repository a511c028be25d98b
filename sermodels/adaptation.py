"""Test-time adaptation to a speaker, from their unlabelled clips.

A network trained on some speakers meets a new one whose features, even after per-speaker
normalisation of the inputs, shift the activations inside the network. Two ways to use the
new speaker's own clips, with no label and no training:

* AdaBN (Li et al., 2016, "Revisiting batch normalization for practical domain adaptation")
  replaces each batch normalisation layer's moving mean and variance by the statistics of the
  speaker's clips, layer by layer (each after the layers before it): :func:`predict_adapted`.
* Label spreading (Zhou et al., 2004, "Learning with local and global consistency") smooths
  the predicted probabilities over a nearest-neighbour graph of the speaker's clips, so that
  clips which sound alike get alike answers: :func:`spread_labels`.

Example:
    >>> proba = predict_adapted(model, x_test, speakers, tta=3)    # doctest: +SKIP
    >>> proba = spread_labels(proba, embeddings, speakers)         # doctest: +SKIP
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


def activations(model, tensor, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The values of ``tensor`` (any tensor of ``model``'s graph, e.g. a layer's input or
    output) on ``x``, in inference mode, ``batch_size`` items per forward pass."""
    import keras

    probe = keras.Model(model.input, tensor)
    return np.concatenate([keras.ops.convert_to_numpy(probe(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)])


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
            h = activations(model, layer.input, x, batch_size).astype(np.float64)
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


SPREAD_ALPHA = 0.5  # label spreading: the share of the neighbours' answers (0: none)
SPREAD_NEIGHBOURS = 10  # label spreading: neighbours of each clip in its speaker's graph


def spread_labels(proba: np.ndarray, x: np.ndarray, speakers: Sequence | None = None, *,
                  alpha: float = SPREAD_ALPHA, neighbours: int = SPREAD_NEIGHBOURS,
                  min_clips: int = MIN_CLIPS) -> np.ndarray:
    """Each speaker's class probabilities smoothed over their own clips (label spreading).

    For one speaker's ``n`` clips: ``W`` is the symmetric ``neighbours``-nearest-neighbour
    graph of the clips' vectors (cosine distance), ``S = D^-1/2 W D^-1/2`` and the answer is
    ``(1 - alpha) (I - alpha S)^-1 proba``, rows scaled to sum to one: the closed form of Zhou
    et al. (2004) with the predictions as the initial labels. ``alpha`` is the weight of what
    the neighbours say against what a clip says alone. No label is used.

    Args:
        proba: ``(n, num_classes)`` probabilities (e.g. a fused run's).
        x: ``(n, ...)`` one vector per clip in which neighbours are found (flattened), e.g.
            per-speaker normalised functionals or a network's penultimate activations.
        speakers: one speaker key per clip (``None``: all clips are one speaker).
        alpha: from 0 (``proba`` unchanged) to below 1.
        neighbours: neighbours per clip (at most the speaker's other clips).
        min_clips: a speaker with fewer clips keeps ``proba``.

    Returns:
        ``(n, num_classes)`` float64 probabilities.

    Raises:
        ValueError: shapes that do not match, ``alpha`` outside ``[0, 1)``, ``neighbours`` < 1
            or non-finite input.
    """
    from sklearn.neighbors import kneighbors_graph

    from sermodels.features import speaker_groups

    proba = np.asarray(proba, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    if proba.ndim != 2 or len(proba) != len(x):
        raise ValueError(f"need one probability row per vector: got {proba.shape} and {x.shape}")
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must be in [0, 1), got {alpha}")
    if neighbours < 1:
        raise ValueError(f"neighbours must be at least 1, got {neighbours}")
    if not (np.isfinite(proba).all() and np.isfinite(x).all()):
        raise ValueError("label spreading needs finite probabilities and vectors")
    keys = speaker_groups(speakers, len(x))
    out = proba.copy()
    if alpha == 0.0:
        return out
    for key in np.unique(keys):
        idx = np.flatnonzero(keys == key)
        if len(idx) < max(min_clips, 2):
            continue
        graph = kneighbors_graph(x[idx], min(neighbours, len(idx) - 1), metric="cosine",
                                 include_self=False).toarray()
        graph = np.maximum(graph, graph.T)
        scale = 1.0 / np.sqrt(graph.sum(axis=1))
        smooth = graph * scale[:, None] * scale[None, :]
        spread = (1 - alpha) * np.linalg.solve(np.eye(len(idx)) - alpha * smooth, proba[idx])
        out[idx] = spread / spread.sum(axis=1, keepdims=True)
    return out
