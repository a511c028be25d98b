"""Nested selection on EmoBox's RAVDESS folds: the second selection round's choices (the SVM
member's functionals and its share in the fusion) made again inside each fold's training actors,
then scored once on that fold's test actors.

The round was run on the ``dev`` protocol of ``benchmarks/real.py``, whose validation actors
include test actors of every EmoBox fold, so the ``emobox`` entry of the recipe is not nested.
Here, for each EmoBox fold, the fold's 20 training actors are dealt into 3 inner folds (each in
turn the validation actors, one more actor for the validation split, the rest training), the
recipe is trained on each, and the written rule of ``results/real/selection.md`` is applied to
the inner validation scores (:func:`choose`). The chosen member and weight are then scored on the
fold's test actors with the network of the recorded ``recommended/emobox`` run (``--emobox-run``,
trained on all 20 actors; its probabilities are recovered from the fused ones as in
``svm_member.py``). The network itself (features with pitch at 4 kHz, schedule) is the shipped
one and is not re-chosen.

Usage: ``python benchmarks/nested_emobox.py --data-root DIR --emobox-run RUN_DIR``; prints and
writes ``results/real/nested_emobox.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
from real import HERE, ROUND1_MEMBER, actor_rounds, commit, system_preset  # benchmarks/real.py
from svm_member import Scorer, fusion_weight, network_probabilities  # benchmarks/svm_member.py

from sermodels import manifest, runs, splits
from sermodels.features import FeatureSpec, get_spec
from sermodels.training import train

#: the first round's SVM member (``real.ROUND1_MEMBER``) as changes to the shipped one
ROUND1_CHANGES = {f.name: getattr(ROUND1_MEMBER, f.name) for f in fields(FeatureSpec)
                  if f.name != "name" and getattr(ROUND1_MEMBER, f.name)
                  != getattr(get_spec("recommended_functionals"), f.name)}
WEIGHT_STEP = 0.1


def inner_rounds(rows: pd.DataFrame, seed: int = 0) -> list[pd.Series]:
    """Splits of the training actors of one outer fold, dealt as the ``dev`` protocol's."""
    return actor_rounds(rows, sorted(rows["speaker"].unique()), seed)


def beats(a: dict, b: dict) -> bool:
    """The written rule: better on the mean and on at least 2 of the 3 folds."""
    wins = sum(x > y for x, y in zip(a["fused_ua_per_fold"], b["fused_ua_per_fold"], strict=True))
    return a["fused_ua"] > b["fused_ua"] and wins >= 2


def choose(evaluate) -> tuple[dict, list[dict]]:
    """Apply the rule: the round-1 member at weight 0.5, then the new member if it beats it,
    then the weight moved by 0.1 towards a neighbour while the neighbour beats it.

    Args:
        evaluate: variant -> its scores (``fused_ua``, ``fused_ua_per_fold``).

    Returns:
        The chosen variant and every variant scored.
    """
    tried = []

    def run(variant):
        tried.append({"variant": variant, **evaluate(variant)})
        return tried[-1]

    current = run({"spec": ROUND1_CHANGES, "weight": 0.5})
    new = run({"weight": 0.5})
    if beats(new, current):
        current = new
    spec = current["variant"].get("spec")
    for direction in (+1, -1):
        moved = False
        while True:
            weight = round(current["variant"]["weight"] + direction * WEIGHT_STEP, 2)
            if not 0.0 < weight < 1.0:
                break
            neighbour = run({**({"spec": spec} if spec else {}), "weight": weight})
            if not beats(neighbour, current):
                break
            current, moved = neighbour, True
        if moved:
            break
    return current["variant"], tried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True, type=Path)
    parser.add_argument("--emobox-run", required=True, type=Path,
                        help="the run folder of real.py's recommended/emobox (fold0 .. fold5)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path,
                        default=Path.home() / ".cache" / "sermodels" / "benchmark-real")
    parser.add_argument("--out", type=Path,
                        default=HERE / "results" / "real" / "nested_emobox.json")
    args = parser.parse_args()
    started = time.perf_counter()
    root = args.data_root.resolve()
    preset = system_preset("recommended", "ravdess8", 15, 0)
    frame, _ = manifest.build_manifest(root, seed=0)
    ravdess = manifest.select(frame[frame["corpus"] == "ravdess"], "ravdess8")
    folds = splits.emobox_folds(ravdess)
    classes = list(runs.RunFolder.open(args.emobox_run / "fold0").read_label_set().classes)
    base_spec = runs.RunFolder.open(args.emobox_run / "fold0" / "fused").read_feature_spec()
    cache = args.work / "cache"
    work = args.work / "runs" / f"nested-emobox-{time.strftime('%Y%m%d-%H%M%S')}"
    outcome = []
    for k in range(int(folds.max()) + 1):
        pool = ravdess[folds != k]
        rounds = inner_rounds(pool)
        for j, split in enumerate(rounds):
            train(pool.assign(split=split.to_numpy()), root, preset.feature_spec, preset.config,
                  run_dir=work / f"fold{k}" / f"inner{j}", cache_dir=cache, n_jobs=args.jobs)
        nets = [network_probabilities(work / f"fold{k}" / f"inner{j}", classes)
                for j in range(len(rounds))]
        weight = fusion_weight(work / f"fold{k}" / "inner0")
        chosen, tried = choose(Scorer(pool, rounds, nets, root, cache, base_spec, classes,
                                      args.jobs, weight))
        # the outer test: the chosen member and weight with the network trained on all 20 actors
        fold_dir = args.emobox_run / f"fold{k}"
        roles = pd.read_csv(fold_dir / "split.csv").set_index("path")["split"]
        outer = pd.Series(roles.loc[ravdess["path"]].to_numpy(), index=ravdess.index)
        outer_score = Scorer(ravdess, [outer], [network_probabilities(fold_dir, classes)], root,
                             cache, base_spec, classes, args.jobs, fusion_weight(fold_dir))
        test, shipped = outer_score(chosen), outer_score({})
        outcome.append({"fold": k, "test_actors": sorted(ravdess.loc[folds == k, "speaker"]
                                                         .unique()),
                        "chosen": chosen, "test_ua": test["fused_ua"],
                        # the shipped member and weight: the recorded emobox fold, recomputed
                        "shipped_test_ua": shipped["fused_ua"],
                        "inner": [{"variant": t["variant"], "fused_ua": t["fused_ua"],
                                   "fused_ua_per_fold": t["fused_ua_per_fold"]} for t in tried]})
        print(json.dumps({k: outcome[-1][k] for k in ("fold", "chosen", "test_ua")}), flush=True)
    ua = np.array([o["test_ua"] for o in outcome])
    record = {"what": "EmoBox RAVDESS folds, ravdess8, seed 0: the second selection round "
                      "repeated inside each fold's training actors (nested)",
              "ua": round(float(ua.mean()), 4), "ua_std": round(float(ua.std(ddof=1)), 4),
              "ua_per_fold": [round(v, 4) for v in ua], "folds": outcome,
              "emobox_run": args.emobox_run.name, "minutes": round(
                  (time.perf_counter() - started) / 60, 1), "commit": commit(),
              "command": "python benchmarks/nested_emobox.py " + " ".join(sys.argv[1:]),
              "packages": runs.environment()["packages"]}
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: record[k] for k in ("ua", "ua_std", "ua_per_fold")}))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
