"""benchmarks/nested_emobox.py: the written selection rule, applied inside each EmoBox fold."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def nested(load_benchmark):
    return load_benchmark("nested_emobox")


def scores(table):
    """An evaluate function from {(member, weight): per-fold scores}."""
    def evaluate(variant):
        member = "old" if "spec" in variant else "new"
        folds = table[(member, variant["weight"])]
        return {"fused_ua": sum(folds) / len(folds), "fused_ua_per_fold": folds}
    return evaluate


def test_the_rule_needs_the_mean_and_two_folds_of_three(nested):
    assert nested.beats({"fused_ua": 0.6, "fused_ua_per_fold": [0.7, 0.6, 0.5]},
                        {"fused_ua": 0.55, "fused_ua_per_fold": [0.6, 0.5, 0.55]})
    # better on the mean through one fold only: not adopted
    assert not nested.beats({"fused_ua": 0.6, "fused_ua_per_fold": [0.9, 0.45, 0.45]},
                            {"fused_ua": 0.5, "fused_ua_per_fold": [0.5, 0.5, 0.5]})


def test_choose_adopts_the_new_member_then_climbs_the_weight(nested):
    table = {("old", 0.5): [0.5, 0.5, 0.5], ("new", 0.5): [0.6, 0.6, 0.5],
             ("new", 0.6): [0.62, 0.61, 0.55], ("new", 0.7): [0.7, 0.5, 0.5]}
    chosen, tried = nested.choose(scores(table))
    assert chosen == {"weight": 0.6}
    assert [t["variant"]["weight"] for t in tried] == [0.5, 0.5, 0.6, 0.7]


def test_choose_keeps_the_old_member_and_can_lower_the_weight(nested):
    old = nested.ROUND1_CHANGES
    table = {("old", 0.5): [0.6, 0.6, 0.6], ("new", 0.5): [0.7, 0.55, 0.55],
             ("old", 0.6): [0.5, 0.5, 0.5], ("old", 0.4): [0.65, 0.62, 0.58],
             ("old", 0.3): [0.6, 0.6, 0.6]}
    chosen, _ = nested.choose(scores(table))
    assert chosen == {"spec": old, "weight": 0.4}


def test_inner_rounds_use_only_the_outer_training_actors(nested):
    rows = pd.DataFrame({"speaker": [f"ravdess_{a:02d}" for a in range(1, 21) for _ in range(2)]})
    rounds = nested.inner_rounds(rows)
    held = []
    for split in rounds:
        assert set(split) == {"train", "val", "test"}
        held += sorted(rows.loc[split == "test", "speaker"].unique())
        # validation and test actors never train
        assert not set(rows.loc[split == "train", "speaker"]) & set(
            rows.loc[split != "train", "speaker"])
    assert sorted(held) == sorted(rows["speaker"].unique())  # each actor validates once
