"""Paper presets: each paper's corpora, labels, preprocessing, features, augmentation, model
and training settings in one object, run with ``sermodels run --preset NAME``.

Where a paper is ambiguous, the preset's ``notes`` say what was chosen. Every
preset is run speaker-independent by default; ``--protocol random`` reproduces
the papers' leaky split and is labelled as such.

Example:
    >>> from sermodels import presets
    >>> presets.get("paper002").config.model
    'cnn_bilstm'
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from sermodels.features import FeatureSpec, get_spec
from sermodels.training import TrainConfig

PAPER000_AUGMENT = [{"name": "pitch_shift", "min_semitones": -2.0, "max_semitones": 2.0},
                    {"name": "time_stretch", "min_rate": 0.9, "max_rate": 1.1}]


@dataclass(frozen=True)
class Preset:
    """Everything needed to reproduce one paper's experiment.

    Attributes:
        name: preset name.
        paper: the source (``../shared/seeds`` file and title).
        corpora: corpora used.
        spec: feature spec (name or object).
        config: model and training settings (includes the label set).
        protocol: the protocol sermodels runs by default (always ``speaker``).
        paper_protocol: what the paper itself did.
        claimed: the paper's headline numbers, ``{what: accuracy %}``.
        notes: choices made where the paper is vague or inconsistent.
    """

    name: str
    paper: str
    corpora: tuple[str, ...]
    spec: str | FeatureSpec
    config: TrainConfig
    paper_protocol: str
    claimed: dict = field(default_factory=dict)
    notes: str = ""
    protocol: str = "speaker"

    @property
    def feature_spec(self) -> FeatureSpec:
        return get_spec(self.spec)

    def with_config(self, **changes) -> Preset:
        """A copy with training settings replaced exactly as given (e.g. ``epochs=5``,
        ``spec_augment=None``); :func:`resolve` is the same with "``None``: the preset's"."""
        if "epochs" in changes:
            changes["epochs"] = _check_epochs(changes["epochs"])
        return replace(self, config=replace(self.config, **changes))


_PRESETS: dict[str, Preset] = {}


def register(preset: Preset) -> Preset:
    _PRESETS[preset.name] = preset
    return preset


register(Preset(
    name="quickstart",
    paper="sermodels' main job: paper 000's CNN-LSTM with z-scored MFCCs, few epochs",
    corpora=("cremad", "ravdess", "tess", "savee"),
    spec="mfcc40",
    config=TrainConfig(model="cnn_lstm", label_set="unified7", epochs=15, batch_size=32,
                       learning_rate=1e-3, patience=10),
    paper_protocol="-",
    notes="The fastest honest demonstration: 40 MFCCs z-scored with training statistics "
          "(paper 000's global min-max is far slower to train), up to 15 epochs.",
))
register(Preset(
    name="paper000",
    paper="000: Synergistic 1D-CNN-LSTM framework ... using multi-dataset fusion",
    corpora=("cremad", "ravdess", "tess", "savee"),
    spec="paper000",
    config=TrainConfig(model="cnn_lstm", label_set="unified7", epochs=50, batch_size=32,
                       learning_rate=1e-3, patience=10, augment=PAPER000_AUGMENT,
                       balance_ratio=0.15, class_weights=True),
    paper_protocol="speaker-independent 70/10/20 per corpus (its Table 4), plus 5-fold",
    claimed={"CNN-LSTM": 99.13, "1D-CNN": 90.64, "DNN": 83.12,
             "CNN-LSTM (its own Table 9 report)": 90.0},
    notes="22,050 Hz, peak 0.9, no trimming; 40 MFCCs, 25 ms / 10 ms, clips fixed to 3 s "
          "(the paper gives no length); global min-max normalisation fitted on train; minority "
          "classes augmented (pitch ±2 st, stretch 0.9-1.1) to within 15% of the majority, "
          "plus class weights. The headline 99.13% contradicts its own Table 9 (0.90).",
))
register(Preset(
    name="paper001",
    paper="001: CNN + LSTM ensemble for speech emotion recognition (RAVDESS)",
    corpora=("ravdess",),
    spec="paper001",
    config=TrainConfig(model="cnn_lstm", label_set="ravdess8", epochs=30, batch_size=32,
                       learning_rate=1e-3, patience=10),
    paper_protocol="not stated (k-fold cross-validation mentioned)",
    claimed={"ensemble, RAVDESS": 96.97},
    notes="MFCC + chroma + log-mel spectrogram sequences, z-scored on train; the paper's "
          "noise reduction and loudness normalisation are approximated by peak normalisation. "
          "Its ensemble (CNN, LSTM, CNN-LSTM; hard or soft voting) is `sermodels compare` + "
          "sermodels.models.VotingEnsemble; its search is `sermodels tune`.",
))
register(Preset(
    name="paper002",
    paper="002: CNN-BiLSTM for speech emotion recognition on TESS (Colab, T4)",
    corpora=("tess", "savee"),
    spec="paper002",
    config=TrainConfig(model="cnn_bilstm", label_set="unified7", epochs=50, batch_size=32,
                       learning_rate=1e-3, patience=10),
    paper_protocol="random 70/20/10 of TESS + SAVEE pooled (speaker-dependent)",
    claimed={"CNN-BiLSTM": 96.36, "CNN-GRU": 94.67, "BiLSTM": 93.12, "GRU": 91.84},
    notes="Silence trimmed (30 dB), 128-band log-mel averaged over time and read as a "
          "1-channel sequence (the only reading that gives its 58,503 parameters).",
))
register(Preset(
    name="paper003",
    paper="003: CNN-BiLSTM with hybrid features and SpecAugment (four corpora)",
    corpora=("cremad", "ravdess", "tess", "savee"),
    spec="paper003",
    config=TrainConfig(model="cnn1d_bilstm_deep", label_set="unified7_nocalm", epochs=150,
                       batch_size=32, learning_rate=1e-3, patience=10,
                       augment=[{"name": "noise", "min_snr_db": 15.0, "max_snr_db": 30.0}],
                       augment_copies=1),
    paper_protocol="stratified random 80/10/10 (speaker-dependent)",
    claimed={"CNN-BiLSTM": 98.0, "AUC": 1.00},
    notes="RAVDESS calm dropped (11,970 files). Its 1-D model's table is consistent only "
          "with kernel 5 on a (350, 1) input; here the input is the 143 time-averaged "
          "MFCC(13) + log-mel(128) + ZCR + RMS values read as one channel (the parameter count "
          "does not depend on the length). White-noise copies of the training set; its 2-D "
          "variant is the model cnn2d_bilstm on spec paper003_image.",
))
register(Preset(
    name="paper004",
    paper="004: CNN-BiLSTM-Attention (RAVDESS, RAVDESS+TESS)",
    corpora=("ravdess", "tess"),
    spec="paper004",
    config=TrainConfig(model="cnn_bilstm_attention", label_set="unified7_nocalm", epochs=300,
                       batch_size=32, learning_rate=1e-3, patience=10,
                       augment=[{"name": "noise", "min_snr_db": 15.0, "max_snr_db": 30.0},
                                {"name": "time_stretch"}, {"name": "time_shift"},
                                {"name": "pitch_shift"}],
                       augment_copies=1),
    paper_protocol="speaker-independent (details not given)",
    claimed={"RAVDESS+TESS 7-class": 98.10, "RAVDESS 8-class": 91.74},
    notes="13 MFCC + RMS with deltas and delta-deltas, z-scored per utterance, padded to 400 "
          "frames. The paper gives Adam 1e-3 in one place and 1e-4 in another: 1e-3 here. "
          "The 8-class RAVDESS task is preset paper004_ravdess8.",
))
register(replace(
    _PRESETS["paper004"], name="paper004_ravdess8", corpora=("ravdess",),
    config=replace(_PRESETS["paper004"].config, label_set="ravdess8"),
    claimed={"RAVDESS 8-class": 91.74},
))


RECOMMENDED_AUGMENT = [{"name": "speed", "min_rate": 0.9, "max_rate": 1.1}]
RECOMMENDED_SPEC_AUGMENT = {"freq_masks": 2, "freq_width": 8, "time_masks": 2, "time_width": 20}
RECOMMENDED_FUSION = {"model": "svm", "spec": "recommended_functionals", "weight": 0.6}

register(Preset(
    name="recommended",
    paper="sermodels' recommended recipe for unseen speakers (beyond the papers)",
    corpora=("cremad", "ravdess", "tess", "savee"),
    spec="recommended",
    config=TrainConfig(model="cnn_attn_pool", model_options={"filters": (32, 64, 64)},
                       label_set="unified7", epochs=40, batch_size=32, learning_rate=1e-3,
                       lr_schedule="cosine", patience=None, augment=RECOMMENDED_AUGMENT,
                       augment_copies=1, spec_augment=RECOMMENDED_SPEC_AUGMENT,
                       mixup_alpha=0.4, label_smoothing=0.1, tta_crops=3,
                       fusion=RECOMMENDED_FUSION),
    paper_protocol="-",
    notes="Every switch is a well-established technique and can be ablated "
          "(sermodels ablate --preset recommended --vary NAME=...): leading and trailing silence "
          "trimmed (30 dB below the peak); 64-band log-mel + log "
          "pitch (tracked at 4 kHz) + RMS + ZCR with deltas at 16 kHz, z-scored per speaker "
          "(each test speaker with its own unlabelled audio), 300 frames; speed-perturbed "
          "copies of the training split (0.9-1.1, soxr); SpecAugment and mixup (alpha 0.4) on "
          "training batches, label smoothing 0.1; a compact CNN (32-64-64 filters) with batch "
          "norm and attentive statistics pooling; cosine learning-rate decay over all 40 epochs (no early "
          "stopping: one or two validation speakers are too few to pick an epoch); test-time "
          "averaging over 3 time crops; late fusion (the SVM's share 0.6) with an RBF SVM on "
          "per-speaker normalised functionals (spec recommended_functionals: nine statistics "
          "of MFCC, log-mel, RMS, ZCR and pitch and of their deltas). An ensemble of fold "
          "models (ensemble=3) is a switch, off by default. Chosen on "
          "validation speakers only: the synthetic development corpus "
          "(benchmarks/recipe_ablation.py), then real RAVDESS validation actors "
          "(benchmarks/real.py --protocols dev, benchmarks/svm_member.py).",
))
register(Preset(
    name="svm_functionals",
    paper="strong classical baseline: RBF SVM on per-utterance functionals",
    corpora=("cremad", "ravdess", "tess", "savee"),
    spec="functionals",
    config=TrainConfig(model="svm", label_set="unified7"),
    paper_protocol="-",
    notes="Mean, std, 10th/50th/90th percentiles of 20 MFCCs, 40 log-mel bands, RMS energy, "
          "zero-crossing rate and log pitch (YIN) per utterance, z-scored on train; RBF SVM "
          "(C=10), balanced class weights.",
))


register(replace(
    _PRESETS["svm_functionals"], name="svm_speaker",
    paper="strong classical baseline: the recipe's SVM member alone (per-speaker normalised)",
    spec="recommended_functionals",
    notes="An RBF SVM (C=10, balanced) on nine statistics (mean, std, 10th/50th/90th "
          "percentiles, skewness, kurtosis, min, max) of 20 MFCCs, 40 log-mel bands, RMS, ZCR "
          "and log pitch (YIN at 4 kHz) and of their deltas, every speaker's functionals "
          "z-scored with that speaker's own statistics (test speakers with their own "
          "unlabelled clips): the recommended recipe's classical member, without its network. "
          "The baseline the recipe must beat on every protocol.",
))


def names() -> list[str]:
    """Names of the presets."""
    return sorted(_PRESETS)


def _check_epochs(epochs) -> int:
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")
    return epochs


def resolve(preset: str | Preset, *, epochs: int | None = None, seed: int | None = None,
            spec: str | FeatureSpec | None = None, corpora=None, **overrides) -> Preset:
    """A preset with overrides applied: the one rule every command and helper uses.

    ``None`` always means "the preset's own value", so command-line options that were
    not given can be passed straight through. Changing the model drops the preset's
    builder options (they belong to its model) unless ``model_options`` is given too.

    Args:
        preset: a preset or its name.
        epochs: maximum epochs (a whole number >= 1; ``None``: the preset's).
        seed: seed of the split, the shuffling and the weights (``None``: the preset's).
        spec: feature spec or its name (``None``: the preset's).
        corpora: corpora (``None``: the preset's).
        **overrides: any :class:`~sermodels.training.TrainConfig` field, e.g.
            ``model="cnn1d"``, ``label_set="ravdess8"``, ``verbose=0``.

    Returns:
        A new :class:`Preset` (same name) whose ``config`` holds the settings to train with.

    Raises:
        ValueError: an unknown preset or setting, or epochs below 1.

    Example:
        >>> resolve("paper000", epochs=3, seed=1).config.epochs
        3
    """
    chosen = get(preset)
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown training setting(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(known))}")
    changes = {k: v for k, v in overrides.items() if v is not None}
    if epochs is not None:
        changes["epochs"] = _check_epochs(epochs)
    if seed is not None:
        changes["seed"] = int(seed)
    if changes.get("model", chosen.config.model) != chosen.config.model:
        changes.setdefault("model_options", {})
    out = replace(chosen, config=replace(chosen.config, **changes))
    if spec is not None:
        out = replace(out, spec=spec)
    if corpora is not None:
        out = replace(out, corpora=tuple(corpora))
    return out


def get(name: str | Preset) -> Preset:
    """A preset by name."""
    if isinstance(name, Preset):
        return name
    try:
        return _PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; known: {', '.join(names())}") from None
