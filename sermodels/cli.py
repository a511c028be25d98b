"""The ``sermodels`` command line.

Exit codes: 0 success, 1 bad input or data (the message names the file and the
problem), 2 bad command-line usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _corpora(value: str) -> list[str]:
    return [v for v in value.replace(" ", "").split(",") if v]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sermodels",
        description="Speech emotion recognition with honest, speaker-independent evaluation.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("manifest", help="build a manifest CSV from a data root",
                       description="Load the corpora under a data root, assign the "
                       "speaker-independent split and folds, write the manifest and print "
                       "the per-corpus x per-emotion count table.")
    p.add_argument("--data-root", required=True, type=Path, help="folder holding the corpora")
    p.add_argument("--corpora", type=_corpora, default=None,
                   help="comma-separated subset of cremad,ravdess,tess,savee (default: all)")
    p.add_argument("--out", type=Path, default=Path("manifest.csv"), help="CSV to write")
    p.add_argument("--protocol", choices=["speaker", "random"], default="speaker",
                   help="speaker-independent (default) or the papers' leaky random split")
    p.add_argument("--seed", type=int, default=0, help="split seed (0 = canonical split)")
    p.add_argument("--include-song", action="store_true", help="also load RAVDESS song files")

    p = sub.add_parser("verify", help="check a data root against the shipped manifests",
                       description="Per corpus: expected files present, missing, and unexpected.")
    p.add_argument("--data-root", required=True, type=Path)
    p.add_argument("--corpora", type=_corpora, default=None)

    p = sub.add_parser("synth", help="write synthetic corpora in the real layouts",
                       description="Write miniature CREMA-D/RAVDESS/TESS/SAVEE look-alikes "
                       "with learnable emotion cues (for tests, CI and demos).")
    p.add_argument("--dest", required=True, type=Path)
    p.add_argument("--size", choices=["tiny", "small", "demo"], default="tiny")
    p.add_argument("--layout", choices=["original", "kaggle"], default="original")
    p.add_argument("--corpora", type=_corpora, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clean", action="store_true", help="no odd files (stereo, AIFF, bad names)")
    _add_common(p)

    p = sub.add_parser("features", help="extract features into the .npy cache",
                       description="Extract (or fetch from the cache) features for a manifest.")
    p.add_argument("--manifest", required=True, type=Path)
    p.add_argument("--data-root", type=Path, default=None,
                   help="folder the manifest paths are relative to (default: the manifest's folder)")
    p.add_argument("--spec", default="mfcc40",
                   help="feature spec: paper000 ... paper004, paper003_image, mfcc40, logmel64")
    p.add_argument("--augment", default=None,
                   help="also extract augmented copies of the TRAINING rows, e.g. "
                   "pitch_shift,time_stretch (noise, pitch_shift, time_stretch, time_shift)")
    p.add_argument("--copies", type=int, default=1, help="augmented copies per training row")
    p.add_argument("--cache", type=Path, default=None, help="cache folder ($SERMODELS_CACHE)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--seed", type=int, default=0, help="augmentation seed")
    _add_common(p)

    p = sub.add_parser("train", help="train one model on a manifest",
                       description="Train a registered model on a manifest's train split, "
                       "early-stop on its validation speakers, report on its test split.")
    p.add_argument("--manifest", required=True, type=Path)
    p.add_argument("--data-root", type=Path, default=None)
    p.add_argument("--spec", default="paper000")
    p.add_argument("--model", default="cnn_lstm")
    p.add_argument("--labels", default="unified7", help="label set name")
    p.add_argument("--protocol", choices=["speaker", "random"], default=None,
                   help="re-split with this protocol (default: the manifest's split)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache", type=Path, default=None)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--runs-dir", type=Path, default=None)
    _add_common(p)

    p = sub.add_parser("run", help="the main job: data -> manifest -> features -> model -> accuracy",
                       description="Run a preset end to end. Without --data-root, generates the "
                       "synthetic demo corpus; the default preset (quickstart) trains paper 000's "
                       "CNN-LSTM on 40 z-scored MFCCs for up to 15 epochs on CPU, evaluated on "
                       "unseen speakers.")
    p.add_argument("--data-root", type=Path, default=None, help="real corpora (default: synthetic)")
    p.add_argument("--preset", default="quickstart",
                   help="quickstart, paper000 ... paper004, paper004_ravdess8")
    p.add_argument("--corpora", type=_corpora, default=None, help="default: the preset's")
    p.add_argument("--protocol", choices=["speaker", "random"], default="speaker")
    p.add_argument("--spec", default=None, help="feature spec (default: the preset's)")
    p.add_argument("--model", default=None, help="model (default: the preset's)")
    p.add_argument("--labels", default=None, help="label set (default: the preset's)")
    p.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--synthetic-size", choices=["tiny", "small", "demo"], default="demo")
    p.add_argument("--cache", type=Path, default=None)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--runs-dir", type=Path, default=None)
    _add_common(p)
    p = sub.add_parser("tune", help="hyper-parameter search (KerasTuner) on the validation split",
                       description="Search a preset's model options, learning rate and batch size "
                       "with KerasTuner, selecting on validation speakers only; the selected model "
                       "is then scored once on the test split.")
    _add_experiment(p)
    p.add_argument("--max-trials", type=int, default=10)
    p.add_argument("--algorithm", choices=["random", "bayesian"], default="random")

    p = sub.add_parser("ablate", help="vary one setting of a preset; one results table",
                       description="Train a preset once per value, e.g. --vary lstm_layers=1,2,3,5 "
                       "or --vary kernel_size=2,3,5,7; --vary ladder runs paper 004's A1-A5.")
    _add_experiment(p)
    p.add_argument("--vary", required=True,
                   help="NAME=V1,V2,... (builder option, training setting or feature field) or ladder")
    return parser


def _add_experiment(p: argparse.ArgumentParser) -> None:
    """Options shared by commands that train a preset on a data root (or the synthetic corpus)."""
    p.add_argument("--preset", default="paper000")
    p.add_argument("--data-root", type=Path, default=None, help="real corpora (default: synthetic)")
    p.add_argument("--manifest", type=Path, default=None,
                   help="use this manifest's split instead of building one")
    p.add_argument("--corpora", type=_corpora, default=None, help="default: the preset's")
    p.add_argument("--protocol", choices=["speaker", "random"], default="speaker")
    p.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--synthetic-size", choices=["tiny", "small", "demo"], default="demo")
    p.add_argument("--cache", type=Path, default=None)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--runs-dir", type=Path, default=None)
    _add_common(p)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sermodels`` console script."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (FileNotFoundError, NotADirectoryError, ValueError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"sermodels {args.command}: error: {message}", file=sys.stderr)
        return EXIT_DATA


def _cmd_manifest(args) -> int:
    from sermodels import manifest

    frame, loaded = manifest.build_manifest(args.data_root, args.corpora, protocol=args.protocol,
                                            seed=args.seed, include_song=args.include_song)
    manifest.write_manifest(frame, args.out)
    print(loaded.summary())
    print()
    print(f"Files per corpus and emotion (unified 7-class labels):\n{manifest.count_table(frame)}")
    print()
    speakers = frame.groupby(["corpus", "split"])["speaker"].nunique().unstack(fill_value=0)
    print(f"Speakers per split (protocol={args.protocol}, seed={args.seed}):\n{speakers}")
    print(f"\nwrote {args.out} ({len(frame)} rows)")
    return EXIT_OK


def _cmd_verify(args) -> int:
    from sermodels.verify import format_report, verify

    checks = verify(args.data_root, args.corpora)
    print(format_report(checks))
    return EXIT_OK


def _cmd_synth(args) -> int:
    from sermodels import synthetic

    corpus = synthetic.generate(args.dest, args.corpora, size=args.size, layout=args.layout,
                                seed=args.seed, mess=not args.clean, progress=not args.quiet)
    print(f"wrote {len(corpus.files)} files ({corpus.n_expected} utterances) under {args.dest}")
    if corpus.bad_files:
        print(f"badly named on purpose: {', '.join(corpus.bad_files)}")
    return EXIT_OK


def _read(args):
    from sermodels import manifest

    frame = manifest.read_manifest(args.manifest)
    return frame, args.data_root or args.manifest.parent


def _cmd_features(args) -> int:
    from sermodels.augment import Chain, augmentation_plan
    from sermodels.cache import extract_features
    from sermodels.features import get_spec

    frame, root = _read(args)
    spec = get_spec(args.spec)
    fs = extract_features(frame, root, spec, cache_dir=args.cache, n_jobs=args.jobs,
                          progress=not args.quiet)
    print(f"{len(fs.rows)} clips, features {fs.x.shape[1:]} ({spec.name}), "
          f"{fs.hits} from the cache")
    if fs.errors:
        print(fs.report(), file=sys.stderr)
    if args.augment:
        train = frame[frame["split"] == "train"]
        plan = augmentation_plan(train, Chain.parse(args.augment), copies=args.copies,
                                 seed=args.seed)
        aug = extract_features(plan, root, spec, cache_dir=args.cache, n_jobs=args.jobs,
                               progress=not args.quiet)
        print(f"{len(aug.rows)} augmented copies of {len(train)} training clips "
              f"({args.augment}), {aug.hits} from the cache; validation and test rows untouched")
        if aug.errors:
            print(aug.report(), file=sys.stderr)
    return EXIT_OK


def _print_result(metrics: dict, run_dir) -> None:
    print()
    what = ("SPEAKER-INDEPENDENT" if metrics["protocol"] == "speaker"
            else "RANDOM SPLIT, SPEAKERS LEAK")
    print(f"Test results ({metrics['protocol']} protocol - {what}"
          f"; corpora {','.join(metrics['corpora'])}; labels {metrics['label_set']}; "
          f"model {metrics['model']}; features {metrics['feature_spec']}; seed {metrics['seed']})")
    print(f"  accuracy             {metrics['accuracy']:.3f}  (n={metrics['n']})")
    print(f"  unweighted accuracy  {metrics['unweighted_accuracy']:.3f}")
    print(f"  chance level         {metrics['chance_uniform']:.3f} (uniform), "
          f"{metrics['chance_majority']:.3f} (majority class)")
    margin = metrics["unweighted_accuracy"] - metrics["chance_uniform"]
    verdict = ("clearly above chance" if margin > 0.15 else
               "above chance" if margin > 0.03 else "NOT above chance")
    print(f"  verdict              {verdict} ({margin:+.3f} unweighted accuracy over chance)")
    print(f"Run folder: {run_dir}")


def _cmd_train(args) -> int:
    from sermodels import manifest, runs
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, train

    frame, root = _read(args)
    if args.protocol:
        frame = manifest.assign_splits(frame, protocol=args.protocol, seed=args.seed)
    config = TrainConfig(model=args.model, label_set=args.labels, epochs=args.epochs,
                         batch_size=args.batch_size, seed=args.seed,
                         verbose=0 if args.quiet else 1)
    protocol = "random" if (frame["protocol"] == "random").any() else "speaker"
    run_dir = runs.new_run_dir(f"{args.model}-{protocol}", args.runs_dir)
    result = train(frame, root, get_spec(args.spec), config, cache_dir=args.cache,
                   n_jobs=args.jobs, run_dir=run_dir)
    _print_result(result.metrics, result.run_dir)
    return EXIT_OK


def _preset_config(args):
    """The preset and its training settings with the command-line overrides applied."""
    from dataclasses import replace

    from sermodels import presets

    preset = presets.get(args.preset)
    changes = {"seed": args.seed, "verbose": 0 if args.quiet else 1}
    for option, key in (("model", "model"), ("labels", "label_set"), ("epochs", "epochs")):
        if getattr(args, option, None) is not None:
            changes[key] = getattr(args, option)
    if "model" in changes and changes["model"] != preset.config.model:
        changes["model_options"] = {}
    return preset, replace(preset.config, **changes)


def _cmd_run(args) -> int:
    from sermodels.pipeline import run

    preset, config = _preset_config(args)
    if args.data_root is None:
        print("No --data-root given: using the synthetic demo corpus "
              "(speech-like audio in the real corpora's layouts).")
    outcome = run(args.data_root, preset=preset, corpora=args.corpora, spec=args.spec,
                  config=config, protocol=args.protocol, synthetic_size=args.synthetic_size,
                  runs_dir=args.runs_dir, cache_dir=args.cache, n_jobs=args.jobs)
    print(f"Data root: {outcome.data_root}{' (synthetic)' if outcome.synthetic else ''}")
    print(outcome.load_summary)
    print(f"Preset: {preset.name} ({preset.paper})")
    _print_result(outcome.result.metrics, outcome.run_dir)
    return EXIT_OK


def _experiment_data(args):
    """``(preset, manifest frame, data root)`` for tune/ablate/cv-style commands."""
    from sermodels import manifest, presets
    from sermodels.pipeline import demo_data_root, ensure_synthetic

    preset = presets.get(args.preset)
    if args.manifest is not None:
        frame = manifest.read_manifest(args.manifest)
        return preset, frame, args.data_root or args.manifest.parent
    if args.data_root is None:
        root = ensure_synthetic(demo_data_root(args.runs_dir, args.synthetic_size),
                                args.synthetic_size, 0, progress=not args.quiet)
    else:
        root = args.data_root
    frame, _ = manifest.build_manifest(root, args.corpora or preset.corpora,
                                       protocol=args.protocol, seed=args.seed)
    return preset, frame, root


def _cmd_tune(args) -> int:
    from sermodels import runs
    from sermodels.tuning import tune

    preset, frame, root = _experiment_data(args)
    preset = preset.with_config(seed=args.seed)
    result = tune(frame, root, preset, max_trials=args.max_trials, algorithm=args.algorithm,
                  epochs=args.epochs, cache_dir=args.cache, n_jobs=args.jobs,
                  run_dir=runs.new_run_dir(f"tune-{preset.name}", args.runs_dir),
                  verbose=0 if args.quiet else 1)
    print(f"Trials of {preset.name} ({args.algorithm} search, selected on validation loss):")
    print(result.trials.to_string(index=False))
    print(f"\nBest: {result.best_hyperparameters} (validation loss {result.best_val_loss:.4f})")
    _print_result(result.test_metrics | {"corpora": sorted(frame["corpus"].unique()),
                                         "feature_spec": preset.feature_spec.name},
                  result.run_dir)
    return EXIT_OK


def _cmd_ablate(args) -> int:
    from sermodels import runs
    from sermodels.ablation import ablate, parse_values

    preset, frame, root = _experiment_data(args)
    preset = preset.with_config(seed=args.seed)
    if args.vary == "ladder":
        parameter, values = "ladder", []
    elif "=" in args.vary:
        parameter, text = args.vary.split("=", 1)
        values = parse_values(text)
    else:
        raise ValueError(f"--vary must be NAME=V1,V2,... or ladder, got {args.vary!r}")
    run_dir = runs.new_run_dir(f"ablate-{preset.name}-{parameter}", args.runs_dir)
    table = ablate(frame, root, preset, parameter, values, epochs=args.epochs,
                   cache_dir=args.cache, n_jobs=args.jobs, run_dir=run_dir,
                   verbose=0 if args.quiet else 1)
    print(f"Ablation of {preset.name}: {parameter} ({args.protocol} protocol, seed {args.seed})")
    print(table.to_string(index=False))
    print(f"Run folder: {run_dir}")
    return EXIT_OK


_COMMANDS = {"manifest": _cmd_manifest, "verify": _cmd_verify, "synth": _cmd_synth,
             "features": _cmd_features, "train": _cmd_train, "run": _cmd_run,
             "tune": _cmd_tune, "ablate": _cmd_ablate}


if __name__ == "__main__":
    sys.exit(main())
