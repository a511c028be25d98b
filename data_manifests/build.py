"""Regenerate the canonical corpus manifests from the release file lists.

Run from the repository root after changing the split rule or the facts:

    python data_manifests/build.py --facts ../shared/corpora

It reads the public file lists (CREMA-D, RAVDESS, TESS) and CREMA-D's actor
table, derives SAVEE's 480 names from its naming rule, parses every name with
sermodels' own loaders, assigns the canonical speaker split (seed 0) and the
5 speaker folds, and writes ``<corpus>.csv``, ``cremad_actors.csv`` and
``index.json`` here. The package reads only these generated files at run time.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
VERSION = "1.0.0"


def _savee_names() -> list[str]:
    names = []
    for speaker in ("DC", "JE", "JK", "KL"):
        for code in ("a", "d", "f", "h", "n", "sa", "su"):
            for i in range(1, (30 if code == "n" else 15) + 1):
                names.append(f"AudioData/{speaker}/{code}{i:02d}.wav")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=Path, default=HERE.parent.parent / "shared" / "corpora")
    args = parser.parse_args()
    facts: Path = args.facts
    shutil.copyfile(facts / "cremad_actors.csv", HERE / "cremad_actors.csv")

    from sermodels import catalog, corpora, manifest  # after the actor table is in place

    catalog.cremad_genders.cache_clear()
    lists = {
        "cremad": [f"AudioWAV/{n}" for n in (facts / "cremad_files.txt").read_text().split()],
        "ravdess": (facts / "ravdess_files.txt").read_text().split(),
        "tess": (facts / "tess_files.txt").read_text().split(),
        "savee": _savee_names(),
    }
    index = {"version": VERSION, "seed": catalog.CANONICAL_SEED,
             "folds": catalog.CANONICAL_FOLDS, "corpora": {}}
    for corpus, names in lists.items():
        parse = corpora._parser(corpus, include_song=False)
        records = []
        for name in names:
            record = parse(PurePosixPath(name))
            records.append(record.__class__(**{**record.__dict__, "path": name}))
        frame = manifest.records_to_frame(records)
        frame = manifest.splits.apply_protocol(frame, "speaker", seed=catalog.CANONICAL_SEED)
        frame["fold"] = manifest.splits.speaker_kfold(
            frame, k=catalog.CANONICAL_FOLDS, seed=catalog.CANONICAL_SEED)
        frame = frame.sort_values("path").reset_index(drop=True)
        manifest.write_manifest(frame, HERE / f"{corpus}.csv")
        speakers = frame.groupby("split")["speaker"].nunique().to_dict()
        index["corpora"][corpus] = {
            "files": len(frame),
            "speakers": int(frame["speaker"].nunique()),
            "speakers_per_split": {k: int(speakers.get(k, 0)) for k in ("train", "val", "test")},
            "files_per_label": {
                k: int(v) for k, v in frame["native_label"].value_counts().sort_index().items()
            },
        }
    (HERE / "index.json").write_text(json.dumps(index, indent=2) + "\n")


if __name__ == "__main__":
    main()
