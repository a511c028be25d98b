"""The ``sermodels`` command line.

Exit codes: 0 success, 1 bad input or data (the message names the file and the
problem), 2 bad command-line usage. Every error sermodels raises on purpose
(:class:`sermodels.errors.SermodelsError`, and the ``ValueError``/``KeyError``/``OSError``
of bad input) is turned into one ``sermodels COMMAND: error: ...`` line in
:func:`main`, never a traceback.

TensorFlow prints C++ start-up lines ("All log messages before absl::InitializeLog()
...", oneDNN, cudart) while it is imported, whatever ``TF_CPP_MIN_LOG_LEVEL`` says;
the command line imports it with file descriptor 2 pointed at ``/dev/null`` (restored
right after), so only what you asked for is printed. ``sermodels --verbose ...`` shows
them. ``TF_ENABLE_ONEDNN_OPTS`` is left as you set it (turning oneDNN off changes the
numbers slightly).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2

#: Default of ``--max-missing``: the largest fraction of a split's clips that may lack usable audio.
MAX_MISSING = 0.05

_VERBOSE = False


# --- TensorFlow, imported quietly --------------------------------------------------------

def import_tensorflow(verbose: bool | None = None) -> None:
    """Import TensorFlow once, hiding the C++ start-up lines it writes to stderr.

    ``TF_CPP_MIN_LOG_LEVEL=3`` silences TensorFlow's later C++ logging but not the lines
    written while its libraries load, so file descriptor 2 points at ``/dev/null`` for
    the duration of the import only. With ``verbose`` nothing is hidden.
    """
    verbose = _VERBOSE if verbose is None else verbose
    if "tensorflow" in sys.modules:
        return
    if verbose:
        import tensorflow  # noqa: F401
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to hide
        import tensorflow  # noqa: F401
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# --- argument types: checked while parsing, so a bad value exits 2 with its name ------------

def _checked(convert, accept, what: str):
    """An argparse ``type``: ``convert`` the text, and refuse it unless ``accept(value)``."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    return parse


#: a whole number >= 1 (``--epochs``, ``--batch-size``, ...)
positive_int = _checked(int, lambda v: v >= 1, "a whole number >= 1")
#: a whole number >= 0 (seeds)
non_negative_int = _checked(int, lambda v: v >= 0, "a whole number >= 0")
#: worker processes: a whole number >= 1, -1 for every core, 0 to decide by the clip count
jobs = _checked(int, lambda v: v >= -1, "a whole number >= 1 (or -1: every core, 0: decide)")
#: a finite number > 0 (seconds: ``--window``, ``--hop``)
positive_float = _checked(float, lambda v: math.isfinite(v) and v > 0, "a finite number > 0")
#: a number from 0 to 1 (``--max-missing``; nan is refused)
fraction = _checked(float, lambda v: 0 <= v <= 1, "a number from 0 to 1")


def _corpora(value: str) -> list[str]:
    """Comma-separated corpus names (checked against the data when it is loaded: a manifest may
    hold corpora of your own)."""
    names = [v for v in value.replace(" ", "").split(",") if v]
    if not names:
        raise argparse.ArgumentTypeError("give at least one corpus name")
    return names


def _corpus(text: str) -> str:
    from sermodels.corpora import check_corpora

    try:
        (name,) = check_corpora([text])
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return name


# The registries the choices come from: name -> function returning the allowed names.
# Modules that import TensorFlow are loaded only when a value is checked or --help shown.

def _spec_names() -> list[str]:
    from sermodels.features import spec_names

    return spec_names()


def _model_names() -> list[str]:
    import_tensorflow()
    from sermodels import models

    return sorted(set(models.names()) | set(models.classical.names()))


def _preset_names() -> list[str]:
    import_tensorflow()
    from sermodels import presets

    return presets.names()


def _label_names() -> list[str]:
    from sermodels import labels

    return [*labels.names(), labels.INFERRED]  # or a .json label file


def _corpus_names() -> list[str]:
    from sermodels.labels import CORPORA

    return list(CORPORA)


def _algorithm_names() -> list[str]:
    import_tensorflow()
    from sermodels.tuning import ALGORITHMS

    return list(ALGORITHMS)


def _quantizations() -> list[str]:
    from sermodels.export import QUANTIZATIONS

    return [q or "none" for q in QUANTIZATIONS]


def _size_names() -> list[str]:
    from sermodels.synthetic import SIZES

    return list(SIZES)


class _Names:
    """An argparse ``type`` accepting one name (or, with ``many``, a comma-separated list) of a
    registry; the registry is consulted only when a value is given or help is shown."""

    def __init__(self, names: Callable[[], list[str]], what: str, *, many: bool = False,
                 also: Callable[[str], bool] | None = None) -> None:
        self.names, self.what, self.many, self.also = names, what, many, also
        self.__name__ = what  # argparse names the type in some messages

    def __call__(self, text: str):
        values = [v for v in text.replace(" ", "").split(",") if v] if self.many else [text]
        if not values:
            raise argparse.ArgumentTypeError(f"give at least one {self.what}")
        known = self.names()
        for value in values:
            if value not in known and not (self.also and self.also(value)):
                raise argparse.ArgumentTypeError(
                    f"unknown {self.what} {value!r}; choose from {', '.join(known)}")
        return values if self.many else text

    def choices_text(self) -> str:
        return ", ".join(self.names())


def _label_file(text: str) -> bool:
    """A label set given as a file (``my_labels.json``) rather than a registered name."""
    return text.endswith(".json") or os.sep in text


SPEC = _Names(_spec_names, "feature spec")
MODEL = _Names(_model_names, "model")
MODELS = _Names(_model_names, "model", many=True)
PRESET = _Names(_preset_names, "preset")
LABELS = _Names(_label_names, "label set", also=_label_file)
SIZE = _Names(_size_names, "synthetic size")
ALGORITHM = _Names(_algorithm_names, "search algorithm")


class _Formatter(argparse.HelpFormatter):
    """Help that lists a registry's names (read when help is shown, so always current)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if isinstance(action.type, _Names):
            text += f" (one of: {action.type.choices_text()})"
        return text.replace("%", "%%") if "%(" not in text else text


def _folds(text: str) -> int | str:
    if text == "emobox":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 2 or emobox, got {text!r}")
    return value


def _vary(text: str) -> str:
    if text != "ladder" and ("=" not in text or not text.split("=", 1)[0]
                             or not text.split("=", 1)[1]):
        raise argparse.ArgumentTypeError(f"must be NAME=V1,V2,... or ladder, got {text!r}")
    return text


# --- one parser function per command ------------------------------------------------------

def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_verbose(p: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    p.add_argument("--verbose", action="store_true", default=default,
                   help="also show TensorFlow's start-up log lines")


def _add_loss_guard(p: argparse.ArgumentParser) -> None:
    """``--max-missing``: shared by every command that trains."""
    p.add_argument("--max-missing", type=fraction, default=MAX_MISSING, metavar="FRACTION",
                   help="refuse to train when more than this fraction of a split's clips have "
                   f"no usable audio (default {MAX_MISSING}; 1 allows any loss). Left-out clips "
                   "are always listed")


def _add_jobs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=jobs, default=0,
                   help="feature-extraction worker processes (-1: every core; default 0: every "
                   "core from 2,000 clips on, else one)")


def _add_preset_labels(p: argparse.ArgumentParser) -> None:
    p.add_argument("--labels", type=LABELS, default=None,
                   help="label set or FILE.json (default: the preset's)")


def _add_experiment(p: argparse.ArgumentParser, preset: str = "paper000",
                    manifest: bool = True) -> None:
    """Options shared by commands that train a preset on a data root (or the synthetic corpus)."""
    p.add_argument("--preset", type=PRESET, default=preset, help="preset")
    p.add_argument("--data-root", type=Path, default=None, help="real corpora (default: synthetic)")
    if manifest:
        p.add_argument("--manifest", type=Path, default=None,
                       help="use this manifest's split instead of building one")
    p.add_argument("--corpora", type=_corpora, default=None, help="default: the preset's")
    p.add_argument("--protocol", choices=_protocols(), default="speaker")
    p.add_argument("--epochs", type=positive_int, default=None, help="default: the preset's")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--synthetic-size", type=SIZE, default="demo", help="synthetic corpus size")
    p.add_argument("--cache", type=Path, default=None)
    _add_jobs(p)
    p.add_argument("--runs-dir", type=Path, default=None)
    _add_loss_guard(p)
    _add_common(p)


def _command(sub, name: str, **kwargs) -> argparse.ArgumentParser:
    """A sub-command's parser: registry-aware help, and ``--verbose`` after the command too."""
    p = sub.add_parser(name, formatter_class=_Formatter, **kwargs)
    _add_verbose(p)
    return p


def _protocols() -> tuple[str, ...]:
    from sermodels.splits import PROTOCOLS

    return PROTOCOLS


def _parser_manifest(sub) -> None:
    p = _command(sub, "manifest", help="build a manifest CSV from a data root",
                 description="Load the corpora under a data root, assign the "
                 "speaker-independent split and folds, write the manifest and print "
                 "the per-corpus x per-emotion count table.")
    p.add_argument("--data-root", required=True, type=Path, help="folder holding the corpora")
    p.add_argument("--corpora", type=_corpora, default=None,
                   help=f"comma-separated subset of {','.join(_corpus_names())} (default: all)")
    p.add_argument("--out", type=Path, default=Path("manifest.csv"), help="CSV to write")
    p.add_argument("--protocol", choices=_protocols(), default="speaker",
                   help="speaker-independent (default) or the papers' leaky random split")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="split seed (0 = canonical split)")
    p.add_argument("--include-song", action="store_true", help="also load RAVDESS song files")
    p.add_argument("--layout", choices=_layouts(), default="corpora",
                   help="corpora: the four built-in corpora (default); folders: your own "
                   "corpus as DATA_ROOT/<emotion>/<file>, speakers from --speaker-pattern")
    p.add_argument("--speaker-pattern", default=None, metavar="REGEX",
                   help="folders layout: regular expression searched in each file name, with a "
                   "named group speaker, e.g. '^(?P<speaker>[a-z]+)_'")
    p.add_argument("--corpus-name", default=None, metavar="NAME",
                   help="folders layout: corpus name in the manifest (default mycorpus)")


def _layouts() -> tuple[str, ...]:
    from sermodels.corpora import LAYOUTS

    return LAYOUTS


def _parser_verify(sub) -> None:
    p = _command(sub, "verify", help="check a data root against the shipped manifests",
                 description="Per corpus: expected files present, missing, and unexpected. "
                 "Exits 1 when no corpus is found at all.")
    p.add_argument("--data-root", required=True, type=Path)
    p.add_argument("--corpora", type=_corpora, default=None,
                   help=f"comma-separated subset of {','.join(_corpus_names())} (default: all)")


def _parser_download(sub) -> None:
    p = _command(sub, "download", help="get a corpus (direct, Kaggle or a zip) and verify it",
                 description="Download (resuming partial downloads) or unpack a corpus into "
                 "DEST/<corpus>/ and check it against the shipped manifest. Direct "
                 "downloads exist for RAVDESS (Zenodo) and TESS (Borealis); CREMA-D and "
                 "SAVEE come from the Kaggle mirrors or a zip you downloaded.")
    p.add_argument("corpus", type=_corpus, help=f"the corpus: {', '.join(_corpus_names())}")
    p.add_argument("--dest", required=True, type=Path, help="data root")
    p.add_argument("--source", default="direct", help="direct, kaggle, or the path of a zip")
    p.add_argument("--url", default=None, help="override the direct URL")
    _add_common(p)


def _parser_synth(sub) -> None:
    from sermodels.synthetic import LAYOUTS, VARIANTS

    p = _command(sub, "synth", help="write synthetic corpora in the real layouts",
                 description="Write miniature CREMA-D/RAVDESS/TESS/SAVEE look-alikes "
                 "with learnable emotion cues (for tests, CI and demos).")
    p.add_argument("--dest", required=True, type=Path)
    p.add_argument("--size", type=SIZE, default="tiny", help="corpus size")
    p.add_argument("--layout", choices=LAYOUTS, default="original")
    p.add_argument("--corpora", type=_corpora, default=None)
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--clean", action="store_true", help="no odd files (stereo, AIFF, bad names)")
    p.add_argument("--variant", choices=VARIANTS, default="easy",
                   help="hard: speakers differ more than emotions (a leakage gap, as on real data)")
    _add_common(p)


def _parser_features(sub) -> None:
    p = _command(sub, "features", help="extract features into the .npy cache",
                 description="Extract (or fetch from the cache) features for a manifest.")
    p.add_argument("--manifest", required=True, type=Path)
    p.add_argument("--data-root", type=Path, default=None,
                   help="folder the manifest paths are relative to (default: the manifest's folder)")
    p.add_argument("--spec", type=SPEC, default="mfcc40", help="feature spec")
    p.add_argument("--augment", default=None,
                   help="also extract augmented copies of the TRAINING rows, e.g. "
                   "pitch_shift,time_stretch (noise, pitch_shift, time_stretch, time_shift)")
    p.add_argument("--copies", type=positive_int, default=1,
                   help="augmented copies per training row")
    p.add_argument("--cache", type=Path, default=None, help="cache folder ($SERMODELS_CACHE)")
    _add_jobs(p)
    p.add_argument("--seed", type=non_negative_int, default=0, help="augmentation seed")
    _add_common(p)


def _parser_train(sub) -> None:
    p = _command(sub, "train", help="train one model on a manifest",
                 description="Train a registered model on a manifest's train split, "
                 "early-stop on its validation speakers, report on its test split.")
    p.add_argument("--manifest", required=True, type=Path)
    p.add_argument("--data-root", type=Path, default=None,
                   help="folder the manifest paths are relative to (default: the manifest's folder)")
    p.add_argument("--spec", type=SPEC, default="paper000", help="feature spec")
    p.add_argument("--model", type=MODEL, default="cnn_lstm", help="model")
    p.add_argument("--labels", type=LABELS, default="unified7",
                   help="label set, or FILE.json (your own: data_manifests/README.md)")
    p.add_argument("--protocol", choices=_protocols(), default=None,
                   help="re-split with this protocol (default: the manifest's split)")
    p.add_argument("--epochs", type=positive_int, default=50)
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--cache", type=Path, default=None)
    _add_jobs(p)
    p.add_argument("--runs-dir", type=Path, default=None)
    _add_loss_guard(p)
    _add_common(p)
    p.set_defaults(tensorflow=True)


def _parser_run(sub) -> None:
    p = _command(sub, "run", help="the main job: data -> manifest -> features -> model -> accuracy",
                 description="Run a preset end to end. Without --data-root, generates the "
                 "synthetic demo corpus; the default preset (quickstart) trains paper 000's "
                 "CNN-LSTM on 40 z-scored MFCCs for up to 15 epochs on CPU, evaluated on "
                 "unseen speakers.")
    _add_experiment(p, preset="quickstart", manifest=False)
    p.add_argument("--spec", type=SPEC, default=None, help="feature spec (default: the preset's)")
    p.add_argument("--model", type=MODEL, default=None, help="model (default: the preset's)")
    _add_preset_labels(p)
    p.set_defaults(tensorflow=True)


def _parser_tune(sub) -> None:
    p = _command(sub, "tune", help="hyper-parameter search (KerasTuner) on the validation split",
                 description="Search a preset's model options, learning rate and batch size "
                 "with KerasTuner, selecting on validation speakers only; the selected model "
                 "is then scored once on the test split.")
    _add_experiment(p)
    p.add_argument("--max-trials", type=positive_int, default=10)
    p.add_argument("--algorithm", type=ALGORITHM, default="random",
                   help="random search or Bayesian optimisation")
    p.set_defaults(tensorflow=True)


def _parser_ablate(sub) -> None:
    p = _command(sub, "ablate", help="vary one setting of a preset; one results table",
                 description="Train a preset once per value, e.g. --vary lstm_layers=1,2,3,5 "
                 "or --vary kernel_size=2,3,5,7; --vary ladder runs paper 004's A1-A5.")
    _add_experiment(p)
    p.add_argument("--vary", required=True, type=_vary,
                   help="NAME=V1,V2,... (builder option, training setting or feature field) or ladder")
    p.set_defaults(tensorflow=True)


def _parser_cv(sub) -> None:
    p = _command(sub, "cv", help="speaker-independent k-fold cross-validation (mean ± std)",
                 description="Every speaker is tested exactly once. --folds 5 (canonical "
                 "folds), any k, or emobox (RAVDESS only: EmoBox's 6 folds); "
                 "--scheme loco trains on all corpora but one and tests on it.")
    _add_experiment(p)
    p.add_argument("--folds", type=_folds, default=5, help="number of folds (>= 2), or emobox")
    p.add_argument("--scheme", choices=["kfold", "loco"], default="kfold")
    _add_preset_labels(p)
    p.set_defaults(tensorflow=True)


def _parser_compare_protocols(sub) -> None:
    p = _command(sub, "compare-protocols", help="the leakage gap: random split vs unseen speakers",
                 description="Train the same preset under the random split and under the "
                 "speaker-independent split; report both side by side, the difference "
                 "and a figure.")
    _add_experiment(p)
    p.set_defaults(tensorflow=True)


def _parser_compare(sub) -> None:
    p = _command(sub, "compare", help="several models on the same split and features",
                 description="Train each model on the same split and features; print a "
                 "results table and paper 000's Table 9-style per-class comparison.")
    _add_experiment(p)
    p.add_argument("--models", required=True, type=MODELS,
                   help="comma-separated model names, e.g. dnn,cnn1d,cnn_lstm,svm")
    p.set_defaults(tensorflow=True)


def _parser_predict(sub) -> None:
    p = _command(sub, "predict", help="emotion probabilities for a file, a folder or a long recording",
                 description="Apply a run's exact preprocessing, features, normaliser and "
                 "model to new audio.")
    p.add_argument("audio", type=Path, help="an audio file or a folder of audio files")
    p.add_argument("--run", required=True, type=Path, help="run folder")
    p.add_argument("--window", type=positive_float, default=None,
                   help="predict per window of this many seconds (long recordings)")
    p.add_argument("--hop", type=positive_float, default=1.0, help="hop between windows, seconds")
    p.add_argument("--out", type=Path, default=None,
                   help="CSV output (a file, a folder's files, or the windows of a recording); "
                   "checked before any prediction, written only when there are predictions")
    p.add_argument("--one-speaker", action="store_true",
                   help="the folder's files are one speaker's: runs with per-speaker "
                   "normalisation (the recommended preset) then normalise them together")
    p.add_argument("--several-speakers", action="store_true",
                   help="with --window: the recording holds several speakers, so each window "
                   "is normalised on its own (default: the windows of one recording are one "
                   "speaker's and are normalised together)")
    p.set_defaults(tensorflow=True)


def _parser_export(sub) -> None:
    p = _command(sub, "export", help="export a run's model to TFLite and check it",
                 description="Write a TFLite model (optionally quantised), report its size "
                 "and latency next to the Keras model's, and check that its predictions "
                 "agree with the Keras model's on held-out test clips.")
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--format", choices=["tflite"], default="tflite")
    p.add_argument("--quantize", choices=_quantizations(), default="none")
    p.add_argument("--clips", type=positive_int, default=50,
                   help="held-out clips for the agreement check")
    p.add_argument("--data-root", type=Path, default=None)
    p.set_defaults(tensorflow=True)


_PARSERS = (_parser_manifest, _parser_verify, _parser_download, _parser_synth, _parser_features,
            _parser_train, _parser_run, _parser_tune, _parser_ablate, _parser_cv,
            _parser_compare_protocols, _parser_compare, _parser_predict, _parser_export)


def build_parser() -> argparse.ArgumentParser:
    """The ``sermodels`` parser: one sub-command per job (see :data:`_PARSERS`)."""
    parser = argparse.ArgumentParser(
        prog="sermodels", formatter_class=_Formatter,
        description="Speech emotion recognition with honest, speaker-independent evaluation. "
                    "Exit codes: 0 success, 1 bad input or data, 2 bad command-line usage.",
    )
    _add_verbose(parser, default=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for make in _PARSERS:
        make(sub)
    return parser


# --- the one place errors become exit codes ------------------------------------------------

def _message(err: BaseException) -> str:
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    if isinstance(err, OSError) and err.strerror and err.filename:
        return f"{err.filename}: {err.strerror.lower()}"
    return str(err) or type(err).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sermodels`` console script; returns the exit code."""
    global _VERBOSE
    from sermodels.errors import SermodelsError

    argv = list(sys.argv[1:] if argv is None else argv)
    _VERBOSE = "--verbose" in argv
    if not _VERBOSE:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    command = "?"
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as stop:  # argparse: --help (0) or a usage error (2, already printed)
            return stop.code if isinstance(stop.code, int) else EXIT_USAGE
        command = args.command
        if getattr(args, "tensorflow", False):
            import_tensorflow()
        code = _run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader went away (``sermodels manifest ... | head -1``): stop quietly; Python
        # would report the failed flush again at exit, so stdout now points at /dev/null
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_DATA
    except (SermodelsError, ValueError, KeyError, OSError) as err:
        print(f"sermodels {command}: error: {_message(err)}", file=sys.stderr)
        return EXIT_DATA
    except KeyboardInterrupt:
        print(f"sermodels {command}: interrupted", file=sys.stderr)
        return 130


_CREATED_RUN_DIRS: list[Path] = []


def _new_run_dir(name: str, parent: Path | None) -> Path:
    """A new run folder, removed again by :func:`_run` if the command fails before writing to it."""
    from sermodels import runs

    path = runs.new_run_dir(name, parent)
    _CREATED_RUN_DIRS.append(path)
    return path


def _remove_empty_run_dirs() -> None:
    import shutil

    while _CREATED_RUN_DIRS:
        path = _CREATED_RUN_DIRS.pop()
        if path.is_dir() and all(p.is_dir() for p in path.rglob("*")):
            shutil.rmtree(path, ignore_errors=True)


def _run(args) -> int:
    """Run a command; commands that train share the missing-audio allowance."""
    handler = _COMMANDS[args.command]
    _CREATED_RUN_DIRS.clear()
    try:
        if getattr(args, "max_missing", None) is None:
            return handler(args)
        from sermodels.training import allow_missing

        with allow_missing(args.max_missing):
            return handler(args)
    except BaseException:  # a failed command leaves no empty run folder behind
        _remove_empty_run_dirs()
        raise
    finally:
        _CREATED_RUN_DIRS.clear()


def _cmd_manifest(args) -> int:
    from sermodels import manifest

    frame, loaded = manifest.build_manifest(args.data_root, args.corpora, protocol=args.protocol,
                                            seed=args.seed, include_song=args.include_song,
                                            layout=args.layout,
                                            speaker_pattern=args.speaker_pattern,
                                            corpus_name=args.corpus_name)
    manifest.write_manifest(frame, args.out)
    print(loaded.summary())
    print()
    which = "folder names" if args.layout == "folders" else "unified 7-class labels"
    print(f"Files per corpus and emotion ({which}):\n{manifest.count_table(frame)}")
    print()
    speakers = frame.groupby(["corpus", "split"])["speaker"].nunique().unstack(fill_value=0)
    print(f"Speakers per split (protocol={args.protocol}, seed={args.seed}):\n{speakers}")
    print(f"\nwrote {args.out} ({len(frame)} rows)")
    return EXIT_OK


def _cmd_verify(args) -> int:
    from sermodels.errors import DataError
    from sermodels.verify import format_report, verify

    checks = verify(args.data_root, args.corpora)
    print(format_report(checks))
    if not any(check.present for check in checks):
        raise DataError(f"no corpus found under {str(args.data_root)!r} (none of "
                        f"{', '.join(c.corpus for c in checks)}); see the README for how to "
                        "get them")
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
    from sermodels import manifest
    from sermodels.features import get_spec
    from sermodels.training import TrainConfig, train

    frame, root = _read(args)
    if args.protocol:
        frame = manifest.assign_splits(frame, protocol=args.protocol, seed=args.seed)
    config = TrainConfig(model=args.model, label_set=args.labels, epochs=args.epochs,
                         batch_size=args.batch_size, seed=args.seed,
                         verbose=0 if args.quiet else 1)
    protocol = "random" if (frame["protocol"] == "random").any() else "speaker"
    run_dir = _new_run_dir(f"{args.model}-{protocol}", args.runs_dir)
    result = train(frame, root, get_spec(args.spec), config, cache_dir=args.cache,
                   n_jobs=args.jobs, run_dir=run_dir)
    _print_result(result.metrics, result.run_dir)
    return EXIT_OK


def _preset_config(args):
    """The preset and its training settings with the command-line overrides applied."""
    from sermodels import presets

    preset = presets.resolve(args.preset, epochs=args.epochs, seed=args.seed,
                             model=getattr(args, "model", None),
                             label_set=getattr(args, "labels", None),
                             verbose=0 if args.quiet else 1)
    return preset, preset.config


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
    print(f"Report: {outcome.result.run.report_path}")
    return EXIT_OK


def _experiment_data(args, *, uses_split: bool = True):
    """``(preset, manifest frame, data root)`` for tune/ablate/cv-style commands.

    With ``--manifest``, ``--corpora`` keeps those corpora's rows, and ``--protocol``
    re-splits a speaker-independent manifest randomly when asked; a manifest with a
    random split is refused unless ``--protocol random`` is given (commands that make
    their own splits, ``uses_split=False``, take the manifest's rows only).
    """
    from sermodels import manifest, presets
    from sermodels.pipeline import demo_data_root, ensure_synthetic

    preset = presets.resolve(args.preset, seed=args.seed, label_set=getattr(args, "labels", None),
                             verbose=0 if args.quiet else 1)
    if args.manifest is not None:
        frame = manifest.read_manifest(args.manifest)
        if args.corpora:
            missing = sorted(set(args.corpora) - set(frame["corpus"]))
            if missing:
                raise ValueError(f"--corpora {','.join(missing)}: not in manifest {args.manifest} "
                                 f"(it holds {','.join(sorted(set(frame['corpus'])))})")
            frame = frame[frame["corpus"].isin(args.corpora)].reset_index(drop=True)
        if uses_split:
            has = "random" if (frame["protocol"] == "random").any() else "speaker"
            if has == "random" and args.protocol != "random":
                raise ValueError(f"manifest {args.manifest} has a random split (speakers leak): "
                                 "pass --protocol random to use it, or rebuild it with "
                                 "'sermodels manifest --protocol speaker'")
            if has == "speaker" and args.protocol == "random":
                frame = manifest.assign_splits(frame, protocol="random", seed=args.seed)
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
    from sermodels.tuning import tune

    preset, frame, root = _experiment_data(args)
    result = tune(frame, root, preset, max_trials=args.max_trials, algorithm=args.algorithm,
                  epochs=args.epochs, cache_dir=args.cache, n_jobs=args.jobs,
                  run_dir=_new_run_dir(f"tune-{preset.name}", args.runs_dir),
                  verbose=0 if args.quiet else 1)
    print(f"Trials of {preset.name} ({args.algorithm} search, selected on validation loss):")
    print(result.trials.to_string(index=False))
    print(f"\nBest: {result.best_hyperparameters} (validation loss {result.best_val_loss:.4f})")
    _print_result(result.test_metrics | {"corpora": sorted(frame["corpus"].unique()),
                                         "feature_spec": preset.feature_spec.name},
                  result.run_dir)
    return EXIT_OK


def _cmd_ablate(args) -> int:
    from sermodels.ablation import ablate, parse_values

    preset, frame, root = _experiment_data(args)
    if args.vary == "ladder":
        parameter, values = "ladder", []
    elif "=" in args.vary:
        parameter, text = args.vary.split("=", 1)
        values = parse_values(text)
    else:
        raise ValueError(f"--vary must be NAME=V1,V2,... or ladder, got {args.vary!r}")
    run_dir = _new_run_dir(f"ablate-{preset.name}-{parameter}", args.runs_dir)
    table = ablate(frame, root, preset, parameter, values, epochs=args.epochs,
                   cache_dir=args.cache, n_jobs=args.jobs, run_dir=run_dir,
                   verbose=0 if args.quiet else 1)
    print(f"Ablation of {preset.name}: {parameter} ({args.protocol} protocol, seed {args.seed})")
    print(table.to_string(index=False))
    print(f"Run folder: {run_dir}")
    return EXIT_OK


def _cmd_cv(args) -> int:
    from sermodels.experiments import cross_validate, leave_one_corpus_out

    preset, frame, root = _experiment_data(args, uses_split=False)
    kwargs = {"seed": args.seed, "epochs": args.epochs, "cache_dir": args.cache,
              "n_jobs": args.jobs, "verbose": 0 if args.quiet else 1}
    if args.scheme == "loco":
        if args.protocol == "random":
            raise ValueError("--scheme loco tests on an unseen corpus; --protocol random "
                             "does not apply (use --scheme kfold --protocol random)")
        outcome = leave_one_corpus_out(
            frame, root, preset, run_dir=_new_run_dir(f"loco-{preset.name}", args.runs_dir),
            **kwargs)
    else:
        folds = args.folds if args.folds == "emobox" else int(args.folds)
        outcome = cross_validate(
            frame, root, preset, folds=folds, protocol=args.protocol,
            run_dir=_new_run_dir(f"cv-{preset.name}-{folds}-{args.protocol}", args.runs_dir),
            **kwargs)
    print(outcome.table.drop(columns=["run_dir"]).to_string(index=False))
    what = ("speaker-independent" if args.protocol == "speaker" or args.scheme == "loco"
            else "RANDOM folds of utterances, SPEAKERS LEAK")
    print(f"\nMean ± std over {len(outcome.table)} rounds ({what}, seed {args.seed}):")
    for key, row in outcome.summary.iterrows():
        print(f"  {key:22s} {row['mean']:.3f} ± {row['std']:.3f}")
    print(f"Report: {outcome.report_path}")
    return EXIT_OK


def _cmd_compare_protocols(args) -> int:
    from sermodels.experiments import compare_protocols

    preset, frame, root = _experiment_data(args, uses_split=False)  # makes both splits itself
    outcome = compare_protocols(frame, root, preset, seed=args.seed, epochs=args.epochs,
                                cache_dir=args.cache, n_jobs=args.jobs,
                                run_dir=_new_run_dir(f"protocols-{preset.name}", args.runs_dir),
                                verbose=0 if args.quiet else 1)
    print(f"Preset {preset.name}, seed {args.seed}: the same configuration under two protocols")
    print(outcome.summary.to_string(float_format=lambda v: f"{v:.3f}"))
    print(outcome.table[["protocol", "test_speakers", "test_speakers_seen_in_training"]]
          .to_string(index=False))
    print(f"Report: {outcome.report_path}")
    return EXIT_OK


def _cmd_compare(args) -> int:
    from sermodels.experiments import compare_models

    preset, frame, root = _experiment_data(args)
    outcome = compare_models(frame, root, args.models, preset, seed=args.seed,
                             epochs=args.epochs, cache_dir=args.cache, n_jobs=args.jobs,
                             run_dir=_new_run_dir(f"compare-{preset.name}", args.runs_dir),
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

    if args.out is not None:  # before any work: a bad --out must not cost the predictions
        _check_out(args.out)
    predictor = Predictor(args.run)
    if predictor.protocol == "random":
        print("note: this model was evaluated with a random split (speakers leaked)",
              file=sys.stderr)
    several_clips = (args.audio.is_dir() and args.one_speaker) or (
        args.window and not args.audio.is_dir() and not args.several_speakers)
    if predictor.fused is not None and not several_clips:
        print("note: this run fuses its network with an SVM on per-speaker normalised "
              "functionals, which needs several clips of the speaker; here the network "
              "answers alone (give a folder of one speaker's files with --one-speaker, or "
              "--window on one recording, to use both)", file=sys.stderr)
    if args.audio.is_dir():
        table, errors = predictor.predict_folder(args.audio, one_speaker=args.one_speaker)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}") if len(table)
              else "no usable audio files" + (f" ({args.out} not written)" if args.out else ""))
        if errors:
            print(format_errors(errors), file=sys.stderr)
        if args.out and len(table):
            _write_csv(table, args.out)
        return EXIT_OK if len(table) and not errors else EXIT_DATA
    if args.window:
        table = predictor.predict_windows(args.audio, window=args.window, hop=args.hop,
                                          one_speaker=not args.several_speakers)
        if args.out:
            _write_csv(table, args.out)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return EXIT_OK
    _note_long_file(args.audio, predictor.spec.audio)
    prediction = predictor.predict_file(args.audio)
    if args.out:
        import pandas as pd

        _write_csv(pd.DataFrame([{"path": str(args.audio), **prediction.columns()}]), args.out)
    print(f"{args.audio}: {prediction.label} ({prediction.confidence:.3f})")
    for name, p in sorted(prediction.probabilities.items(), key=lambda kv: -kv[1]):
        print(f"  {name:10s} {p:.3f}")
    return EXIT_OK


def _check_out(out: Path) -> None:
    """Refuse an output path that cannot be written, before any prediction is computed."""
    from sermodels.errors import UsageError

    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give the name of a CSV file")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--out {out}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise UsageError(f"--out {out}: permission denied (not writable)")


def _write_csv(table, out: Path) -> None:
    """Write a CSV atomically (temporary file, then rename); never replace a file with nothing."""
    import tempfile

    from sermodels.errors import DataError

    if not len(table):
        raise DataError(f"no predictions to write: {out} left as it was")
    fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=".tmp-",
                               suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            table.to_csv(handle, index=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"wrote {out} ({len(table)} row{'s' if len(table) != 1 else ''})", file=sys.stderr)


def _note_long_file(path: Path, audio) -> None:
    """Say so when a recording is longer than the clips the model hears (only part is used)."""
    from sermodels.audio import duration

    seconds, clip = duration(path), audio.duration
    if seconds is None or clip is None or seconds <= clip + 0.5:
        return
    part = "middle" if audio.crop == "center" else "first"
    print(f"note: {path} lasts {seconds:.1f} s but the model hears {clip:g} s clips: only the "
          f"{part} {clip:g} s are used. For the whole recording, predict per window: "
          f"--window {clip:g} (and --hop, default 1 s)", file=sys.stderr)


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
