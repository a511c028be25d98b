"""Metrics that carry their protocol: every number says how it was obtained.

:func:`evaluate` turns test targets and class probabilities into an
:class:`EvaluationRecord`: accuracy, unweighted (balanced) accuracy, macro and
weighted precision/recall/F1, the per-class report, per-corpus and per-gender
breakdowns, one-vs-rest ROC/AUC per class with micro and macro averages, log
loss, and 95% bootstrap intervals on accuracy and unweighted accuracy (resampling test
speakers when the items' speakers are known, a cluster bootstrap; the clip-level
interval is kept under ``*_ci95_clips``, labelled as such); along
with the protocol, corpora, label set, model, feature spec, seed and run folder.

Example:
    >>> record = evaluate(y_true, proba, classes, context={"protocol": "speaker"})  # doctest: +SKIP
    >>> record.save("metrics_full.json"); print(record.table())                     # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

CONTEXT_KEYS = ("protocol", "corpora", "label_set", "model", "feature_spec", "seed", "run_dir")


def summarize(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> dict:
    """Headline metrics of class probabilities against integer targets.

    Args:
        y_true: integer class indices, shape ``(n,)``.
        proba: class probabilities, shape ``(n, len(classes))``.
        classes: class names in output order.

    Returns:
        ``accuracy``, ``unweighted_accuracy`` (mean per-class recall over the
        classes present), ``macro_f1``, ``chance_uniform`` (1 / number of classes),
        ``chance_majority`` (always answering the test set's most frequent class)
        and ``n``.
    """
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(proba).argmax(axis=1)
    present = np.unique(y_true)
    counts = np.bincount(y_true, minlength=len(classes))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "unweighted_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro",
                                   zero_division=0)),
        "chance_uniform": 1.0 / len(classes),
        "chance_majority": float(counts.max() / max(1, counts.sum())),
        "n": int(len(y_true)),
    }


def bootstrap_ci(y_true: np.ndarray, y_pred: np.ndarray, metric, *, n_boot: int = 1000,
                 level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric(y_true, y_pred)`` over resampled test items."""
    rng = np.random.default_rng(seed)
    n = len(y_true)
    values = []
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        values.append(metric(y_true[idx], y_pred[idx]))
    lo, hi = np.percentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(lo), float(hi)


def speaker_bootstrap_ci(y_true: np.ndarray, y_pred: np.ndarray, speakers: Sequence, metric=None,
                         *, n_boot: int = 1000, level: float = 0.95,
                         seed: int = 0) -> tuple[float, float]:
    """Cluster-bootstrap interval: resamples test *speakers* (with all their clips), not clips.

    Clips of one speaker are not independent draws: a model that fails on a voice fails on
    most of its clips. Resampling clips pretends a test set of 5 speakers is 500 independent
    trials and gives intervals far narrower than the spread between speaker folds; resampling
    speakers tells the truth about how much the score depends on who was tested.

    Args:
        y_true: integer targets ``(n,)``.
        y_pred: predicted classes ``(n,)``.
        speakers: the speaker of each item (e.g. ``corpus/speaker`` keys).
        metric: ``metric(y_true, y_pred) -> float``; default :func:`unweighted_accuracy`.
        n_boot: resamples.
        level: interval coverage.
        seed: resampling seed.

    Returns:
        ``(low, high)``; with a single test speaker the interval is that speaker's score.
    """
    metric = metric or unweighted_accuracy
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    keys = np.asarray(speakers)
    if len(keys) != len(y_true):
        raise ValueError(f"got {len(keys)} speakers for {len(y_true)} items")
    groups = [np.flatnonzero(keys == k) for k in np.unique(keys)]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        idx = np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        values.append(metric(y_true[idx], y_pred[idx]))
    lo, hi = np.percentile(values, [100 * (1 - level) / 2, 100 * (1 + level) / 2])
    return float(lo), float(hi)


def unweighted_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted accuracy: mean recall over the classes present in ``y_true``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    classes = np.unique(y_true)
    return float(np.mean([(y_pred[y_true == c] == c).mean() for c in classes]))


_ua = unweighted_accuracy


def _acc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float((y_true == y_pred).mean())


@dataclass
class EvaluationRecord:
    """All metrics of one evaluation, with the context that makes them meaningful."""

    metrics: dict
    per_class: pd.DataFrame
    confusion: np.ndarray
    roc: dict
    breakdowns: dict
    classes: tuple[str, ...]
    context: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "context": self.context, "classes": list(self.classes), "metrics": self.metrics,
            "per_class": self.per_class.reset_index().to_dict(orient="records"),
            "confusion": self.confusion.tolist(),
            "auc": {k: v for k, v in self.roc.get("auc", {}).items()},
            "breakdowns": {k: v.reset_index().to_dict(orient="records")
                           for k, v in self.breakdowns.items()},
        }

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, default=_json_default) + "\n")
        return path

    def table(self) -> pd.DataFrame:
        """Headline numbers with their context, one row."""
        m = self.metrics
        row = {k: self.context.get(k) for k in ("protocol", "corpora", "label_set", "model",
                                                 "feature_spec", "seed")}
        if isinstance(row["corpora"], list | tuple):
            row["corpora"] = ",".join(row["corpora"])
        row.update({
            "accuracy": m["accuracy"], "acc_95ci": _fmt_ci(m["accuracy_ci95"]),
            "unweighted_accuracy": m["unweighted_accuracy"],
            "ua_95ci": _fmt_ci(m["unweighted_accuracy_ci95"]),
            "95ci_resamples": m.get("ci95_resamples", "clips"),
            "macro_f1": m["macro_f1"], "weighted_f1": m["weighted_f1"],
            "macro_auc": m.get("macro_auc"), "log_loss": m["log_loss"], "n": m["n"],
        })
        return pd.DataFrame([row])


def _fmt_ci(ci) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


def evaluate(
    y_true: np.ndarray,
    proba: np.ndarray,
    classes: Sequence[str],
    *,
    groups: pd.DataFrame | None = None,
    context: dict | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> EvaluationRecord:
    """Every metric of one test set.

    Args:
        y_true: integer targets ``(n,)``.
        proba: probabilities ``(n, len(classes))``.
        classes: class names.
        groups: optional per-item columns (``corpus``, ``gender``) for breakdowns.
        context: protocol, corpora, label set, model, feature spec, seed, run folder.
        n_boot: bootstrap resamples for the confidence intervals.
        seed: bootstrap seed.

    Returns:
        An :class:`EvaluationRecord`. Classes absent from the test set get no
        ROC curve and ``NaN`` AUC; they still count in the macro averages of
        precision (as 0) only if predicted.
    """
    y_true = np.asarray(y_true, dtype=int)
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2 or proba.shape != (len(y_true), len(classes)):
        raise ValueError(f"proba must have shape (n, {len(classes)}), got {proba.shape}")
    y_pred = proba.argmax(axis=1)
    labels = np.arange(len(classes))
    present = np.unique(y_true)
    metrics = summarize(y_true, proba, classes)
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=present,
                                                     average=average, zero_division=0)
        metrics.update({f"{average}_precision": float(p), f"{average}_recall": float(r),
                        f"{average}_f1": float(f)})
    clipped = np.clip(proba, 1e-12, 1.0)
    metrics["log_loss"] = float(log_loss(y_true, clipped / clipped.sum(axis=1, keepdims=True),
                                         labels=labels))
    metrics["accuracy_ci95_clips"] = bootstrap_ci(y_true, y_pred, _acc, n_boot=n_boot, seed=seed)
    metrics["unweighted_accuracy_ci95_clips"] = bootstrap_ci(y_true, y_pred, _ua, n_boot=n_boot,
                                                             seed=seed)
    speakers = _speaker_keys(groups, len(y_true))
    if speakers is not None:  # the honest interval: resample speakers (see speaker_bootstrap_ci)
        metrics["ci95_resamples"] = "speakers"
        metrics["test_speakers"] = int(len(np.unique(speakers)))
        metrics["accuracy_ci95"] = speaker_bootstrap_ci(y_true, y_pred, speakers, _acc,
                                                        n_boot=n_boot, seed=seed)
        metrics["unweighted_accuracy_ci95"] = speaker_bootstrap_ci(y_true, y_pred, speakers,
                                                                   n_boot=n_boot, seed=seed)
    else:
        metrics["ci95_resamples"] = "clips"
        metrics["accuracy_ci95"] = metrics["accuracy_ci95_clips"]
        metrics["unweighted_accuracy_ci95"] = metrics["unweighted_accuracy_ci95_clips"]
    report = classification_report(y_true, y_pred, labels=labels, target_names=list(classes),
                                   output_dict=True, zero_division=0)
    per_class = pd.DataFrame({c: report[c] for c in classes}).T
    per_class.index.name = "class"
    per_class["support"] = per_class["support"].astype(int)
    roc = roc_curves(y_true, proba, classes)
    metrics["macro_auc"] = roc["auc"].get("macro")
    metrics["micro_auc"] = roc["auc"].get("micro")
    breakdowns = {}
    if groups is not None:
        for column in ("corpus", "gender"):
            if column in groups.columns:
                breakdowns[column] = breakdown(y_true, y_pred, groups[column].to_numpy())
    return EvaluationRecord(metrics, per_class,
                            confusion_matrix(y_true, y_pred, labels=labels), roc, breakdowns,
                            tuple(classes), dict(context or {}))


def speaker_keys(rows: pd.DataFrame) -> np.ndarray:
    """One key per row naming its speaker (``corpus/speaker``; ``speaker`` alone when the rows
    have no ``corpus``), for per-speaker normalisation and speaker intervals."""
    speakers = rows["speaker"].astype(str)
    if "corpus" in rows.columns:
        speakers = rows["corpus"].astype(str) + "/" + speakers
    return speakers.to_numpy()


def _speaker_keys(groups: pd.DataFrame | None, n: int) -> np.ndarray | None:
    """:func:`speaker_keys` when ``groups`` names the speakers of ``n`` items, else ``None``."""
    if groups is None or "speaker" not in groups.columns or len(groups) != n:
        return None
    return speaker_keys(groups)


def roc_curves(y_true: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> dict:
    """One-vs-rest ROC curves and AUCs per class present, plus micro and macro averages."""
    onehot = np.eye(len(classes))[y_true]
    curves, auc = {}, {}
    for i, name in enumerate(classes):
        if 0 < onehot[:, i].sum() < len(y_true):
            fpr, tpr, _ = roc_curve(onehot[:, i], proba[:, i])
            curves[name] = (fpr, tpr)
            auc[name] = float(roc_auc_score(onehot[:, i], proba[:, i]))
        else:
            auc[name] = float("nan")
    present = [i for i, name in enumerate(classes) if name in curves]
    if present:
        fpr, tpr, _ = roc_curve(onehot[:, present].ravel(), proba[:, present].ravel())
        curves["micro"] = (fpr, tpr)
        auc["micro"] = float(roc_auc_score(onehot[:, present].ravel(), proba[:, present].ravel()))
        auc["macro"] = float(np.mean([auc[classes[i]] for i in present]))
    return {"curves": curves, "auc": auc}


def breakdown(y_true: np.ndarray, y_pred: np.ndarray, group: np.ndarray) -> pd.DataFrame:
    """Accuracy and unweighted accuracy per group value (e.g. per corpus, per gender)."""
    rows = []
    for value in sorted(set(group)):
        mask = group == value
        rows.append({"group": value, "n": int(mask.sum()),
                     "accuracy": _acc(y_true[mask], y_pred[mask]),
                     "unweighted_accuracy": _ua(y_true[mask], y_pred[mask])})
    return pd.DataFrame(rows).set_index("group")


def context_of(metrics: dict) -> dict:
    """The context keys of a training run's metrics."""
    return {k: metrics.get(k) for k in CONTEXT_KEYS}


def record_for_run(result) -> EvaluationRecord:
    """The full evaluation of a :class:`~sermodels.training.TrainResult`'s test split."""
    return evaluate(result.test_rows["y"].to_numpy(), result.test_proba, result.label_set.classes,
                    groups=result.test_rows, context=context_of(result.metrics),
                    seed=result.metrics.get("seed", 0))


def mean_std(records: Sequence[dict], keys: Sequence[str]) -> pd.DataFrame:
    """Mean and standard deviation over folds of the given metric keys."""
    frame = pd.DataFrame([{k: r[k] for k in keys} for r in records])
    return pd.DataFrame({"mean": frame.mean(), "std": frame.std(ddof=1) if len(frame) > 1
                         else frame.std(ddof=0), "folds": len(frame)})

