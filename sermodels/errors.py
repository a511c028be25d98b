"""The exceptions sermodels raises on purpose, under one base class.

Every error sermodels raises for bad input derives from :class:`SermodelsError`,
so a caller can catch them all at once; the command line maps them to exit
code 1 in one place (:func:`sermodels.cli.main`). The subclasses that replace
an earlier ``ValueError`` still derive from ``ValueError``, so existing
``except ValueError`` code keeps working.

* :class:`DataError`: the data is the problem (a missing or unreadable file, a
  broken manifest, too many clips lost, non-finite features).
* :class:`UsageError`: the request is the problem (options that do not go
  together, an unknown name).

Example:
    >>> from sermodels.errors import SermodelsError
    >>> try:                                                        # doctest: +SKIP
    ...     train(frame, "wrong/root", spec)
    ... except SermodelsError as err:
    ...     print(err)
"""

from __future__ import annotations


class SermodelsError(Exception):
    """Base class of every error sermodels raises on purpose; the message says what to fix."""


class DataError(SermodelsError, ValueError):
    """Input data that cannot be used: the message names the file (or split) and the problem."""


class UsageError(SermodelsError, ValueError):
    """A request sermodels cannot carry out as asked (options that conflict, unknown names)."""


class MissingAudioError(DataError):
    """Too many manifest rows have no usable audio (see ``max_missing`` of
    :func:`sermodels.training.prepare`)."""
