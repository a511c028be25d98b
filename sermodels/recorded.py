"""The benchmark outputs recorded in the repository (``benchmarks/results/``), shipped with the
package so that notebooks and reports quote measured numbers instead of copied text.

Example:
    >>> from sermodels import recorded
    >>> entry = recorded.real_result("recommended", "canonical")   # doctest: +SKIP
    >>> entry["ua"], entry["protocol_description"], entry["seed"]  # doctest: +SKIP
"""

from __future__ import annotations

import json
from importlib import resources


def _read(*parts: str) -> dict:
    path = resources.files("sermodels.results").joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"no recorded benchmark output {'/'.join(parts)} in this "
                                "installation of sermodels")
    return json.loads(path.read_text())


def real_results() -> dict:
    """Every entry of ``benchmarks/results/real/results.json`` (``"system/protocol"`` -> entry:
    unweighted accuracy, protocol, corpora, label set, seed, epochs, minutes, commit)."""
    return _read("real", "results.json")


def real_result(system: str, protocol: str) -> dict:
    """One recorded real-data entry, e.g. ``real_result("recommended", "emobox")``.

    Raises:
        KeyError: that system was not measured under that protocol (the message lists what was).
    """
    entries = real_results()
    key = f"{system}/{protocol}"
    if key not in entries:
        raise KeyError(f"{key} was not measured on real audio; recorded: {', '.join(sorted(entries))}")
    return entries[key]


def synthetic_accuracy() -> dict:
    """``benchmarks/results/accuracy_seed1.json``: the hard synthetic corpus benchmark."""
    return _read("accuracy_seed1.json")
