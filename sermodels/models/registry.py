"""One registry mapping model names to builder functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras

Builder = Callable[..., keras.Model]
_BUILDERS: dict[str, Builder] = {}


def register(name: str) -> Callable[[Builder], Builder]:
    """Decorator: register ``builder(input_shape, num_classes, **options)`` under ``name``."""

    def decorate(builder: Builder) -> Builder:
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is registered twice")
        _BUILDERS[name] = builder
        return builder

    return decorate


def names() -> list[str]:
    """Names of every registered model."""
    return sorted(_BUILDERS)


def get(name: str) -> Builder:
    """The builder registered under ``name``."""
    try:
        return _BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(names())}") from None


def build(name: str, input_shape: Sequence[int], num_classes: int, **overrides) -> keras.Model:
    """Build a registered model.

    Args:
        name: registry name (see :func:`names`).
        input_shape: shape of one example, without the batch axis.
        num_classes: size of the softmax output.
        **overrides: builder keyword options (e.g. ``lstm_layers=3``).

    Returns:
        An uncompiled ``keras.Model`` with named layers.

    Example:
        >>> model = build("cnn_lstm", (300, 40), 7, kernel_size=5)   # doctest: +SKIP
    """
    return get(name)(tuple(input_shape), int(num_classes), **overrides)
