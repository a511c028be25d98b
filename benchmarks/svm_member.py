"""Choose the recipe's SVM member on real validation speakers (the ``dev`` protocol of
``benchmarks/real.py``), without retraining the network.

The recipe averages a network's probabilities with an RBF SVM's on per-speaker normalised
functionals (``TrainConfig.fusion``). Given the run folder of a ``real.py --protocols dev``
run of a fused system (``dev0`` ... ``dev2``, each holding its SVM member in ``fused/``), this
script recovers the network's validation probabilities (fused = (1 - w) * network + w * SVM),
then trains SVM variants on each round's training speakers and scores them alone and fused with
the same network. Test speakers of the canonical split are never loaded.

Each variant is a JSON object: ``spec`` (changes to the ``recommended_functionals`` spec as the
run folder recorded it), ``c`` (the SVM's C), ``weight`` (the SVM's share in the fusion;
default: the run's) and ``normalization`` (``"speaker"``: per-speaker z-score as shipped;
``"warp"``: per-speaker feature warping, each value replaced by the normal quantile of its rank
within its speaker).

Usage: ``python benchmarks/svm_member.py --data-root DIR --network-run RUN_DIR
[--variants '[{"spec": {"deltas": 1}}]']``; prints one JSON line per variant and appends them
to ``--out`` (default ``benchmarks/results/real/svm_member.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from real import HERE, commit, development_rounds  # benchmarks/real.py
from scipy.stats import norm, rankdata

from sermodels import manifest, models, runs
from sermodels.cache import extract_features
from sermodels.evaluation import unweighted_accuracy
from sermodels.features import get_spec, speaker_normalize
from sermodels.training import speaker_keys


def warp(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-speaker feature warping: each value -> the normal quantile of its rank in its group."""
    out = np.empty(x.shape, dtype=np.float32)
    for key in np.unique(groups):
        idx = np.flatnonzero(groups == key)
        out[idx] = norm.ppf((rankdata(x[idx], axis=0) - 0.5) / len(idx))
    return out


def fusion_weight(round_dir: Path) -> float:
    """The SVM's share in a recorded fused run."""
    return float(json.loads((round_dir / "config.json").read_text())["train"]["fusion"]
                 .get("weight", 0.5))


def recorded_predictions(round_dir: Path, classes: list[str]):
    """Paths, labels, and the fused and the SVM member's probabilities of one recorded dev
    round's validation clips (the member's rows matched to the fused ones by path)."""
    cols = [f"p_{c}" for c in classes]
    fused = pd.read_csv(round_dir / "test_predictions.csv")
    svm = pd.read_csv(round_dir / "fused" / "test_predictions.csv").set_index("path")
    return (fused["path"].to_numpy(), fused["target"].map(classes.index).to_numpy(),
            fused[cols].to_numpy(), svm.loc[fused["path"], cols].to_numpy())


def network_probabilities(round_dir: Path, classes: list[str]):
    """Paths, the network's probabilities and the labels of one dev round's validation clips."""
    weight = fusion_weight(round_dir)
    paths, y, fused, svm = recorded_predictions(round_dir, classes)
    return paths, (fused - weight * svm) / (1 - weight), y


class Scorer:
    """Scores variants on fixed rounds against the recorded network's probabilities.

    The SVM member's validation probabilities depend only on its features, normalisation and
    C, so they are computed once per member; variants that change only the fusion weight
    reuse them.

    Args:
        dev: the rows (with ``path`` and ``target``) the rounds split.
        rounds: per round, ``"train"``/``"val"``/``"test"`` of ``dev``'s rows (test: scored).
        nets: per round, :func:`network_probabilities` of its validation clips.
        base_spec: the spec a variant's ``spec`` changes.
        run_weight: the fusion weight of a variant that gives none.
    """

    def __init__(self, dev: pd.DataFrame, rounds, nets, root: Path, cache: Path, base_spec,
                 classes: list[str], jobs: int, run_weight: float) -> None:
        self.dev, self.rounds, self.nets = dev, rounds, nets
        self.root, self.cache, self.base_spec = root, cache, base_spec
        self.classes, self.jobs, self.run_weight = classes, jobs, run_weight
        self._members: dict[str, tuple[list[np.ndarray], int]] = {}

    def member(self, variant: dict) -> tuple[list[np.ndarray], int]:
        """The SVM's probabilities on each round's validation clips, and its input dimension."""
        key = json.dumps([variant.get("spec", {}), variant.get("normalization", "speaker"),
                          float(variant.get("c", 10.0))], sort_keys=True)
        if key not in self._members:
            spec = get_spec(self.base_spec, **variant.get("spec", {}))
            fs = extract_features(self.dev, self.root, spec, cache_dir=self.cache,
                                  n_jobs=self.jobs, progress=False)
            rows = fs.rows.reset_index(drop=True)
            groups = speaker_keys(rows)
            method = variant.get("normalization", "speaker")
            x = speaker_normalize(fs.x, groups) if method == "speaker" else warp(fs.x, groups)
            y = np.array([self.classes.index(t) for t in rows["target"]])
            position = {p: i for i, p in enumerate(rows["path"])}
            probas = []
            for split, (paths, _, y_val) in zip(self.rounds, self.nets, strict=True):
                role = dict(zip(self.dev.loc[split.index, "path"], split, strict=True))
                train = np.array([role[p] == "train" for p in rows["path"]])
                val = np.array([position[p] for p in paths])
                if not (y[val] == y_val).all():
                    raise SystemExit("the run folder's validation clips do not match this data "
                                     "root")
                svm = models.classical.build("svm", len(self.classes), seed=0,
                                             c=float(variant.get("c", 10.0)))
                svm.fit(x[train], y[train])
                probas.append(svm.predict_proba(x[val]))
            self._members[key] = probas, int(x.shape[1])
        return self._members[key]

    def __call__(self, variant: dict) -> dict:
        """A variant's validation UA per round, alone and fused with the recorded network."""
        probas, dims = self.member(variant)
        weight = float(variant.get("weight", self.run_weight))
        alone, fused = [], []
        for proba, (_, net, y_val) in zip(probas, self.nets, strict=True):
            alone.append(unweighted_accuracy(y_val, proba.argmax(axis=1)))
            fused.append(unweighted_accuracy(y_val,
                                             ((1 - weight) * net + weight * proba).argmax(1)))
        return {"variant": variant, "svm_ua_per_fold": [round(v, 4) for v in alone],
                "svm_ua": round(float(np.mean(alone)), 4),
                "fused_ua_per_fold": [round(v, 4) for v in fused],
                "fused_ua": round(float(np.mean(fused)), 4), "dims": dims}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", required=True, type=Path)
    parser.add_argument("--network-run", required=True, type=Path,
                        help="a real.py dev run folder of a fused system (holding dev0..dev2)")
    parser.add_argument("--variants", default="[{}]", help="JSON list of variants")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", type=Path,
                        default=Path.home() / ".cache" / "sermodels" / "benchmark-real")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "real" / "svm_member.json")
    args = parser.parse_args()
    variants = json.loads(args.variants)
    root = args.data_root.resolve()
    first = runs.RunFolder.open(args.network_run / "dev0")
    classes = list(first.read_label_set().classes)
    base_spec = runs.RunFolder.open(args.network_run / "dev0" / "fused").read_feature_spec()
    frame, _ = manifest.build_manifest(root, seed=0)
    frame = frame[frame["corpus"].isin(["ravdess", "tess"])]
    rounds = development_rounds(frame, seed=0)
    dev = manifest.select(frame[frame["split"] != "test"], first.read_label_set())
    rounds = [split.loc[dev.index] for split in rounds]
    nets = [network_probabilities(args.network_run / f"dev{k}", classes)
            for k in range(len(rounds))]
    record = json.loads(args.out.read_text()) if args.out.is_file() else []
    network = [round(unweighted_accuracy(y, p.argmax(1)), 4) for _, p, y in nets]
    score = Scorer(dev, rounds, nets, root, args.work / "cache", base_spec, classes, args.jobs,
                   fusion_weight(args.network_run / "dev0"))
    for variant in variants:
        entry = {**score(variant),
                 "network_ua_per_fold": network, "base_spec": base_spec.to_dict(),
                 "network_run": args.network_run.name, "commit": commit(),
                 "command": "python benchmarks/svm_member.py " + " ".join(sys.argv[1:])}
        record.append(entry)
        args.out.write_text(json.dumps(record, indent=2) + "\n")
        print(json.dumps({k: entry[k] for k in ("variant", "svm_ua", "fused_ua",
                                                "fused_ua_per_fold")}), flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
