"""benchmarks/svm_member.py: SVM variants scored against a recorded network (synthetic audio)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def member(load_benchmark):
    return load_benchmark("svm_member")


def test_warp_maps_each_speakers_ranks_to_normal_quantiles(member):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (20, 3)), rng.normal(50, 9, (20, 3))])
    groups = np.repeat(["a", "b"], 20)
    out = member.warp(x, groups)
    for g in ("a", "b"):
        idx = groups == g
        # the same ranks give the same values, whatever the speaker's level and spread
        assert np.allclose(np.sort(out[idx], axis=0), np.sort(out[groups == "a"], axis=0))
        # order within a speaker is kept
        assert (np.argsort(out[idx], axis=0) == np.argsort(x[idx], axis=0)).all()
    assert abs(out.mean()) < 1e-6 and out.dtype == np.float32


def test_network_probabilities_undo_the_fusion(member, tmp_path):
    classes = ["angry", "sad"]
    paths, targets = ["a.wav", "b.wav", "c.wav"], ["angry", "sad", "sad"]
    net = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    svm = np.array([[0.3, 0.7], [0.5, 0.5], [0.1, 0.9]])
    (tmp_path / "fused").mkdir()
    (tmp_path / "config.json").write_text(json.dumps({"train": {"fusion": {"weight": 0.6}}}))

    def predictions(folder, proba, order):
        pd.DataFrame({"path": [paths[i] for i in order], "target": [targets[i] for i in order],
                      **{f"p_{c}": proba[order, j] for j, c in enumerate(classes)}}
                     ).to_csv(folder / "test_predictions.csv", index=False)

    predictions(tmp_path, 0.4 * net + 0.6 * svm, [0, 1, 2])
    predictions(tmp_path / "fused", svm, [2, 0, 1])  # another order: rows are matched by path
    got_paths, got, y = member.network_probabilities(tmp_path, classes)
    assert list(got_paths) == paths and list(y) == [0, 1, 1]
    assert np.allclose(got, net)


def test_variants_are_scored_on_a_recorded_dev_run(member, tiny_original, fused_dev_run, tmp_path,
                                                   monkeypatch):
    """End to end: a fused dev run of benchmarks/real.py, then SVM variants against it."""
    from sermodels import presets

    run = fused_dev_run(tmp_path)
    out = tmp_path / "member.json"
    variants = [{}, {"spec": {"deltas": 0}, "weight": 1.0}, {"normalization": "warp", "c": 1}]
    monkeypatch.setattr(sys, "argv", [
        "svm_member.py", "--data-root", str(tiny_original.root), "--network-run", str(run),
        "--variants", json.dumps(variants), "--jobs", "1", "--work", str(tmp_path),
        "--out", str(out)])
    member.main()
    record = json.loads(out.read_text())
    assert [e["variant"] for e in record] == variants
    for entry in record:
        assert len(entry["fused_ua_per_fold"]) == len(entry["network_ua_per_fold"]) == 3
        assert 0.0 <= entry["fused_ua"] <= 1.0 and entry["commit"]
    base = presets.get("recommended").config.fusion["spec"]
    assert record[0]["base_spec"]["name"] == base
    # the shipped member at its own weight reproduces the run's recorded fused scores
    recorded = [json.loads((run / f"dev{k}" / "metrics.json").read_text())["unweighted_accuracy"]
                for k in range(3)]
    assert record[0]["fused_ua_per_fold"] == pytest.approx(recorded, abs=1e-3)
    # weight 1: the SVM alone
    assert record[1]["fused_ua_per_fold"] == record[1]["svm_ua_per_fold"]
    assert record[1]["dims"] < record[0]["dims"]  # no deltas: half the functionals
