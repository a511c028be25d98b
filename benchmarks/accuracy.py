"""Speaker-independent accuracy on the hard synthetic corpus: the papers' recipes, an SVM,
and sermodels' recommended recipe.

Runs, with a fixed seed and speaker-independent 5-fold cross-validation on a freshly
generated ``hard`` synthetic corpus (speakers differ more than emotions and express each
emotion their own way, per-speaker microphone and noise, the corpora's scripts), the
paper-000 preset, the paper-004 preset, the SVM baseline (``svm_functionals``) and the
``recommended`` preset, then the recommended recipe and the SVM once more under random
splits (the papers' leaky protocol; as many splits as folds, the means are
``recommended_random_ua`` and ``svm_random_ua``). Prints one JSON object with each mean
unweighted accuracy (``paper000_ua``, ``paper004_ua``, ``svm_ua``, ``recommended_ua``),
their ``_std`` variants, ``recommended_random_ua`` and ``leakage_gap``. For a fair reading
it also scores the SVM with the recipe's per-speaker normalisation
(``svm_speaker_norm_ua``): that shows how much of the recipe's gain is the normalisation
rather than the network, and the recipe with its optional ensemble of 3 fold models
(``recommended_ensemble3_ua``). ``<system>_random`` in ``--systems`` runs any system under
random splits. ``--epochs`` caps every neural preset's epochs (early stopping still
applies) to bound the run time on a CPU.

The recipe's settings were chosen on another corpus (seed 0) and on validation speakers
only, by ``benchmarks/recipe_ablation.py``; nothing here feeds back into them.

Usage: ``python benchmarks/accuracy.py [--epochs 30] [--seed 1] [--systems svm,...]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from common import make_clips  # noqa: F401  (sets the TensorFlow log level)
from recipe_ablation import SIZE

from sermodels import manifest, presets, synthetic
from sermodels.experiments import cross_validate
from sermodels.features import get_spec
from sermodels.training import train

#: key -> (preset, feature-spec changes, training-config changes)
SYSTEMS = {"paper000": ("paper000", {}, {}), "paper004": ("paper004", {}, {}),
           "svm": ("svm_functionals", {}, {}),
           "svm_speaker_norm": ("svm_functionals", {"normalization": "speaker"}, {}),
           "recommended": ("recommended", {}, {}),
           "recommended_ensemble3": ("recommended", {}, {"ensemble": 3})}


RANDOM = [f"{key}_random" for key in SYSTEMS]


def _preset(key: str, epochs: int) -> presets.Preset:
    """The preset of a system, with neural epochs capped at ``epochs``."""
    name, spec_changes, config_changes = SYSTEMS[key]
    preset = presets.get(name)
    if spec_changes:
        preset = replace(preset, name=f"{name}+{key}",
                         spec=get_spec(preset.feature_spec, **spec_changes))
    if config_changes:
        preset = replace(preset, name=f"{name}+{key}").with_config(**config_changes)
    if preset.config.model != "svm":
        preset = preset.with_config(epochs=min(epochs, preset.config.epochs))
    return preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1, help="corpus and split seed")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--systems",
                        default=",".join([*SYSTEMS, "svm_random", "recommended_random"]),
                        help="comma-separated systems; <system>_random runs that system under "
                             "random splits (default: all, and the SVM's and the recipe's "
                             "random-split scores)")
    parser.add_argument("--out", type=Path, default=None, help="keep run folders here")
    args = parser.parse_args()
    wanted = args.systems.split(",")
    unknown = set(wanted) - {*SYSTEMS, *RANDOM}
    if unknown:
        parser.error(f"unknown systems {sorted(unknown)}; known: {[*SYSTEMS, *RANDOM]}")
    size = SIZE
    with tempfile.TemporaryDirectory() as tmp:
        work = args.out or Path(tmp)
        root = work / "hard"
        synthetic.generate(root, size=size, variant="hard", seed=args.seed, mess=False,
                           progress=False)
        frame, _ = manifest.build_manifest(root, seed=args.seed)
        result = {"corpus": "synthetic hard", "files": len(frame),
                  "speakers": int(frame["speaker"].nunique()), "labels": "unified7",
                  "protocol": f"speaker-independent {args.folds}-fold CV", "seed": args.seed,
                  "epochs_cap": args.epochs, "style_sigma": synthetic.STYLE_SIGMA}
        for key in SYSTEMS:
            if key not in wanted:
                continue
            preset = _preset(key, args.epochs)
            subset = frame[frame["corpus"].isin(preset.corpora)]
            started = time.perf_counter()
            outcome = cross_validate(subset, root, preset, folds=args.folds, seed=args.seed,
                                     run_dir=work / f"cv-{key}", cache_dir=work / "cache")
            summary = outcome.summary.loc["unweighted_accuracy"]
            result[f"{key}_ua"] = round(float(summary["mean"]), 4)
            result[f"{key}_ua_std"] = round(float(summary["std"]), 4)
            result[f"{key}_minutes"] = round((time.perf_counter() - started) / 60, 1)
        for key in [k for k in SYSTEMS if f"{k}_random" in wanted]:
            # the leaky protocol, repeated over as many random splits as there are speaker
            # folds, so that both numbers are means over the same number of rounds
            preset = _preset(key, args.epochs).with_config(verbose=0)
            scores = []
            for i in range(args.folds):
                leaky = manifest.assign_splits(frame, protocol="random", seed=args.seed + i)
                leaky = leaky[leaky["corpus"].isin(preset.corpora)]
                run = train(leaky, root, preset.feature_spec, preset.config,
                            run_dir=work / f"{key}-random{i}", cache_dir=work / "cache")
                assert run.metrics["protocol"] == "random"
                scores.append(run.metrics["unweighted_accuracy"])
            result[f"{key}_random_ua"] = round(float(np.mean(scores)), 4)
            result[f"{key}_random_ua_std"] = round(float(np.std(scores, ddof=1)), 4)
            result[f"{key}_random_per_split"] = [round(v, 4) for v in scores]
            result[f"{key}_random_protocol"] = f"random 70/10/20, {args.folds} splits"
            if f"{key}_ua" in result:
                result[f"{key}_leakage_gap"] = round(result[f"{key}_random_ua"]
                                                     - result[f"{key}_ua"], 4)
        if "recommended_leakage_gap" in result:
            result["leakage_gap"] = result["recommended_leakage_gap"]
        result["cpu_count"] = os.cpu_count()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
