"""Experiments that compare: cross-validation, leave-one-corpus-out, the leakage gap, models.

Each returns its tables and writes a self-contained ``report.html`` (and CSV/JSON)
into its run folder. Every row says its protocol, corpora, label set and seed.

Example:
    >>> outcome = compare_protocols(frame, "data/", "paper000")   # doctest: +SKIP
    >>> outcome.table                                             # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sermodels import manifest, plots, presets, report, runs, splits
from sermodels.cache import extract_features
from sermodels.evaluation import mean_std, record_for_run
from sermodels.training import TrainConfig, train

SUMMARY_KEYS = ("accuracy", "unweighted_accuracy", "macro_f1")


@dataclass
class ExperimentOutcome:
    """Tables of an experiment and where its report is."""

    table: pd.DataFrame
    summary: pd.DataFrame
    run_dir: Path
    extra: dict = field(default_factory=dict)

    @property
    def report_path(self) -> Path:
        return runs.RunFolder(self.run_dir).report_path


def _config(preset: presets.Preset, epochs: int | None, seed: int | None,
            verbose: int) -> TrainConfig:
    return presets.resolve(preset, epochs=epochs, seed=seed, verbose=verbose).config


def _row(name: str, result) -> dict:
    m = result.metrics
    return {"name": name, "protocol": m["protocol"], "corpora": ",".join(m["corpora"]),
            "label_set": m["label_set"], "model": m["model"], "seed": m["seed"],
            "accuracy": m["accuracy"], "unweighted_accuracy": m["unweighted_accuracy"],
            "macro_f1": m["macro_f1"], "chance": m["chance_uniform"], "n_test": m["n"],
            "epochs_run": m["epochs_run"], "run_dir": m["run_dir"]}


def fold_assignment(frame: pd.DataFrame, folds: int | str, seed: int = 0,
                    protocol: str = "speaker") -> pd.Series:
    """Test folds: ``k`` speaker folds per corpus, ``"emobox"`` (RAVDESS, EmoBox's 6 folds), or
    with ``protocol="random"`` ``k`` folds of utterances that ignore speakers (leaky)."""
    if protocol not in splits.PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of {splits.PROTOCOLS}")
    if protocol == "random":
        if folds == "emobox":
            raise ValueError("EmoBox's folds are speaker folds; use --protocol speaker with them")
        return random_folds(frame, int(folds), seed)
    if folds == "emobox":
        return splits.emobox_folds(frame)
    k = int(folds)
    if seed == 0 and k == 5 and (frame["fold"] >= 0).all():
        return frame["fold"]  # the canonical folds written into the manifest
    return splits.speaker_kfold(frame, k=k, seed=seed)


def random_folds(frame: pd.DataFrame, k: int, seed: int = 0) -> pd.Series:
    """``k`` folds of utterances, stratified by corpus and label, ignoring speakers.

    **Leaks speakers** (the papers' random k-fold): a speaker's utterances fall in
    every fold. Only for measuring how much that flatters a model.
    """
    if k < 2:
        raise ValueError(f"need at least 2 folds, got {k}")
    rng = np.random.default_rng([seed, k])
    fold = pd.Series(-1, index=frame.index, dtype=int)
    for _, index in sorted(frame.groupby(["corpus", "label"]).groups.items()):
        order = rng.permutation(np.asarray(index))
        fold[order] = (int(rng.integers(k)) + np.arange(len(order))) % k
    return fold


def _random_round(frame: pd.DataFrame, test_fold: int, seed: int) -> pd.Series:
    """Train/val/test of one random-protocol round: 10% of the other folds' utterances,
    drawn at random, validate."""
    split = pd.Series("test", index=frame.index, dtype=object)
    rest = frame.index[frame["fold"] != test_fold]
    split[rest] = "train"
    rng = np.random.default_rng([seed, int(test_fold), 1])
    split[rng.choice(rest, size=max(1, round(0.1 * len(rest))), replace=False)] = "val"
    return split


def cross_validate(
    frame: pd.DataFrame, data_root: str | os.PathLike, preset: str | presets.Preset, *,
    folds: int | str = 5, seed: int = 0, epochs: int | None = None,
    run_dir: str | os.PathLike | None = None, cache_dir=None, n_jobs: int = 1, verbose: int = 0,
    protocol: str = "speaker",
) -> ExperimentOutcome:
    """k-fold cross-validation: speaker-independent (every speaker tested exactly once) by
    default; ``protocol="random"`` folds utterances instead (speakers leak; every artefact
    says ``protocol: random``).

    Returns:
        Per-fold table and mean ± std of accuracy, unweighted accuracy and macro F1.
    """
    chosen = presets.get(preset)
    config = _config(chosen, epochs, seed, verbose)
    frame = frame.assign(fold=fold_assignment(frame, folds, seed, protocol).astype(int).to_numpy(),
                         protocol=protocol)
    run_dir = Path(run_dir) if run_dir else runs.new_run_dir(
        f"cv-{chosen.name}-{folds}" + ("-random" if protocol == "random" else ""))
    if protocol == "random":
        rounds = [(f"fold {k}", f"fold{k}", _random_round(frame, k, seed), {"fold": int(k)})
                  for k in sorted(frame["fold"].unique())]
        unit, what = "utterance fold", ("RANDOM folds of utterances: every speaker is in "
                                        "training and test (leaky, for comparison only).")
    else:
        rounds = [(f"fold {k}", f"fold{k}", splits.fold_split(frame, k, seed=seed),
                   {"fold": int(k)}) for k in sorted(frame["fold"].unique())]
        unit, what = "speaker fold", "every speaker is in exactly one test fold."
    table, summary = _run_rounds(frame, data_root, chosen, config, rounds, run_dir, cache_dir,
                                 n_jobs, protocol)
    summary["protocol"] = protocol
    _write_tables(run_dir, table, summary)
    runs.write_json(run_dir / "protocol.json", {"protocol": protocol, "folds": str(folds),
                                                "seed": seed, "leaky": protocol == "random"})
    fig = plots.model_comparison(table.assign(fold=table["name"]), by="fold",
                                 chance=table["chance"].iloc[0],
                                 title=f"{chosen.name}: unweighted accuracy per {unit}")
    report.write(runs.RunFolder(run_dir).report_path,
                 f"Cross-validation of {chosen.name} ({folds} folds, {protocol} protocol)", [
        report.Section("Summary (mean ± std over folds)",
                       report.protocol_badge(protocol) + report.table_html(summary)),
        report.Section("Per fold", report.table_html(table.drop(columns=["run_dir"]))
                       + report.figure_html(fig, f"per-{unit} unweighted accuracy")),
        report.environment_section(run_dir),
    ], subtitle=f"Preset {chosen.name}; {what}")
    return ExperimentOutcome(table, summary, run_dir)


def leave_one_corpus_out(
    frame: pd.DataFrame, data_root: str | os.PathLike, preset: str | presets.Preset, *,
    seed: int = 0, epochs: int | None = None, run_dir: str | os.PathLike | None = None,
    cache_dir=None, n_jobs: int = 1, verbose: int = 0,
) -> ExperimentOutcome:
    """Cross-corpus generalisation: train on all corpora but one, test on the one left out."""
    chosen = presets.get(preset)
    config = _config(chosen, epochs, seed, verbose)
    run_dir = Path(run_dir) if run_dir else runs.new_run_dir(f"loco-{chosen.name}")
    rounds = [(f"test on {held_out}", held_out, split, {"held_out": held_out})
              for held_out, split in splits.leave_one_corpus_out(frame, seed=seed)]
    table, summary = _run_rounds(frame, data_root, chosen, config, rounds, run_dir, cache_dir,
                                 n_jobs)
    fig = plots.model_comparison(table, by="held_out", chance=table["chance"].iloc[0],
                                 title=f"{chosen.name}: unweighted accuracy on an unseen corpus")
    report.write(runs.RunFolder(run_dir).report_path, f"Leave-one-corpus-out: {chosen.name}", [
        report.Section("Per held-out corpus", report.table_html(table.drop(columns=["run_dir"]))
                       + report.figure_html(fig, "cross-corpus accuracy")),
        report.Section("Summary (mean ± std)", report.table_html(summary)),
        report.environment_section(run_dir),
    ], subtitle="Train on three corpora, test on the fourth.")
    return ExperimentOutcome(table, summary, run_dir)


def compare_protocols(
    frame: pd.DataFrame, data_root: str | os.PathLike, preset: str | presets.Preset, *,
    seed: int = 0, epochs: int | None = None, run_dir: str | os.PathLike | None = None,
    cache_dir=None, n_jobs: int = 1, verbose: int = 0,
) -> ExperimentOutcome:
    """The leakage gap: the same configuration under a random and a speaker-independent split."""
    chosen = presets.get(preset)
    config = _config(chosen, epochs, seed, verbose)
    run_dir = Path(run_dir) if run_dir else runs.new_run_dir(f"protocols-{chosen.name}")
    rows = []
    results = {}
    for protocol in ("random", "speaker"):
        split_frame = manifest.assign_splits(frame, protocol=protocol, seed=seed)
        result = train(split_frame, data_root, chosen.feature_spec, config,
                       run_dir=run_dir / protocol, cache_dir=cache_dir, n_jobs=n_jobs)
        trained_on = set(split_frame.loc[split_frame["split"] == "train", "speaker"])
        tested_on = set(result.test_rows["speaker"])
        rows.append(_row(protocol, result) | {
            "test_speakers": len(tested_on),
            "test_speakers_seen_in_training": len(tested_on & trained_on)})
        results[protocol] = result
    table = pd.DataFrame(rows)
    gap = {k: float(table.loc[0, k] - table.loc[1, k]) for k in SUMMARY_KEYS}
    summary = pd.DataFrame({"random": table.loc[0, list(SUMMARY_KEYS)].astype(float),
                            "speaker": table.loc[1, list(SUMMARY_KEYS)].astype(float),
                            "gap (random - speaker)": pd.Series(gap)})
    _write_tables(run_dir, table, summary)
    runs.write_json(run_dir / "gap.json", gap | {"preset": chosen.name, "seed": config.seed})
    fig = plots.protocol_gap(table)
    sections = [report.Section(
        "The leakage gap",
        "<p>Same preset, same features, same model and seed; only the split differs. Under the "
        "<b>random</b> split the test set holds utterances of speakers the model was trained on; "
        "under the <b>speaker</b> protocol every test speaker is new. The difference is how much "
        "a random split flatters a model.</p>" + report.table_html(summary)
        + report.figure_html(fig, "leakage gap", run_dir / "protocol_gap.png"))]
    for protocol, result in results.items():
        record = record_for_run(result)
        sections.append(report.Section(
            f"{protocol} protocol: confusion matrix",
            report.protocol_badge(protocol)
            + report.figure_html(plots.confusion_matrix(record, normalize=True), protocol)))
    sections.append(report.environment_section(run_dir))
    report.write(runs.RunFolder(run_dir).report_path, f"Random split vs unseen speakers: {chosen.name}",
                 sections)
    return ExperimentOutcome(table, summary, run_dir, {"gap": gap})


def compare_models(
    frame: pd.DataFrame, data_root: str | os.PathLike, model_names: Sequence[str],
    preset: str | presets.Preset = "paper000", *, seed: int = 0, epochs: int | None = None,
    run_dir: str | os.PathLike | None = None, cache_dir=None, n_jobs: int = 1, verbose: int = 0,
) -> ExperimentOutcome:
    """Train several models on the same split and features (paper 000's Table 9 comparison)."""
    chosen = presets.get(preset)
    base = _config(chosen, epochs, seed, verbose)
    run_dir = Path(run_dir) if run_dir else runs.new_run_dir(f"compare-{chosen.name}")
    spec = chosen.feature_spec
    selected = manifest.select(frame, base.label_set)
    features = extract_features(selected, data_root, spec, cache_dir=cache_dir, n_jobs=n_jobs,
                                progress=verbose > 0)
    rows, per_class = [], []
    for name in model_names:
        config = presets.resolve(chosen, epochs=epochs, seed=seed, verbose=verbose,
                                 model=name).config
        result = train(frame, data_root, spec, config, run_dir=run_dir / name,
                       cache_dir=cache_dir, n_jobs=n_jobs, features=features)
        record = record_for_run(result)
        rows.append(_row(name, result) | {"weighted_f1": record.metrics["weighted_f1"],
                                          "macro_auc": record.metrics["macro_auc"]})
        pc = record.per_class[["precision", "recall", "f1-score", "support"]].reset_index()
        per_class.append(pc.assign(model=name))
    table = pd.DataFrame(rows)
    classes = pd.concat(per_class, ignore_index=True)
    wide = classes.pivot(index="class", columns="model", values="f1-score")
    summary = table.set_index("name")[["accuracy", "unweighted_accuracy", "macro_f1",
                                       "weighted_f1", "macro_auc"]]
    _write_tables(run_dir, table, summary)
    classes.to_csv(run_dir / "per_class.csv", index=False)
    fig = plots.model_comparison(table.rename(columns={"name": "model_name"}), by="model_name",
                                 chance=table["chance"].iloc[0],
                                 title=f"Models on the same {table['protocol'].iloc[0]} split")
    f1_fig = plots.grouped_bars(classes, "class", "f1-score", "model", "F1 per emotion and model")
    report.write(runs.RunFolder(run_dir).report_path, f"Model comparison ({chosen.name} features)", [
        report.Section("Results", report.protocol_badge(table["protocol"].iloc[0])
                       + report.table_html(summary) + report.figure_html(fig, "comparison")),
        report.Section("Per-class F1 (paper 000, Table 9 style)", report.table_html(wide)
                       + report.figure_html(f1_fig, "per-class F1")),
        report.environment_section(run_dir),
    ])
    return ExperimentOutcome(table, summary, run_dir, {"per_class": classes})


def _run_rounds(frame, data_root, chosen, config, rounds, run_dir: Path, cache_dir,
                n_jobs: int, protocol: str = "speaker") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train once per ``(label, folder, split, extra columns)`` round; per-round table and
    mean ± std summary (under the speaker protocol every round is checked to be
    speaker-independent)."""
    rows, records = [], []
    for label, folder, split, extra in rounds:
        round_frame = frame.assign(split=split.to_numpy(), protocol=protocol)
        if protocol == "speaker":
            splits.check_speaker_independent(round_frame)
        result = train(round_frame, data_root, chosen.feature_spec, config,
                       run_dir=run_dir / folder, cache_dir=cache_dir, n_jobs=n_jobs)
        test_speakers = round_frame.loc[round_frame["split"] == "test", "speaker"].nunique()
        rows.append(_row(label, result) | extra | {"test_speakers": int(test_speakers)})
        records.append(result.metrics)
    table = pd.DataFrame(rows)
    summary = mean_std(records, SUMMARY_KEYS)
    _write_tables(run_dir, table, summary)
    return table, summary


def _write_tables(run_dir: Path, table: pd.DataFrame, summary: pd.DataFrame) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(run_dir / "results.csv", index=False)
    summary.to_csv(run_dir / "summary.csv")

