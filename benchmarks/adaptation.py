"""Score test-time adaptation to the speaker (``sermodels.adaptation``) on real validation speakers.

Selection rounds 5 and 6 (``benchmarks/results/real/selection.md``): the recorded networks of
``real.py --protocols dev`` runs (one run folder per seed, each holding ``dev0`` ... ``dev2``
and the SVM member in ``fused/``) predict their validation actors again and are fused with the
recorded SVM member, without and with each candidate adaptation (round 5: AdaBN; round 6:
label spreading over each speaker's clips; round 7: each clip heard at three speeds and the
answers averaged). Nothing is trained. The unadapted predictions must
reproduce each round's recorded fused score (a check that the data root, features and model are
those of the run). Test speakers of the canonical split are never loaded.

Usage: ``python benchmarks/adaptation.py --data-root DIR --runs SEED=RUN_DIR [SEED=RUN_DIR ...]
[--round 6]``; prints one JSON object (every candidate's fused score per round, the paired
differences and the round's decision) and writes it to ``--out`` (default
``benchmarks/results/real/adaptation.json`` for round 5, ``adaptation_roundN.json`` for N).
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
from sermodels.adaptation import MIN_CLIPS, SPREAD_ALPHA, SPREAD_NEIGHBOURS, predict_adapted, spread_labels
from sermodels.cache import extract_features
from sermodels.errors import DataError
from sermodels.evaluation import speaker_keys, unweighted_accuracy

# each round's candidates. Round 5: the batch-norm layers AdaBN adapts (None: all of them).
# Round 6: the space in which label spreading finds each clip's neighbours among its speaker's
# clips (the SVM member's per-speaker normalised functionals, or the network's penultimate
# activations), alpha and neighbours fixed in advance (sermodels.adaptation's defaults).
CANDIDATES = {5: {"adabn": None, "adabn_conv": ["bn1", "bn2", "bn3"]},
              6: {"spread_svm": "svm_functionals", "spread_net": "dense_relu"},
              7: {"tta_speed": "network", "tta_speed_both": "network and SVM member"}}
# round 7: the speeds at which each test clip is heard (1.0: as recorded)
TEST_SPEEDS = (0.9, 1.0, 1.1)
REFERENCE = "recommended_round3"
EMBEDDING_LAYER = "dense_relu"  # the recipe's penultimate activations (models.recommended)


def round_scores(round_dir: Path, rows: pd.DataFrame, root: Path, cache: Path,
                 jobs: int, round_: int = 5) -> dict[str, float]:
    """Fused validation UA of one recorded dev round: as recorded, recomputed, and per candidate
    of selection round ``round_``."""
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

    network = model.predict_proba(x, tta)
    out = {"recorded": round(run.read_metrics()["unweighted_accuracy"], 4),
           "reference": score(network)}
    if round_ == 5:
        for name, layers in CANDIDATES[5].items():
            out[name] = score(predict_adapted(model, x, speakers, tta, names=layers))
        return out
    member = runs.RunFolder.open(round_dir / "fused")
    if round_ == 7:
        def at_speeds(folder: runs.RunFolder, predict) -> np.ndarray:
            """``predict``'s probabilities averaged over :data:`TEST_SPEEDS`."""
            spec, normalizer, out = folder.read_feature_spec(), folder.read_normalizer(), []
            for rate in TEST_SPEEDS:
                recipe = None if rate == 1.0 else {
                    "steps": [{"name": "speed", "min_rate": rate, "max_rate": rate}], "seed": 0}
                part = extract_features(val, root, spec, cache_dir=cache, n_jobs=jobs,
                                        progress=False, recipes=[recipe] * len(val))
                if list(part.rows["path"]) != list(paths):
                    raise SystemExit(f"{round_dir}: some clips at speed {rate} are unusable")
                out.append(predict(normalizer.transform(part.x, speakers)))
            return np.mean(out, axis=0)

        network_speeds = at_speeds(run, lambda v: model.predict_proba(v, tta))
        member_model = member.load_model()
        svm_speeds = at_speeds(member, member_model.predict_proba)
        out["tta_speed"] = score(network_speeds)
        both = (1 - weight) * network_speeds + weight * svm_speeds
        out["tta_speed_both"] = round(unweighted_accuracy(y, both.argmax(1)), 4)
        return out
    fused = (1 - weight) * network + weight * svm
    member_fs = extract_features(val, root, member.read_feature_spec(), cache_dir=cache,
                                 n_jobs=jobs, progress=False)
    spaces = {"svm_functionals": member.read_normalizer().transform(member_fs.x, speakers),
              EMBEDDING_LAYER: embeddings(model.model, x)}
    for name, space in CANDIDATES[6].items():
        proba = spread_labels(fused, spaces[space], speakers)
        out[name] = round(unweighted_accuracy(y, proba.argmax(1)), 4)
    return out


def embeddings(model, x: np.ndarray, layer: str = EMBEDDING_LAYER,
               batch_size: int = 256) -> np.ndarray:
    """The outputs of ``model``'s ``layer`` on ``x`` (inference mode)."""
    import keras

    probe = keras.Model(model.input, model.get_layer(layer).output)
    return np.concatenate([keras.ops.convert_to_numpy(probe(x[i:i + batch_size], training=False))
                           for i in range(0, len(x), batch_size)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True, type=Path)
    parser.add_argument("--runs", nargs="+", required=True,
                        help="SEED=RUN_DIR: a real.py dev run folder of the reference and its seed")
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
        for k, _ in enumerate(development_rounds(frame, seed=int(seed))):
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
    if args.round_ == 6:
        record.update(round=6, alpha=SPREAD_ALPHA, neighbours=SPREAD_NEIGHBOURS)
    if args.round_ == 7:
        record.update(round=7, speeds=list(TEST_SPEEDS))
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({"decisions": decisions, "commit": record["commit"]}))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
