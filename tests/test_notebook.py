"""The notebooks' helpers (sermodels.notebook): the data cell downloads what is missing, never
stops "Run all", and falls back loudly to the hard synthetic corpus. No test touches the network:
``sermodels.download.download`` is replaced by a fake."""

import re
import sys
import types
from pathlib import Path

import nbformat
import pytest

from sermodels import notebook, pipeline, synthetic
from sermodels.download import DownloadError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """Not in smoke mode, notebook home in tmp_path, no Kaggle credentials, and a synthetic
    fallback that is tiny (recording the variant asked for)."""
    monkeypatch.delenv(notebook.SMOKE_VAR, raising=False)
    monkeypatch.setenv(notebook.HOME_VAR, str(tmp_path / "home"))
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "user")  # no ~/.kaggle/kaggle.json
    made = []
    real = pipeline.ensure_synthetic

    def tiny(root, size, seed, progress=True, variant="easy"):
        made.append((size, variant))
        return real(Path(str(root) + "-tiny"), "tiny", seed, progress=False, variant=variant)

    monkeypatch.setattr(pipeline, "ensure_synthetic", tiny)
    return types.SimpleNamespace(root=tmp_path / "data", made=made)


@pytest.fixture()
def downloads(monkeypatch):
    """Replace the real download with a fake that records its calls and writes tiny corpora."""
    calls = []

    def fake(corpus, dest, *, source="direct", progress=True, **kwargs):
        calls.append((corpus, Path(dest), source))
        synthetic.generate(dest, [corpus], size="tiny", progress=False)
        return types.SimpleNamespace(folder=Path(dest) / corpus,
                                     check=types.SimpleNamespace(present=1, expected=1))

    monkeypatch.setattr("sermodels.download.download", fake)
    return calls


def test_missing_corpora_are_downloaded_once_each_into_the_data_root(env, downloads):
    status = notebook.ensure_corpora(env.root)
    assert downloads == [("ravdess", env.root, "direct"), ("tess", env.root, "direct")]
    assert status.downloaded == ["ravdess", "tess"] and not status.failed
    data = notebook.get_data(status.root, status=status)
    assert not data.synthetic and data.real_corpora == ("ravdess", "tess")
    assert data.synthetic_corpora == () and set(data.missing) == {"cremad", "savee"}
    again = notebook.ensure_corpora(env.root)  # a second notebook: nothing to download
    assert len(downloads) == 2 and again.present == ["ravdess", "tess"]


def test_present_corpora_are_not_downloaded(env, downloads):
    synthetic.generate(env.root, ["ravdess", "tess"], size="tiny", progress=False)
    status = notebook.ensure_corpora(env.root)
    assert downloads == [] and status.present == ["ravdess", "tess"]


def test_a_failed_download_falls_back_loudly_to_the_hard_corpus(env, monkeypatch, capsys):
    def fail(corpus, dest, **kwargs):
        raise DownloadError(f"https://example.org/{corpus}.zip: <urlopen error no network>")

    monkeypatch.setattr("sermodels.download.download", fail)
    data = notebook.course_data(env.root, seed=0)  # must not raise
    out = capsys.readouterr().out
    assert "SYNTHETIC AUDIO" in out and "NOT running on real speech" in out
    assert "ravdess: DownloadError" in out and "no network" in out
    assert data.synthetic and data.real_corpora == ()
    assert set(data.synthetic_corpora) == {"cremad", "ravdess", "tess", "savee"}
    assert env.made == [("demo", "hard")]
    assert "no corpus found" in data.reason


def test_smoke_mode_never_downloads_and_uses_the_small_hard_corpus(env, downloads, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv(notebook.SMOKE_VAR, "1")
    data = notebook.course_data(env.root, drive=True, kaggle=("cremad", "savee"))
    assert downloads == [] and data.synthetic
    assert env.made == [("small", "hard")]
    assert "SYNTHETIC AUDIO" not in capsys.readouterr().out  # the banner is for a real fallback


def test_kaggle_needs_credentials_and_then_downloads_from_kaggle(env, downloads, monkeypatch):
    status = notebook.ensure_corpora(env.root, (), kaggle=("cremad",))
    assert downloads == [] and "KAGGLE_USERNAME" in status.failed["cremad"]
    monkeypatch.setenv("KAGGLE_USERNAME", "student")
    monkeypatch.setenv("KAGGLE_KEY", "0123")
    status = notebook.ensure_corpora(env.root, (), kaggle=("cremad",))
    assert downloads == [("cremad", env.root, "kaggle")] and status.downloaded == ["cremad"]


def test_kaggle_credentials_come_from_colab_secrets(env, monkeypatch):
    secrets = {"KAGGLE_USERNAME": "student", "KAGGLE_KEY": "0123"}
    colab = types.ModuleType("google.colab")
    colab.userdata = types.SimpleNamespace(get=secrets.__getitem__)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    assert notebook.kaggle_credentials()
    import os

    assert os.environ["KAGGLE_USERNAME"] == "student"


def test_drive_keeps_the_data_on_mydrive_in_colab(env, downloads, tmp_path, monkeypatch):
    mounted = []
    mount = tmp_path / "drive"

    def fake_mount(where):
        mounted.append(where)
        (Path(where) / "MyDrive").mkdir(parents=True)

    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=fake_mount)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(notebook, "DRIVE_MOUNT", mount)
    monkeypatch.setattr(notebook, "DRIVE_DATA", mount / "MyDrive" / "sermodels" / "data")
    status = notebook.ensure_corpora(env.root, drive=True)
    assert mounted == [str(mount)] and status.root == mount / "MyDrive" / "sermodels" / "data"
    assert {d for _, d, _ in downloads} == {status.root}


def test_drive_outside_colab_keeps_the_local_folder(env, downloads, capsys):
    status = notebook.ensure_corpora(env.root, drive=True)
    assert status.root == env.root and "only available in Colab" in capsys.readouterr().out


NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_every_notebook_installs_from_the_one_source(path):
    """The install cell runs before sermodels exists, so it repeats notebook.INSTALL_SOURCE."""
    install = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    values = re.findall(r'^SERMODELS_SOURCE = "([^"]+)"', install.source, re.M)
    assert values == [notebook.INSTALL_SOURCE], f"{path.name}: SERMODELS_SOURCE"
    assert "%pip install -q {SERMODELS_SOURCE}" in install.source
