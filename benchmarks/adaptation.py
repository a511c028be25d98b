"""Score test-time batch-norm adaptation (``sermodels.adaptation``) on real validation speakers.

Selection round 5 (``benchmarks/results/real/selection.md``): the recorded networks of
``real.py --protocols dev`` runs (one run folder per seed, each holding ``dev0`` ... ``dev2``
and the SVM member in ``fused/``) predict their validation actors again, without and with
AdaBN, and are fused with the recorded SVM member. Nothing is trained. The unadapted
predictions must reproduce each round's recorded fused score (a check that the data root,
features and model are those of the run). Test speakers of the canonical split are never
loaded.

Usage: ``python benchmarks/adaptation.py --data-root DIR --runs SEED=RUN_DIR [SEED=RUN_DIR ...]``;
prints one JSON object (every candidate's fused score per round, the paired differences and
round 5's decision) and writes it to ``--out`` (default
``benchmarks/results/real/adaptation.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from real import HERE, ROUND5_MIN_GAIN, commit, development_rounds, paired_rule  # benchmarks/real.py
from svm_member import fusion_weight, recorded_predictions

from sermodels import manifest, runs
from sermodels.adaptation import MIN_CLIPS, predict_adapted
from sermodels.cache import extract_features
from sermodels.errors import DataError
from sermodels.evaluation import speaker_keys, unweighted_accuracy

# round 5's candidates: the batch-norm layers each adapts (None: all of them)
CANDIDATES = {"adabn": None, "adabn_conv": ["bn1", "bn2", "bn3"]}
REFERENCE = "recommended_round3"


def round_scores(round_dir: Path, rows: pd.DataFrame, root: Path, cache: Path,
                 jobs: int) -> dict[str, float]:
    """Fused validation UA of one recorded dev round: as recorded, recomputed, and per candidate."""
    run = runs.RunFolder.open(round_dir)
    classes = list(run.read_label_set().classes)
    config = run.read_config()["train"]
    weight = fusion_weight(round_dir)
    paths, y, _, svm = recorded_predictions(round_dir, classes)
    val = rows.set_index("path").loc[paths].reset_index()
    fs = extract_features(val, root, run.read_feature_spec(), cache_dir=cache, n_jobs=jobs,
                          progress=False)
    if list(fs.rows["path"]) != list(paths):
        raise SystemExit(f"{round_dir}: some validation clips have no usable audio here")
    speakers = speaker_keys(fs.rows)
    x = run.read_normalizer().transform(fs.x, speakers)
    model = run.load_model()
    tta = int(config.get("tta_crops", 0))

    def score(proba: np.ndarray) -> float:
        return round(unweighted_accuracy(y, ((1 - weight) * proba + weight * svm).argmax(1)), 4)

    out = {"recorded": round(run.read_metrics()["unweighted_accuracy"], 4),
           "reference": score(model.predict_proba(x, tta))}
    for name, layers in CANDIDATES.items():
        out[name] = score(predict_adapted(model, x, speakers, tta, names=layers))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True, type=Path)
    parser.add_argument("--runs", nargs="+", required=True,
                        help="SEED=RUN_DIR: a real.py dev run folder of the reference and its seed")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path,
                        default=Path.home() / ".cache" / "sermodels" / "benchmark-real")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "real" / "adaptation.json")
    args = parser.parse_args()
    root = args.data_root.resolve()
    frame, _ = manifest.build_manifest(root, seed=0)
    frame = frame[frame["corpus"].isin(["ravdess", "tess"])]
    rows = frame[frame["split"] != "test"]
    per_round: list[dict] = []
    for item in args.runs:
        seed, _, run_dir = item.partition("=")
        if not seed.isdigit() or not run_dir:
            raise SystemExit(f"--runs takes SEED=RUN_DIR, got {item!r}")
        for k, _ in enumerate(development_rounds(frame, seed=int(seed))):
            try:
                scores = round_scores(Path(run_dir) / f"dev{k}", rows, root,
                                      args.work / "cache", args.jobs)
            except DataError as err:  # a missing or damaged run folder: name it, no traceback
                raise SystemExit(str(err)) from None
            if abs(scores["reference"] - scores["recorded"]) > 1e-3:
                raise SystemExit(f"{run_dir}/dev{k}: recomputed {scores['reference']} against "
                                 f"recorded {scores['recorded']}: not the run's data or model")
            per_round.append({"seed": int(seed), "round": k, "run": Path(run_dir).name, **scores})
            print(json.dumps(per_round[-1]), file=sys.stderr, flush=True)
    decisions = {}
    for name in CANDIDATES:
        decisions[name] = paired_rule([r[name] - r["reference"] for r in per_round],
                                      ROUND5_MIN_GAIN)
    record = {"rounds": per_round, "decisions": decisions, "candidates": CANDIDATES,
              "min_clips": MIN_CLIPS, "min_gain": ROUND5_MIN_GAIN, "reference": REFERENCE,
              "commit": commit(),
              "command": "python benchmarks/adaptation.py " + " ".join(sys.argv[1:])}
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({"decisions": decisions, "commit": record["commit"]}))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
