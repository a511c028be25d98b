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

    p = sub.add_parser("download", help="get a corpus (direct, Kaggle or a zip) and verify it",
                       description="Download (resuming partial downloads) or unpack a corpus into "
                       "DEST/<corpus>/ and check it against the shipped manifest. Direct "
                       "downloads exist for RAVDESS (Zenodo) and TESS (Borealis); CREMA-D and "
                       "SAVEE come from the Kaggle mirrors or a zip you downloaded.")
    p.add_argument("corpus", help="cremad, ravdess, tess or savee")
    p.add_argument("--dest", required=True, type=Path, help="data root")
    p.add_argument("--source", default="direct", help="direct, kaggle, or the path of a zip")
    p.add_argument("--url", default=None, help="override the direct URL")
    _add_common(p)

    p = sub.add_parser("synth", help="write synthetic corpora in the real layouts",
                       description="Write miniature CREMA-D/RAVDESS/TESS/SAVEE look-alikes "
                       "with learnable emotion cues (for tests, CI and demos).")
    p.add_argument("--dest", required=True, type=Path)
    p.add_argument("--size", choices=["tiny", "small", "demo"], default="tiny")
    p.add_argument("--layout", choices=["original", "kaggle"], default="original")
    p.add_argument("--corpora", type=_corpora, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--clean", action="store_true", help="no odd files (stereo, AIFF, bad names)")
    p.add_argument("--variant", choices=["easy", "hard"], default="easy",
                   help="hard: speakers differ more than emotions (a leakage gap, as on real data)")
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
    _add_experiment(p, preset="quickstart", manifest=False)
    p.add_argument("--spec", default=None, help="feature spec (default: the preset's)")
    p.add_argument("--model", default=None, help="model (default: the preset's)")
    p.add_argument("--labels", default=None, help="label set (default: the preset's)")

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
    p = sub.add_parser("cv", help="speaker-independent k-fold cross-validation (mean ± std)",
                       description="Every speaker is tested exactly once. --folds 5 (canonical "
                       "folds), any k, or emobox (RAVDESS only: EmoBox's 6 folds); "
                       "--scheme loco trains on all corpora but one and tests on it.")
    _add_experiment(p)
    p.add_argument("--folds", default="5", help="number of folds, or emobox")
    p.add_argument("--scheme", choices=["kfold", "loco"], default="kfold")
    p.add_argument("--labels", default=None, help="label set (default: the preset's)")

    p = sub.add_parser("compare-protocols", help="the leakage gap: random split vs unseen speakers",
                       description="Train the same preset under the random split and under the "
                       "speaker-independent split; report both side by side, the difference "
                       "and a figure.")
    _add_experiment(p)

    p = sub.add_parser("compare", help="several models on the same split and features",
                       description="Train each model on the same split and features; print a "
                       "results table and paper 000's Table 9-style per-class comparison.")
    _add_experiment(p)
    p.add_argument("--models", required=True, type=_corpora,
                   help="comma-separated model names, e.g. dnn,cnn1d,cnn_lstm,svm")

    p = sub.add_parser("predict", help="emotion probabilities for a file, a folder or a long recording",
                       description="Apply a run's exact preprocessing, features, normaliser and "
                       "model to new audio.")
    p.add_argument("audio", type=Path, help="an audio file or a folder of audio files")
    p.add_argument("--run", required=True, type=Path, help="run folder")
    p.add_argument("--window", type=float, default=None,
                   help="predict per window of this many seconds (long recordings)")
    p.add_argument("--hop", type=float, default=1.0, help="hop between windows, seconds")
    p.add_argument("--out", type=Path, default=None, help="CSV output (folders and windows)")
    p.add_argument("--one-speaker", action="store_true",
                   help="the folder's files are one speaker's: runs with per-speaker "
                   "normalisation (the recommended preset) then normalise them together")

    p = sub.add_parser("export", help="export a run's model to TFLite and check it",
                       description="Write a TFLite model (optionally quantised), report its size "
                       "and latency next to the Keras model's, and check that its predictions "
                       "agree with the Keras model's on held-out test clips.")
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--format", choices=["tflite"], default="tflite")
    p.add_argument("--quantize", choices=["none", "dynamic", "float16"], default="none")
    p.add_argument("--clips", type=int, default=50, help="held-out clips for the agreement check")
    p.add_argument("--data-root", type=Path, default=None)
    return parser


def _add_experiment(p: argparse.ArgumentParser, preset: str = "paper000",
                    manifest: bool = True) -> None:
    """Options shared by commands that train a preset on a data root (or the synthetic corpus)."""
    p.add_argument("--preset", default=preset,
                   help="quickstart, paper000 ... paper004, paper004_ravdess8, recommended, "
                   "svm_functionals")
    p.add_argument("--data-root", type=Path, default=None, help="real corpora (default: synthetic)")
    if manifest:
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


def _cmd_download(args) -> int:
    from sermodels.download import DownloadError, download
    from sermodels.verify import format_report

    try:
        result = download(args.corpus, args.dest, source=args.source, url=args.url,
                          progress=not args.quiet)
    except DownloadError as err:
        print(f"sermodels download: error: {err}", file=sys.stderr)
        return EXIT_DATA
    print(f"{result.corpus} unpacked into {result.folder}")
    print(format_report([result.check]))
    return EXIT_OK if result.check.present else EXIT_DATA


def _cmd_synth(args) -> int:
    from sermodels import synthetic

    corpus = synthetic.generate(args.dest, args.corpora, size=args.size, layout=args.layout,
                                seed=args.seed, mess=not args.clean, progress=not args.quiet,
                                variant=args.variant)
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
    comparison = outcome.run_dir / "comparison_with_paper000.csv"
    if comparison.exists():
        import pandas as pd

        print("\nSame split, same seed:")
        print(pd.read_csv(comparison).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"Report: {outcome.run_dir / 'report.html'}")
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


def _cmd_cv(args) -> int:
    from sermodels import runs
    from sermodels.experiments import cross_validate, leave_one_corpus_out

    preset, frame, root = _experiment_data(args)
    if args.labels:
        preset = preset.with_config(label_set=args.labels)
    kwargs = {"seed": args.seed, "epochs": args.epochs, "cache_dir": args.cache,
              "n_jobs": args.jobs, "verbose": 0 if args.quiet else 1}
    if args.scheme == "loco":
        outcome = leave_one_corpus_out(
            frame, root, preset, run_dir=runs.new_run_dir(f"loco-{preset.name}", args.runs_dir),
            **kwargs)
    else:
        folds = args.folds if args.folds == "emobox" else int(args.folds)
        outcome = cross_validate(
            frame, root, preset, folds=folds,
            run_dir=runs.new_run_dir(f"cv-{preset.name}-{folds}", args.runs_dir), **kwargs)
    print(outcome.table.drop(columns=["run_dir"]).to_string(index=False))
    print(f"\nMean ± std over {len(outcome.table)} rounds (speaker-independent, seed {args.seed}):")
    for key, row in outcome.summary.iterrows():
        print(f"  {key:22s} {row['mean']:.3f} ± {row['std']:.3f}")
    print(f"Report: {outcome.report_path}")
    return EXIT_OK


def _cmd_compare_protocols(args) -> int:
    from sermodels import runs
    from sermodels.experiments import compare_protocols

    preset, frame, root = _experiment_data(args)
    outcome = compare_protocols(frame, root, preset, seed=args.seed, epochs=args.epochs,
                                cache_dir=args.cache, n_jobs=args.jobs,
                                run_dir=runs.new_run_dir(f"protocols-{preset.name}", args.runs_dir),
                                verbose=0 if args.quiet else 1)
    print(f"Preset {preset.name}, seed {args.seed}: the same configuration under two protocols")
    print(outcome.summary.to_string(float_format=lambda v: f"{v:.3f}"))
    print(outcome.table[["protocol", "test_speakers", "test_speakers_seen_in_training"]]
          .to_string(index=False))
    print(f"Report: {outcome.report_path}")
    return EXIT_OK


def _cmd_compare(args) -> int:
    from sermodels import runs
    from sermodels.experiments import compare_models

    preset, frame, root = _experiment_data(args)
    outcome = compare_models(frame, root, args.models, preset, seed=args.seed,
                             epochs=args.epochs, cache_dir=args.cache, n_jobs=args.jobs,
                             run_dir=runs.new_run_dir(f"compare-{preset.name}", args.runs_dir),
                             verbose=0 if args.quiet else 1)
    print(f"Models on the same {outcome.table['protocol'].iloc[0]} split, features "
          f"{preset.feature_spec.name}, seed {args.seed}:")
    print(outcome.summary.to_string(float_format=lambda v: f"{v:.3f}"))
    per_class = outcome.extra["per_class"]
    print("\nPer-class precision / recall / F1 (paper 000, Table 9 style):")
    print(per_class.pivot(index="class", columns="model",
                          values=["precision", "recall", "f1-score"])
          .to_string(float_format=lambda v: f"{v:.2f}"))
    print(f"Report: {outcome.report_path}")
    return EXIT_OK


def _cmd_predict(args) -> int:
    from sermodels.audio import format_errors
    from sermodels.inference import Predictor

    predictor = Predictor(args.run)
    if predictor.protocol == "random":
        print("note: this model was evaluated with a random split (speakers leaked)",
              file=sys.stderr)
    if args.audio.is_dir():
        table, errors = predictor.predict_folder(args.audio, one_speaker=args.one_speaker)
        if args.out:
            table.to_csv(args.out, index=False)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}") if len(table)
              else "no usable audio files")
        if errors:
            print(format_errors(errors), file=sys.stderr)
        return EXIT_OK if len(table) and not errors else EXIT_DATA
    if args.window:
        table = predictor.predict_windows(args.audio, window=args.window, hop=args.hop)
        if args.out:
            table.to_csv(args.out, index=False)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return EXIT_OK
    prediction = predictor.predict_file(args.audio)
    print(f"{args.audio}: {prediction.label} ({prediction.confidence:.3f})")
    for name, p in sorted(prediction.probabilities.items(), key=lambda kv: -kv[1]):
        print(f"  {name:10s} {p:.3f}")
    return EXIT_OK


def _cmd_export(args) -> int:
    from sermodels.export import export_tflite

    quantize = None if args.quantize == "none" else args.quantize
    report = export_tflite(args.run, quantize=quantize, clips=args.clips,
                           data_root=args.data_root)
    print(f"wrote {report['tflite_path']} ({report['quantize']} quantisation)")
    print(f"  size      Keras {report['keras_size_kb']:.0f} KB   TFLite {report['tflite_size_kb']:.0f} KB")
    print(f"  latency   Keras {report['keras_latency_ms']:.2f} ms  TFLite "
          f"{report['tflite_latency_ms']:.2f} ms (one clip, median)")
    print(f"  agreement top-1 {report['top1_agreement']:.3f} on {report['clips_checked']} held-out "
          f"clips; max probability difference {report['max_probability_difference']:.4f}")
    return EXIT_OK


_COMMANDS = {"manifest": _cmd_manifest, "verify": _cmd_verify, "synth": _cmd_synth,
             "download": _cmd_download,
             "features": _cmd_features, "train": _cmd_train, "run": _cmd_run,
             "tune": _cmd_tune, "ablate": _cmd_ablate, "cv": _cmd_cv,
             "compare-protocols": _cmd_compare_protocols, "compare": _cmd_compare,
             "predict": _cmd_predict, "export": _cmd_export}


if __name__ == "__main__":
    sys.exit(main())
