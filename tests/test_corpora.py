from pathlib import Path, PurePosixPath

import pytest
import soundfile as sf

from sermodels import corpora
from sermodels.corpora import ParseError, cremad, ravdess, savee, tess


def _keys(records, corpus):
    return {r.key for r in records if r.corpus == corpus}


@pytest.mark.parametrize("fixture", ["tiny_original", "tiny_kaggle"])
def test_loaders_return_exactly_the_generated_files(fixture, request):
    corpus = request.getfixturevalue(fixture)
    result = corpora.load_corpora(corpus.root)
    for name, expected in corpus.expected.items():
        assert _keys(result.records, name) == expected, name
    assert len(result.records) == corpus.n_expected  # duplicated sub-trees loaded once
    assert sorted(p for p, _ in result.skipped) == sorted(corpus.bad_files)
    assert all(not (corpus.root / r.path).is_dir() and (corpus.root / r.path).exists()
               for r in result.records)


def test_kaggle_duplicates_are_reported_as_ignored(tiny_kaggle):
    result = corpora.load_corpora(tiny_kaggle.root)
    duplicates = [p for p, why in result.ignored if "duplicate" in why]
    n_copies = len(tiny_kaggle.files) - len(tiny_kaggle.bad_files) - tiny_kaggle.n_expected
    assert len(duplicates) == n_copies > 0
    assert any("audio_speech_actors_01-24" in p for p in duplicates)
    assert any("tess toronto emotional speech set data" in p for p in duplicates)


def test_odd_files_are_loaded(tiny_original):
    result = corpora.load_corpora(tiny_original.root)
    paths = {r.path for r in result.records}
    assert set(tiny_original.odd_files) <= paths
    kinds = {sf.info(str(tiny_original.root / p)).format for p in tiny_original.odd_files}
    assert "AIFF" in kinds  # an AIFF file under a .wav name


def test_bad_file_named_in_summary(tiny_original):
    summary = corpora.load_corpora(tiny_original.root).summary()
    assert "skipped 4 file(s)" in summary
    for bad in tiny_original.bad_files:
        assert bad in summary


def test_records_carry_fields(tiny_original):
    records = corpora.load_corpora(tiny_original.root).records
    r = next(r for r in records if r.corpus == "ravdess" and r.native_label == "calm")
    assert r.speaker.startswith("ravdess_") and r.label == "neutral"
    assert r.intensity in ("normal", "strong") and r.statement in ("01", "02")
    assert r.repetition in ("01", "02")
    assert r.gender == ("male" if int(r.speaker[-2:]) % 2 else "female")
    c = next(r for r in records if r.corpus == "cremad")
    assert c.intensity in cremad.LEVELS and c.statement in cremad.SENTENCES
    t = next(r for r in records if r.corpus == "tess")
    assert t.word and t.gender == "female"
    s = next(r for r in records if r.corpus == "savee")
    assert s.gender == "male" and s.statement[:-2] in savee.EMOTIONS


def test_tess_typo_speaker_is_accepted(tiny_original):
    records = corpora.load_corpora(tiny_original.root, ["tess"]).records
    typo = [r for r in records if "/OA_" in r.path]
    assert len(typo) == 1 and typo[0].speaker == "tess_OAF"


def test_subset_of_corpora_and_single_corpus_root(tiny_original):
    result = corpora.load_corpora(tiny_original.root, ["savee", "tess"])
    assert {r.corpus for r in result.records} == {"savee", "tess"}
    assert len(result.skipped) == 2  # only the bad files of the requested corpora
    single = corpora.load_corpus("ravdess", tiny_original.root / "RAVDESS")
    assert _keys(single.records, "ravdess") == tiny_original.expected["ravdess"]
    assert single.records[0].path.startswith("Actor_")
    assert [p for p, _ in single.skipped] == ["Actor_01/03-01-09-01-01-01-01.wav"]


def test_missing_root_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        corpora.load_corpora(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="ravdess"):
        corpora.load_corpus("ravdess", tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no cremad/ravdess/tess/savee audio files"):
        corpora.load_corpora(tmp_path / "empty")
    with pytest.raises(ValueError, match="unknown corpus"):
        corpora.load_corpora(tmp_path, ["iemocap"])


def test_ravdess_song_and_video_files(tmp_path):
    root = tmp_path / "Actor_01"
    root.mkdir()
    for name in ("03-01-05-01-01-01-01.wav", "03-02-05-01-01-01-01.wav"):
        sf.write(root / name, [0.1, -0.1] * 100, 48000)
    plain = corpora.load_corpus("ravdess", tmp_path)
    assert [r.path for r in plain.records] == ["Actor_01/03-01-05-01-01-01-01.wav"]
    assert plain.ignored == [("Actor_01/03-02-05-01-01-01-01.wav",
                              "song file (pass include_song=True to load)")]
    both = corpora.load_corpus("ravdess", tmp_path, include_song=True)
    assert len(both.records) == 2
    with pytest.raises(ravdess.Ignored, match="video"):
        ravdess.parse(PurePosixPath("01-01-05-01-01-01-01.mp4"))


@pytest.mark.parametrize("parse, name, message", [
    (cremad.parse, "1001_DFA_ANG.wav", "expected ACTOR"),
    (cremad.parse, "0999_DFA_ANG_XX.wav", "not a CREMA-D actor"),
    (cremad.parse, "1001_ABC_ANG_XX.wav", "unknown sentence"),
    (ravdess.parse, "03-01-01-02-01-01-01.wav", "neutral has no strong"),
    (ravdess.parse, "03-01-05-01-01-01-25.wav", "not a RAVDESS actor"),
    (tess.parse, "XAF_back_angry.wav", "unknown speaker"),
    (tess.parse, "OAF_back_calm.wav", "unknown emotion"),
    (savee.parse, "DC_n31.wav", "outside 01-30"),
    (savee.parse, "DC_a16.wav", "outside 01-15"),
    (savee.parse, "XX_a01.wav", "unknown speaker"),
    (savee.parse, "misc/a01.wav", "expected SPEAKER"),
])
def test_parsers_explain_bad_names(parse, name, message):
    with pytest.raises(ParseError, match=message):
        parse(PurePosixPath(name))


def test_savee_code_is_the_letters_before_the_digits():
    assert savee.parse(PurePosixPath("JK_sa03.wav")).native_label == "sad"
    assert savee.parse(PurePosixPath("JK_su03.wav")).native_label == "surprise"
    assert savee.parse(PurePosixPath("AudioData/KL/n30.wav")).speaker == "savee_KL"


def test_loader_follows_symlinked_folders(tmp_path, tiny_original):
    (tmp_path / "link").symlink_to(Path(tiny_original.root) / "SAVEE")
    assert len(corpora.load_corpora(tmp_path, ["savee"]).records) == len(
        tiny_original.expected["savee"])


def test_an_unreadable_actor_folder_is_named_as_a_permission_problem(tmp_path, monkeypatch):
    import os
    import shutil

    import numpy as np

    for actor in ("Actor_01", "Actor_02"):
        (tmp_path / actor).mkdir()
        for emotion in ("01", "03"):
            sf.write(tmp_path / actor / f"03-01-{emotion}-01-01-01-{actor[-2:]}.wav",
                     np.full(1600, 0.1, dtype=np.float32), 16000)
    locked = tmp_path / "Actor_02"
    real_scandir = os.scandir

    def scandir(path="."):  # as root, chmod 000 does not stop listing: simulate the denial
        if os.fspath(path) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = corpora.load_corpora(tmp_path, ["ravdess"])
    assert len(result.records) == 2
    assert ("Actor_02/", corpora.base.UNREADABLE) in result.skipped
    summary = result.summary()
    assert "permission denied" in summary and "Actor_02/" in summary
    monkeypatch.undo()
    if os.geteuid() != 0:  # the real thing, where chmod does deny
        locked.chmod(0)
        try:
            assert "Actor_02/" in corpora.load_corpora(tmp_path, ["ravdess"]).summary()
        finally:
            locked.chmod(0o755)
    shutil.rmtree(locked)


def _format_back(corpus, record, layout="original"):
    """The file path the corpus module's ``format`` builds for a parsed record."""
    speaker = record.speaker.split("_", 1)[1]
    if corpus == "cremad":
        return cremad.format(speaker, record.statement, record.native_label, record.intensity)
    if corpus == "ravdess":
        intensity = {v: k for k, v in ravdess.INTENSITY.items()}[record.intensity]
        return ravdess.format(speaker, record.native_label, intensity, record.statement,
                              record.repetition)
    if corpus == "tess":
        return tess.format(speaker, record.word, record.native_label, layout)
    number = int(record.statement[len(savee.CODES[record.native_label]):])
    return savee.format(speaker, record.native_label, number, layout)


@pytest.mark.parametrize("corpus", ["cremad", "ravdess", "tess", "savee"])
def test_format_is_the_inverse_of_parse_on_every_released_file(corpus):
    """Each corpus module owns its file names both ways (issue 13)."""
    from sermodels import catalog, labels

    module = {"cremad": cremad, "ravdess": ravdess, "tess": tess, "savee": savee}[corpus]
    for path in catalog.canonical(corpus)["path"]:
        record = corpora.parser(corpus)(PurePosixPath(path))
        for layout in ("original", "kaggle"):
            built = _format_back(corpus, record, layout)
            assert module.parse(PurePosixPath(built)) == record, built
        if corpus != "tess":  # TESS folder names differ in case between copies
            assert _format_back(corpus, record) == path
        elif not PurePosixPath(path).name.startswith("OA_"):  # the release's typo for OAF_
            assert PurePosixPath(_format_back(corpus, record)).name == PurePosixPath(path).name
    assert set(module.CODES) == set(labels.NATIVE_LABELS[corpus])
    people = module.speakers()
    assert len(people) == catalog.canonical(corpus)["speaker"].nunique()
    assert {g for _, g in people} <= {"male", "female"}


def test_shipped_manifests_are_valid_manifests():
    from sermodels import catalog, manifest

    for corpus in corpora.CORPORA:
        manifest.validate(catalog.canonical(corpus), source=corpus)


_CIRCLE = ("sermodels.catalog", "sermodels.manifest", "sermodels.corpora")


def _imports(module: str) -> set[str]:
    """sermodels modules a module imports anywhere in its file (functions included)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    tree = ast.parse(Path(spec.origin).read_text())
    package = module if spec.submodule_search_locations else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if _is_module(full) else base)
    return {m for m in found if m.startswith("sermodels")}


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_catalog_manifest_and_corpora_do_not_import_each_other_in_a_circle():
    """catalog <- corpora <- manifest, never back (issue 13)."""
    import pkgutil

    import sermodels

    modules = [m.name for m in pkgutil.walk_packages(sermodels.__path__, "sermodels.")]
    graph = {m: _imports(m) for m in modules}
    for start in [m for m in modules if m.startswith(_CIRCLE)]:
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            assert m != start, f"{start} imports itself through a circle"
            if m not in seen and m in graph:
                seen.add(m)
                todo += graph[m]
    assert not {m for m in graph["sermodels.catalog"] if m.startswith(_CIRCLE)}


@pytest.mark.parametrize("module", ["sermodels.catalog", "sermodels.manifest", "sermodels.corpora",
                                    "sermodels.corpora.cremad", "sermodels.corpora.ravdess",
                                    "sermodels.corpora.tess", "sermodels.corpora.savee",
                                    "sermodels.synthetic"])
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
