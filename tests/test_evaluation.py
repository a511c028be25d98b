import numpy as np
import pandas as pd
import pytest

from sermodels.evaluation import (
    bootstrap_ci,
    breakdown,
    evaluate,
    mean_std,
    speaker_bootstrap_ci,
    summarize,
)

CLASSES = ("angry", "happy", "sad")


def onehot_proba(pred, n_classes=3, confidence=0.8):
    proba = np.full((len(pred), n_classes), (1 - confidence) / (n_classes - 1))
    proba[np.arange(len(pred)), pred] = confidence
    return proba


def test_hand_computed_metrics():
    y = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 2, 2])
    record = evaluate(y, onehot_proba(pred), CLASSES, n_boot=200)
    m = record.metrics
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["unweighted_accuracy"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    # precision: angry 2/2, happy 1/2, sad 1/2; recall: 2/3, 1/2, 1
    assert m["macro_precision"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    f1 = [2 * 1 * (2 / 3) / (1 + 2 / 3), 0.5, 2 * 0.5 * 1 / 1.5]
    assert m["macro_f1"] == pytest.approx(np.mean(f1))
    assert m["weighted_f1"] == pytest.approx(np.average(f1, weights=[3, 2, 1]))
    assert m["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.8, 0.1, 0.8, 0.1, 0.8])))
    assert record.confusion.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert record.per_class.loc["happy", "support"] == 2


def test_a_class_absent_from_the_test_split():
    y = np.array([0, 0, 1, 1])
    pred = np.array([0, 2, 1, 1])  # "sad" never occurs but is predicted once
    record = evaluate(y, onehot_proba(pred), CLASSES, n_boot=100)
    assert record.metrics["unweighted_accuracy"] == pytest.approx((0.5 + 1) / 2)
    assert np.isnan(record.roc["auc"]["sad"]) and "sad" not in record.roc["curves"]
    assert record.metrics["macro_auc"] == pytest.approx(
        np.mean([record.roc["auc"]["angry"], record.roc["auc"]["happy"]]))
    assert record.per_class.loc["sad", "support"] == 0


def test_perfect_roc_and_summary():
    y = np.array([0, 1, 2, 0, 1, 2])
    record = evaluate(y, onehot_proba(y), CLASSES, n_boot=50)
    assert record.metrics["macro_auc"] == pytest.approx(1.0)
    assert record.metrics["micro_auc"] == pytest.approx(1.0)
    s = summarize(y, onehot_proba(y), CLASSES)
    assert s["chance_uniform"] == pytest.approx(1 / 3) and s["chance_majority"] == pytest.approx(1 / 3)


def test_bootstrap_interval_contains_the_estimate_and_narrows():
    rng = np.random.default_rng(0)

    def width(n):
        y = rng.integers(0, 3, n)
        pred = np.where(rng.random(n) < 0.7, y, rng.integers(0, 3, n))
        lo, hi = bootstrap_ci(y, pred, lambda a, b: float((a == b).mean()), n_boot=500)
        point = float((y == pred).mean())
        assert lo <= point <= hi
        return hi - lo

    assert width(2000) < width(100) / 2


def test_breakdowns_and_context():
    y = np.array([0, 1, 0, 1])
    pred = np.array([0, 1, 1, 1])
    groups = pd.DataFrame({"corpus": ["tess", "tess", "savee", "savee"],
                           "gender": ["female", "female", "male", "male"]})
    record = evaluate(y, onehot_proba(pred, 3), CLASSES, groups=groups, n_boot=50,
                      context={"protocol": "speaker", "corpora": ["savee", "tess"], "seed": 3})
    assert record.breakdowns["corpus"].loc["tess", "accuracy"] == 1.0
    assert record.breakdowns["corpus"].loc["savee", "accuracy"] == 0.5
    row = record.table().iloc[0]
    assert row["protocol"] == "speaker" and row["corpora"] == "savee,tess" and row["seed"] == 3
    assert set(record.to_dict()) >= {"context", "metrics", "per_class", "confusion", "breakdowns"}
    assert breakdown(y, pred, groups["gender"].to_numpy()).loc["male", "n"] == 2


def test_mean_std():
    table = mean_std([{"accuracy": 0.5}, {"accuracy": 0.7}], ["accuracy"])
    assert table.loc["accuracy", "mean"] == pytest.approx(0.6)
    assert table.loc["accuracy", "std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))


def test_bad_shapes():
    with pytest.raises(ValueError, match="proba must have shape"):
        evaluate(np.array([0, 1]), np.ones((2, 2)), CLASSES)


def five_speakers(seed=0):
    """Five test speakers of 100 clips each; the model gets a speaker right or mostly wrong."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 500)
    speakers = np.repeat([f"ravdess/{i}" for i in range(5)], 100)
    skill = np.repeat([0.95, 0.9, 0.3, 0.85, 0.4], 100)
    pred = np.where(rng.random(500) < skill, y, (y + 1) % 3)
    return y, pred, speakers


def test_speaker_interval_resamples_speakers_and_is_wider_than_the_clip_interval():
    y, pred, speakers = five_speakers()
    lo_c, hi_c = bootstrap_ci(y, pred, lambda a, b: float((a == b).mean()), n_boot=500)
    lo_s, hi_s = speaker_bootstrap_ci(y, pred, speakers, lambda a, b: float((a == b).mean()),
                                      n_boot=500)
    assert hi_s - lo_s > 3 * (hi_c - lo_c)
    assert lo_s <= float((y == pred).mean()) <= hi_s
    # every resample is a mixture of whole speakers: bounds lie within the speakers' range
    assert lo_s >= 0.25 and hi_s <= 0.97
    one = np.repeat("tess/YAF", 500)
    lo, hi = speaker_bootstrap_ci(y, pred, one, n_boot=50)
    assert lo == pytest.approx(hi)
    with pytest.raises(ValueError, match="speakers"):
        speaker_bootstrap_ci(y, pred, speakers[:10])


def test_records_use_the_speaker_interval_and_label_the_clip_one():
    y, pred, speakers = five_speakers()
    groups = pd.DataFrame({"corpus": [s.split("/")[0] for s in speakers],
                           "speaker": [s.split("/")[1] for s in speakers]})
    record = evaluate(y, onehot_proba(pred), CLASSES, groups=groups, n_boot=200)
    m = record.metrics
    assert m["ci95_resamples"] == "speakers" and m["test_speakers"] == 5
    assert m["unweighted_accuracy_ci95"] == pytest.approx(
        speaker_bootstrap_ci(y, pred, speakers, n_boot=200))
    width = m["unweighted_accuracy_ci95"][1] - m["unweighted_accuracy_ci95"][0]
    clip_width = m["unweighted_accuracy_ci95_clips"][1] - m["unweighted_accuracy_ci95_clips"][0]
    assert width > clip_width
    assert record.table()["95ci_resamples"].iloc[0] == "speakers"
    plain = evaluate(y, onehot_proba(pred), CLASSES, n_boot=50).metrics
    assert plain["ci95_resamples"] == "clips"
