"""Recorded benchmark outputs, shipped with sermodels as package data (``sermodels.results``).

Read them with :mod:`sermodels.recorded`; the scripts that produce them are in ``benchmarks/``.
"""
