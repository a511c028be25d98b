"""Score test-time adaptation to the speaker (``sermodels.adaptation``) on real validation speakers.

Selection rounds 5 and 6 (``benchmarks/results/real/selection.md``): the recorded networks of
``real.py --protocols dev`` runs (one run folder per seed, each holding ``dev0`` ... ``dev2``
and the SVM member in ``fused/``) predict their validation actors again and are fused with the
recorded SVM member, without and with each candidate adaptation (round 5: AdaBN; round 6:
label spreading over each speaker's clips; round 7: each clip heard at three speeds and the
answers averaged; round 10: AdaBN again, on the networks of ``real.py --protocols dev_cross``
runs, whose validation speaker is TESS's OAF). Nothing is trained. The unadapted predictions must
reproduce each round's recorded fused score (a check that the data root, features and model are
those of the run). Test speakers of the canonical split are never loaded.

Usage: ``python benchmarks/adaptation.py --data-root DIR --runs SEED=RUN_DIR [SEED=RUN_DIR ...]
[--round 6]`` (round 10: the run folders of ``dev_cross`` runs); prints one JSON object
(every candidate's fused score per round, the paired differences and the round's decision)
and writes it to ``--out`` (default
``benchmarks/results/real/adaptation.json`` for round 5, ``adaptation_roundN.json`` for N).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from real import HERE, ROUND5_MIN_GAIN, SELECTION_ROUNDS, commit, paired_rule  # benchmarks/real.py
from svm_member import fusion_weight, recorded_predictions

from sermodels import manifest, runs
from sermodels.adaptation import (
    MIN_CLIPS,
    SPREAD_ALPHA,
    SPREAD_NEIGHBOURS,
    activations,
    predict_adapted,
    spread_labels,
)
from sermodels.cache import extract_features
from sermodels.errors import DataError
from sermodels.evaluation import speaker_keys, unweighted_accuracy

# each round's candidates. Round 5: the batch-norm layers AdaBN adapts (None: all of them).
# Round 6: the space in which label spreading finds each clip's neighbours among its speaker's
# clips (the SVM member's per-speaker normalised functionals, or the network's penultimate
# activations), alpha and neighbours fixed in advance (sermodels.adaptation's defaults).
ADABN = {"adabn": None, "adabn_conv": ["bn1", "bn2", "bn3"]}
CANDIDATES = {5: ADABN,
              6: {"spread_svm": "svm_functionals", "spread_net": "dense_relu"},
              7: {"tta_speed": "network", "tta_speed_both": "network and SVM member"},
              10: ADABN}
#: the selection protocol whose recorded runs each round scores (default ``dev``)
PROTOCOL = {10: "dev_cross"}
# round 7: the speeds at which each test clip is heard (1.0: as recorded)
TEST_SPEEDS = (0.9, 1.0, 1.1)
#: each round's fixed settings, written into its record
SETTINGS = {5: {}, 6: {"round": 6, "alpha": SPREAD_ALPHA, "neighbours": SPREAD_NEIGHBOURS},
            7: {"round": 7, "speeds": list(TEST_SPEEDS)},
            10: {"round": 10, "protocol": PROTOCOL[10]}}
REFERENCE = "recommended_round3"
EMBEDDING_LAYER = "dense_relu"  # the recipe's penultimate activations (models.recommended)


@dataclass
class DevRound:
    """One recorded dev round's validation clips, its network and its recorded SVM member's
    probabilities, as the reference scored them."""

    run: runs.RunFolder
    val: pd.DataFrame  # the validation rows, in the recorded predictions' order
    y: np.ndarray
    svm: np.ndarray  # the recorded SVM member's probabilities
    weight: float  # the SVM member's share in the fusion
    speakers: np.ndarray
    x: np.ndarray  # the network's normalised features
    model: object  # the network (a KerasClassifier)
    tta: int
    network: np.ndarray  # the network's probabilities, as the reference
    root: Path
    cache: Path
    jobs: int

    def ua(self, proba: np.ndarray) -> float:
        return round(unweighted_accuracy(self.y, proba.argmax(1)), 4)

    def fused(self, network: np.ndarray, svm: np.ndarray | None = None) -> np.ndarray:
        """The fusion of ``network`` with ``svm`` (default: the recorded member)."""
        return (1 - self.weight) * network + self.weight * (self.svm if svm is None else svm)

    def member(self) -> runs.RunFolder:
        return runs.RunFolder.open(self.run.path / "fused")

    def features(self, folder: runs.RunFolder, recipe: dict | None = None) -> np.ndarray:
        """The validation clips' features as ``folder``'s run normalises them (``recipe``: an
        augmentation applied to every clip first)."""
        return clip_features(folder, self.val, self.speakers, self.root, self.cache, self.jobs,
                             recipe)


def clip_features(folder: runs.RunFolder, val: pd.DataFrame, speakers: np.ndarray, root: Path,
                  cache: Path, jobs: int, recipe: dict | None = None) -> np.ndarray:
    """``val``'s features as ``folder``'s run extracts and normalises them (``recipe``: an
    augmentation applied to every clip first)."""
    fs = extract_features(val, root, folder.read_feature_spec(), cache_dir=cache, n_jobs=jobs,
                          progress=False, recipes=[recipe] * len(val))
    if list(fs.rows["path"]) != list(val["path"]):
        raise SystemExit(f"{folder.path}: some validation clips have no usable audio here")
    return folder.read_normalizer().transform(fs.x, speakers)


def load_round(round_dir: Path, rows: pd.DataFrame, root: Path, cache: Path,
               jobs: int) -> DevRound:
    """A recorded dev round, its network's reference probabilities recomputed."""
    run = runs.RunFolder.open(round_dir)
    classes = list(run.read_label_set().classes)
    paths, y, _, svm = recorded_predictions(round_dir, classes)
    val = rows.set_index("path").loc[paths].reset_index()
    speakers = speaker_keys(val)
    model = run.load_model()
    tta = int(run.read_config()["train"].get("tta_crops", 0))
    x = clip_features(run, val, speakers, root, cache, jobs)
    return DevRound(run, val, y, svm, fusion_weight(round_dir), speakers, x, model, tta,
                    model.predict_proba(x, tta), root, cache, jobs)


def adabn_scores(r: DevRound) -> dict[str, float]:
    """Rounds 5 and 10: the network's batch norms adapted to each speaker (AdaBN)."""
    return {name: r.ua(r.fused(predict_adapted(r.model, r.x, r.speakers, r.tta, names=layers)))
            for name, layers in ADABN.items()}


def spreading_scores(r: DevRound) -> dict[str, float]:
    """Round 6: the fused answers smoothed over each speaker's clips (label spreading)."""
    spaces = {"svm_functionals": r.features(r.member()),
              EMBEDDING_LAYER: activations(r.model.model,
                                           r.model.model.get_layer(EMBEDDING_LAYER).output, r.x)}
    return {name: r.ua(spread_labels(r.fused(r.network), spaces[space], r.speakers))
            for name, space in CANDIDATES[6].items()}


def speed_scores(r: DevRound) -> dict[str, float]:
    """Round 7: each clip heard at :data:`TEST_SPEEDS`, the answers averaged (speed 1.0: the
    reference's own probabilities)."""
    member = r.member()
    member_model = member.load_model()

    def at_speeds(folder: runs.RunFolder, predict, as_recorded: np.ndarray) -> np.ndarray:
        return np.mean([as_recorded if rate == 1.0 else predict(r.features(folder, {
            "steps": [{"name": "speed", "min_rate": rate, "max_rate": rate}], "seed": 0}))
            for rate in TEST_SPEEDS], axis=0)

    network = at_speeds(r.run, lambda v: r.model.predict_proba(v, r.tta), r.network)
    svm = at_speeds(member, member_model.predict_proba, r.svm)
    return {"tta_speed": r.ua(r.fused(network)), "tta_speed_both": r.ua(r.fused(network, svm))}


#: each round's scorer of its candidates
SCORERS = {5: adabn_scores, 6: spreading_scores, 7: speed_scores, 10: adabn_scores}


def round_scores(round_dir: Path, rows: pd.DataFrame, root: Path, cache: Path,
                 jobs: int, round_: int = 5) -> dict[str, float]:
    """Fused validation UA of one recorded dev round: as recorded, recomputed, and per candidate
    of selection round ``round_``."""
    r = load_round(round_dir, rows, root, cache, jobs)
    return {"recorded": round(r.run.read_metrics()["unweighted_accuracy"], 4),
            "reference": r.ua(r.fused(r.network)), **SCORERS[round_](r)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True, type=Path)
    parser.add_argument("--runs", nargs="+", required=True,
                        help="SEED=RUN_DIR: a real.py dev (round 10: dev_cross) run folder of "
                             "the reference and its seed")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path,
                        default=Path.home() / ".cache" / "sermodels" / "benchmark-real")
    parser.add_argument("--round", type=int, default=5, choices=sorted(CANDIDATES),
                        dest="round_", help="the selection round whose candidates are scored")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: benchmarks/results/real/adaptation.json (round 5), "
                             "adaptation_roundN.json (round N)")
    args = parser.parse_args()
    out = args.out or HERE / "results" / "real" / ("adaptation.json" if args.round_ == 5
                                                   else f"adaptation_round{args.round_}.json")
    root = args.data_root.resolve()
    frame, _ = manifest.build_manifest(root, seed=0)
    frame = frame[frame["corpus"].isin(["ravdess", "tess"])]
    rows = frame[frame["split"] != "test"]
    per_round: list[dict] = []
    for item in args.runs:
        seed, _, run_dir = item.partition("=")
        if not seed.isdigit() or not run_dir:
            raise SystemExit(f"--runs takes SEED=RUN_DIR, got {item!r}")
        for k, _ in enumerate(SELECTION_ROUNDS[PROTOCOL.get(args.round_, "dev")](
                frame, seed=int(seed))):
            try:
                scores = round_scores(Path(run_dir) / f"dev{k}", rows, root,
                                      args.work / "cache", args.jobs, args.round_)
            except DataError as err:  # a missing or damaged run folder: name it, no traceback
                raise SystemExit(str(err)) from None
            if abs(scores["reference"] - scores["recorded"]) > 1e-3:
                raise SystemExit(f"{run_dir}/dev{k}: recomputed {scores['reference']} against "
                                 f"recorded {scores['recorded']}: not the run's data or model")
            per_round.append({"seed": int(seed), "round": k, "run": Path(run_dir).name, **scores})
            print(json.dumps(per_round[-1]), file=sys.stderr, flush=True)
    decisions = {}
    for name in CANDIDATES[args.round_]:
        decisions[name] = paired_rule([r[name] - r["reference"] for r in per_round],
                                      ROUND5_MIN_GAIN)
    record = {"rounds": per_round, "decisions": decisions,
              "candidates": CANDIDATES[args.round_], "min_clips": MIN_CLIPS,
              "min_gain": ROUND5_MIN_GAIN, "reference": REFERENCE, "commit": commit(),
              "command": "python benchmarks/adaptation.py " + " ".join(sys.argv[1:])}
    record.update(SETTINGS[args.round_])
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({"decisions": decisions, "commit": record["commit"]}))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
