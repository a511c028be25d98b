"""The figures of the papers (and the one they lack), each a function returning a Figure.

Every function returns a ``matplotlib.figure.Figure`` with a title and labelled
axes (units where there are any); :func:`save` writes it as PNG into a run folder.

Example:
    >>> fig = confusion_matrix(record)          # doctest: +SKIP
    >>> save(fig, run_dir / "confusion.png")    # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

DPI = 110  # every PNG sermodels writes or embeds


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """Draw a figure once as PNG and close it (drawing is what takes the time)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def save(fig: Figure, path: str | os.PathLike, dpi: int = DPI) -> Path:
    """Write a figure as PNG and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(fig, dpi))
    return path


def _subtitle(context: Mapping | None) -> str:
    if not context:
        return ""
    corpora = context.get("corpora")
    corpora = ",".join(corpora) if isinstance(corpora, list | tuple) else corpora
    bits = [f"protocol={context.get('protocol')}", f"corpora={corpora}",
            f"labels={context.get('label_set')}", f"model={context.get('model')}",
            f"seed={context.get('seed')}"]
    return "\n" + ", ".join(b for b in bits if not b.endswith("=None"))


def confusion_matrix(record, *, normalize: bool = False) -> Figure:
    """Confusion matrix of an evaluation record: counts, or row-normalised (recall per class)."""
    matrix = record.confusion.astype(float)
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    fig, ax = plt.subplots(figsize=(1.1 * len(record.classes) + 2, 1.0 * len(record.classes) + 1.5))
    sns.heatmap(matrix, annot=True, fmt=".2f" if normalize else ".0f", cmap="Blues",
                xticklabels=record.classes, yticklabels=record.classes, ax=ax, cbar=True,
                vmin=0, vmax=1 if normalize else None)
    ax.set_xlabel("predicted emotion")
    ax.set_ylabel("true emotion")
    kind = "row-normalised (recall)" if normalize else "counts"
    ax.set_title(f"Confusion matrix, {kind}" + _subtitle(record.context), fontsize=10)
    return fig


def roc_curves(record) -> Figure:
    """One-vs-rest ROC curve per class with its AUC, plus the micro average."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    curves, auc = record.roc["curves"], record.roc["auc"]
    for name in record.classes:
        if name in curves:
            fpr, tpr = curves[name]
            ax.plot(fpr, tpr, lw=1.5, label=f"{name} (AUC {auc[name]:.2f})")
    if "micro" in curves:
        fpr, tpr = curves["micro"]
        ax.plot(fpr, tpr, "k--", lw=2, label=f"micro average (AUC {auc['micro']:.2f})")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("ROC curves, one vs rest" + _subtitle(record.context), fontsize=10)
    return fig


def learning_curves(history: pd.DataFrame, title: str = "Learning curves") -> Figure:
    """Training and validation accuracy and loss per epoch."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    epochs = np.arange(1, len(history) + 1)
    for ax, metric in zip(axes, ("accuracy", "loss"), strict=True):
        if metric in history:
            ax.plot(epochs, history[metric], label=f"training {metric}")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label=f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric if metric == "accuracy" else "categorical cross-entropy")
        ax.set_title(f"{title}: {metric}", fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def model_comparison(table: pd.DataFrame, metric: str = "unweighted_accuracy",
                     by: str = "model", chance: float | None = None,
                     title: str = "Model comparison") -> Figure:
    """Bar chart of one metric per model (or per protocol, per preset...)."""
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(table) + 2), 4))
    sns.barplot(data=table, x=by, y=metric, ax=ax, color="steelblue")
    for patch, value in zip(ax.patches, table[metric], strict=False):
        ax.annotate(f"{value:.2f}", (patch.get_x() + patch.get_width() / 2, patch.get_height()),
                    ha="center", va="bottom", fontsize=9)
    if chance is not None:
        ax.axhline(chance, color="grey", ls="--", lw=1, label=f"chance ({chance:.2f})")
        ax.legend(fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(by)
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title, fontsize=10)
    return fig


def per_corpus_accuracy(record) -> Figure:
    """Accuracy and unweighted accuracy per corpus of the test set."""
    table = record.breakdowns["corpus"].reset_index()
    long = table.melt(id_vars=["group", "n"], value_vars=["accuracy", "unweighted_accuracy"],
                      var_name="metric", value_name="value")
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.barplot(data=long, x="group", y="value", hue="metric", ax=ax)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("corpus (test items)")
    ax.set_ylabel("score")
    ax.set_xticks(range(len(table)))
    ax.set_xticklabels([f"{g}\n(n={n})" for g, n in zip(table["group"], table["n"], strict=True)])
    ax.set_title("Per-corpus accuracy" + _subtitle(record.context), fontsize=10)
    return fig


def class_distribution(before: pd.Series, after: pd.Series | None = None,
                       title: str = "Class distribution") -> Figure:
    """Items per class before (and after) augmentation/balancing."""
    frame = pd.DataFrame({"before": before})
    if after is not None:
        frame["after"] = after
    frame = frame.fillna(0).astype(int)
    fig, ax = plt.subplots(figsize=(8, 4))
    frame.plot.bar(ax=ax, rot=0)
    ax.set_xlabel("emotion")
    ax.set_ylabel("items")
    ax.set_title(title, fontsize=10)
    return fig


def protocol_gap(table: pd.DataFrame, metric: str = "unweighted_accuracy") -> Figure:
    """The leakage gap: the same configuration under the random and the speaker protocol."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    colors = {"random": "indianred", "speaker": "seagreen"}
    bars = ax.bar(table["protocol"], table[metric],
                  color=[colors.get(p, "grey") for p in table["protocol"]])
    for bar, value in zip(bars, table[metric], strict=True):
        ax.annotate(f"{value:.2f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom")
    if len(table) == 2:
        gap = float(table.set_index("protocol")[metric].get("random", np.nan)
                    - table.set_index("protocol")[metric].get("speaker", np.nan))
        ax.set_title(f"Leakage gap: random split minus unseen speakers = {gap:+.2f}", fontsize=10)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("protocol (random: speakers leak into test; speaker: unseen speakers)")
    ax.set_ylabel(metric.replace("_", " "))
    return fig


def example_panel(y: np.ndarray, sr: int, *, n_mfcc: int = 40, title: str = "Example clip") -> Figure:
    """Waveform, log-mel spectrogram and MFCCs of one clip."""
    import librosa
    import librosa.display

    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=False)
    t = np.arange(len(y)) / sr
    axes[0].plot(t, y, lw=0.6)
    axes[0].set_xlabel("time (s)")
    axes[0].set_ylabel("amplitude")
    axes[0].set_title(f"{title}: waveform", fontsize=10)
    mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_mels=64), ref=np.max)
    img = librosa.display.specshow(mel, sr=sr, x_axis="time", y_axis="mel", ax=axes[1])
    fig.colorbar(img, ax=axes[1], format="%+.0f dB")
    axes[1].set_xlabel("time (s)")
    axes[1].set_ylabel("frequency (Hz, mel scale)")
    axes[1].set_title("log-mel spectrogram", fontsize=10)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=n_mfcc)
    img = librosa.display.specshow(mfcc, sr=sr, x_axis="time", ax=axes[2])
    fig.colorbar(img, ax=axes[2])
    axes[2].set_xlabel("time (s)")
    axes[2].set_ylabel("MFCC index")
    axes[2].set_title(f"{n_mfcc} MFCCs", fontsize=10)
    fig.tight_layout()
    return fig


def grouped_bars(table: pd.DataFrame, x: str, y: str, hue: str, title: str,
                 ylabel: str | None = None) -> Figure:
    """Generic grouped bar chart (e.g. per-class F1 of several models)."""
    fig, ax = plt.subplots(figsize=(9, 4))
    sns.barplot(data=table, x=x, y=y, hue=hue, ax=ax)
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel or y)
    ax.set_ylim(0, 1.05)
    ax.set_title(title, fontsize=10)
    return fig



def attention_over_time(features: np.ndarray, weights: np.ndarray, *, hop_seconds: float,
                        title: str = "Where the model listens") -> Figure:
    """One clip's frame features (as an image) above the attention weight of each time step.

    Args:
        features: ``(frames, dims)`` features of the clip (zero padding shows as a flat band).
        weights: ``(steps,)`` attention weights (summing to 1); each step covers
            ``frames / steps`` frames (the pooling in front of the attention).
        hop_seconds: time between two frames, in seconds.
        title: figure title.
    """
    features, weights = np.asarray(features), np.ravel(weights)
    seconds = len(features) * hop_seconds
    fig, axes = plt.subplots(2, 1, figsize=(9, 5), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]})
    axes[0].imshow(features.T, origin="lower", aspect="auto", cmap="magma",
                   extent=(0, seconds, 0, features.shape[1]))
    axes[0].set_ylabel("feature index")
    axes[0].set_title(title, fontsize=10)
    step = seconds / len(weights)
    axes[1].bar(np.arange(len(weights)) * step, weights, width=step, align="edge")
    axes[1].axhline(1 / len(weights), color="grey", ls="--", lw=0.8, label="uniform weight")
    axes[1].set_xlabel("time (s)")
    axes[1].set_ylabel("attention weight")
    axes[1].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def projection_grid(points: Mapping[str, np.ndarray], colours: Mapping[str, np.ndarray],
                    title: str = "Features in 2-D") -> Figure:
    """2-D projections side by side: one row per projection, one column per colouring.

    Args:
        points: ``{row title: (n, 2) array}``, e.g. one PCA per normalisation.
        colours: ``{column title: (n,) labels}``, e.g. speaker and emotion of each item.
        title: figure title.
    """
    fig, axes = plt.subplots(len(points), len(colours), squeeze=False,
                             figsize=(4.6 * len(colours), 3.6 * len(points)))
    for r, (row, xy) in enumerate(points.items()):
        for c, (column, labels) in enumerate(colours.items()):
            ax = axes[r, c]
            labels = np.asarray(labels).astype(str)
            names = sorted(set(labels))
            palette = sns.color_palette("husl" if len(names) > 10 else "tab10", len(names))
            for name, colour in zip(names, palette, strict=True):
                keep = labels == name
                ax.scatter(xy[keep, 0], xy[keep, 1], s=8, color=colour, alpha=0.7, label=name)
            ax.set_title(f"{row}, coloured by {column}", fontsize=9)
            ax.set_xlabel("principal component 1")
            ax.set_ylabel("principal component 2")
            if len(names) <= 10:
                ax.legend(fontsize=7, markerscale=1.5, loc="best")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
