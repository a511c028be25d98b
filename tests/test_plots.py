import numpy as np
import pandas as pd
import pytest

from sermodels import plots
from sermodels.evaluation import evaluate

CLASSES = ("angry", "happy", "neutral", "sad")


@pytest.fixture(scope="module")
def record():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 80)
    proba = rng.dirichlet(np.ones(4), 80)
    proba[np.arange(80), y] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    groups = pd.DataFrame({"corpus": rng.choice(["tess", "ravdess"], 80),
                           "gender": rng.choice(["male", "female"], 80)})
    return evaluate(y, proba, CLASSES, groups=groups, n_boot=50,
                    context={"protocol": "speaker", "corpora": ["ravdess", "tess"],
                             "label_set": "x", "model": "m", "seed": 0})


def figures(record):
    history = pd.DataFrame({"accuracy": [0.2, 0.4, 0.5], "val_accuracy": [0.2, 0.3, 0.35],
                            "loss": [1.9, 1.5, 1.2], "val_loss": [1.9, 1.7, 1.6]})
    table = pd.DataFrame({"model": ["dnn", "cnn_lstm"], "unweighted_accuracy": [0.4, 0.6]})
    gap = pd.DataFrame({"protocol": ["random", "speaker"], "unweighted_accuracy": [0.9, 0.5]})
    t = np.arange(22050) / 22050
    clip = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return {
        "confusion": plots.confusion_matrix(record),
        "confusion_norm": plots.confusion_matrix(record, normalize=True),
        "roc": plots.roc_curves(record),
        "learning": plots.learning_curves(history),
        "comparison": plots.model_comparison(table, chance=0.25),
        "per_corpus": plots.per_corpus_accuracy(record),
        "distribution": plots.class_distribution(pd.Series({"angry": 10, "sad": 4}),
                                                 pd.Series({"angry": 10, "sad": 9})),
        "gap": plots.protocol_gap(gap),
        "panel": plots.example_panel(clip, 22050),
        "grouped": plots.grouped_bars(pd.DataFrame({"class": ["a", "a"], "f1": [0.5, 0.6],
                                                    "model": ["x", "y"]}), "class", "f1", "model",
                                      "F1"),
    }


def test_every_plot_is_a_labelled_non_empty_png(record, tmp_path):
    for name, fig in figures(record).items():
        axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
        assert axes, name
        for ax in axes:
            assert ax.get_xlabel() and ax.get_ylabel(), name
        assert any(ax.get_title() for ax in axes), name
        path = plots.save(fig, tmp_path / f"{name}.png")
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name


def test_protocol_gap_title_states_the_difference(record):
    gap = pd.DataFrame({"protocol": ["random", "speaker"], "unweighted_accuracy": [0.9, 0.5]})
    fig = plots.protocol_gap(gap)
    assert "+0.40" in fig.axes[0].get_title()
