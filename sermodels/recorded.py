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


def real_cell(entry: dict) -> str:
    """One recorded entry as table text, e.g. ``"73.0% [62.2, 74.6], seed 0"``.

    The spread is ``± s`` (standard deviation over folds) or ``[a, b]`` (95% interval
    resampling test speakers); a leaky entry (random split) gets no interval, since its test
    speakers were heard in training. The epoch cap is shown when the entry has one.

    Args:
        entry: an entry of :func:`real_results`.

    Returns:
        The cell's text.
    """
    spread = ""
    if "ua_std" in entry:
        spread = f" ± {100 * entry['ua_std']:.1f}"
    elif "ua_ci95_speakers" in entry and not entry.get("leaky"):
        spread = " [{:.1f}, {:.1f}]".format(*(100 * v for v in entry["ua_ci95_speakers"]))
    cap = f", ≤{entry['epochs_cap']} epochs" if entry.get("epochs_cap") else ""
    return f"{100 * entry['ua']:.1f}%{spread}{cap}, seed {entry['seed']}"


def _column(protocol: str, entry: dict) -> str:
    leaky = ", LEAKY" if entry.get("leaky") else ""
    return f"{protocol} ({'+'.join(entry['corpora'])}, {entry['label_set']}{leaky})"


def real_table(systems: list[str], protocols: list[str]):
    """The recorded real-data results as a table (systems x protocols).

    Each column is named with its protocol, corpora and label set (``LEAKY`` for the random
    split); each cell is :func:`real_cell`, with the corpora and label set repeated where they
    differ from the column's, or ``"not measured yet"``.

    Args:
        systems: system names of ``benchmarks/real.py``, e.g. ``["svm_speaker", "recommended"]``.
        protocols: e.g. ``["canonical", "cv5", "emobox", "random"]``.

    Returns:
        A ``pandas.DataFrame`` indexed by system.

    Example:
        >>> real_table(["recommended"], ["canonical", "emobox"])   # doctest: +SKIP
    """
    import pandas as pd

    entries = real_results()
    columns = {}
    for protocol in protocols:
        first = next((entries[f"{s}/{protocol}"] for s in systems
                      if f"{s}/{protocol}" in entries), None)
        columns[protocol] = _column(protocol, first) if first else protocol
    rows = []
    for system in systems:
        row = {"system": system}
        for protocol in protocols:
            entry = entries.get(f"{system}/{protocol}")
            if entry is None:
                row[columns[protocol]] = "not measured yet"
                continue
            text = real_cell(entry)
            if _column(protocol, entry) != columns[protocol]:
                text += f" ({'+'.join(entry['corpora'])}, {entry['label_set']})"
            row[columns[protocol]] = text
        rows.append(row)
    return pd.DataFrame(rows).set_index("system")
