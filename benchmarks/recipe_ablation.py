"""How the recommended recipe was chosen, and what each switch contributes: scored on
validation speakers only.

The recipe's settings are chosen here, never on a test split: a *development* corpus
(the ``hard`` synthetic variant generated with ``--seed``, 0 by default, while
``benchmarks/accuracy.py`` reports on a corpus generated with seed 1) loses its test
speakers (speaker fold 0 of 5) before anything is trained. The remaining speakers are
split into speaker folds; each variant is trained with one of them held out (with its
own validation speakers for early stopping) and scored on the held-out fold: validation
speakers of the outer protocol. Every variant is the ``recommended`` preset with one
switch changed, so the table reads as an ablation; the SVM baseline (with and without
per-speaker normalisation) is scored the same way for reference.

Prints one JSON object: per variant the mean validation unweighted accuracy over the
selection folds and the per-fold values. How the recipe was chosen with it (two
rounds: switches toggled one at a time on folds 1-2, then the combination of the
helpful ones checked against the previous recipe on the unused folds 3-4) is recorded
in ``benchmarks/results/hard_v1/`` (the first version of the hard generator).

Usage: ``python benchmarks/recipe_ablation.py [--folds 1,2] [--only NAME,...]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
from common import make_clips  # noqa: F401  (sets the TensorFlow log level)

from sermodels import manifest, presets, splits, synthetic
from sermodels.features import get_spec
from sermodels.training import train

#: The corpus size of benchmarks/accuracy.py.
SIZE = synthetic.Size({"cremad": 10, "ravdess": 10, "tess": 2, "savee": 4}, 4, 1.5)

#: (name, preset, feature-spec changes, training-config changes)
VARIANTS: list[tuple[str, str, dict, dict]] = [
    ("recipe", "recommended", {}, {}),
    ("per-utterance instead of per-speaker normalisation", "recommended",
     {"utterance_norm": True, "normalization": "none"}, {}),
    ("no speed/pitch perturbation copies", "recommended", {}, {"augment_copies": 0}),
    ("no SpecAugment", "recommended", {}, {"spec_augment": None}),
    ("no mixup", "recommended", {}, {"mixup_alpha": 0.0}),
    ("+ label smoothing 0.1", "recommended", {}, {"label_smoothing": 0.1}),
    ("plateau LR instead of cosine", "recommended", {}, {"lr_schedule": "plateau"}),
    ("no test-time crops", "recommended", {}, {"tta_crops": 0}),
    ("log-mel only (no pitch/RMS/ZCR)", "recommended", {"features": ("logmel",)}, {}),
    ("paper 000's CNN-LSTM instead of the CNN + attentive pooling", "recommended", {},
     {"model": "cnn_lstm", "model_options": {}}),
    ("larger CNN (64-128-128 filters)", "recommended", {},
     {"model_options": {"filters": (64, 128, 128)}}),
    ("+ ensemble of 3 fold models", "recommended", {}, {"ensemble": 3}),
    ("SVM on functionals (baseline)", "svm_functionals", {}, {}),
    ("SVM on functionals, per-speaker normalisation", "svm_functionals",
     {"normalization": "speaker"}, {}),
]


def development_frame(root: Path, seed: int) -> pd.DataFrame:
    """The development corpus' manifest without its test speakers (speaker fold 0 of 5)."""
    frame, _ = manifest.build_manifest(root, seed=seed)
    outer = splits.speaker_kfold(frame, k=5, seed=seed)
    dev = frame[outer != 0].copy()
    dev["fold"] = outer[outer != 0]
    return dev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="development corpus seed")
    parser.add_argument("--folds", default="1,2", help="speaker folds held out for selection")
    parser.add_argument("--only", default=None, help="comma-separated variant names")
    parser.add_argument("--out", type=Path, default=None, help="keep run folders here")
    args = parser.parse_args()
    folds = [int(f) for f in args.folds.split(",")]
    chosen = VARIANTS if not args.only else [v for v in VARIANTS if v[0] in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.out or Path(tmp)
        root = work / "dev"
        if not root.exists():
            synthetic.generate(root, size=SIZE, variant="hard", seed=args.seed, mess=False,
                               progress=False)
        dev = development_frame(root, args.seed)
        result = {"corpus": f"synthetic hard, seed {args.seed}, test speakers removed",
                  "files": len(dev), "speakers": int(dev["speaker"].nunique()),
                  "labels": "unified7", "scored_on": f"validation speaker folds {folds}",
                  "metric": "unweighted accuracy", "variants": {}}
        for number, (name, preset_name, spec_changes, config_changes) in enumerate(chosen):
            preset = presets.get(preset_name)
            spec = get_spec(preset.feature_spec, **spec_changes)
            config = dataclasses.replace(preset.config, verbose=0, seed=args.seed,
                                         **config_changes)
            scores = []
            for k in folds:
                frame = dev.assign(split=splits.fold_split(dev, k, seed=args.seed).to_numpy(),
                                   protocol="speaker")
                frame = frame[frame["corpus"].isin(preset.corpora)]
                run = train(frame, root, spec, config, run_dir=work / "runs" / f"variant{number}-fold{k}",
                            cache_dir=work / "cache")
                scores.append(round(run.metrics["unweighted_accuracy"], 4))
            result["variants"][name] = {"val_ua": round(sum(scores) / len(scores), 4),
                                        "per_fold": scores}
        result["cpu_count"] = os.cpu_count()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
