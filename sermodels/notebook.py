"""Helpers for the numbered notebooks: set-up checks, smoke mode, and data with a fallback.

The notebooks call these so that they hold no function of their own:

* :func:`setup` checks versions, seeds everything and says whether a GPU is there;
* :func:`smoke_mode` reads ``SERMODELS_SMOKE`` (CI's small-data switch);
* :func:`ensure_corpora` downloads RAVDESS speech and TESS (no account needed) when they are
  missing, optionally onto Google Drive, and CREMA-D/SAVEE from Kaggle when asked;
* :func:`get_data` returns the real corpora if you have them, and otherwise explains
  how to get them and falls back LOUDLY (a banner) to the ``hard`` synthetic corpus, so every
  notebook runs top to bottom anywhere;
* :func:`course_data` is the notebooks' data cell: both of the above in one call.

Example (a notebook's data cell):
    >>> data = notebook.course_data(DATA_ROOT, seed=SEED)               # doctest: +SKIP
    >>> data.real_corpora, data.synthetic_corpora                       # doctest: +SKIP
    (('ravdess', 'tess'), ())
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SMOKE_VAR = "SERMODELS_SMOKE"
HOME_VAR = "SERMODELS_HOME"

#: What the notebooks' install cell passes to ``%pip install`` in Colab. The install cell runs
#: before sermodels exists, so each notebook repeats this value as ``SERMODELS_SOURCE``
#: (``tests/test_notebook.py`` checks they all agree with it). Alternatives: a wheel or a
#: checkout uploaded to the runtime or to Drive, e.g.
#: ``/content/drive/MyDrive/sermodels-0.1.0-py3-none-any.whl`` or ``-e /content/sermodels``.
INSTALL_SOURCE = "git+https://github.com/sermodels/sermodels@main"

#: Corpora with a public archive (``sermodels download CORPUS``, no account needed).
FREE_CORPORA = ("ravdess", "tess")
#: Corpora only on Kaggle mirrors (``sermodels download CORPUS --source kaggle``, credentials).
KAGGLE_CORPORA = ("cremad", "savee")
#: Where Google Drive is mounted in Colab, and the data folder kept on it.
DRIVE_MOUNT = Path("/content/drive")
DRIVE_DATA = DRIVE_MOUNT / "MyDrive" / "sermodels" / "data"


def smoke_mode() -> bool:
    """True when ``SERMODELS_SMOKE`` is set to 1/true/yes (small synthetic data, few epochs)."""
    return os.environ.get(SMOKE_VAR, "").strip().lower() in ("1", "true", "yes")


def in_colab() -> bool:
    return "google.colab" in sys.modules


def home() -> Path:
    """Where notebooks keep data, caches and runs: ``$SERMODELS_HOME``, ``/content/sermodels``
    in Colab, else ``~/sermodels``."""
    if os.environ.get(HOME_VAR):
        path = Path(os.environ[HOME_VAR])
    elif in_colab():
        path = Path("/content/sermodels")
    else:
        path = Path.home() / "sermodels"
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup(seed: int = 0) -> dict:
    """Check versions (Python >= 3.10, Keras 3, TensorFlow, librosa), seed everything,
    and print a one-line hint about the GPU. Returns the versions."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import librosa
    import tensorflow as tf

    from sermodels import __version__
    from sermodels.seeding import seed_everything

    # Python >= 3.10 is enforced by the package's requires-python
    if int(keras.__version__.split(".")[0]) < 3:
        raise RuntimeError(f"sermodels needs Keras 3, this is Keras {keras.__version__}")
    seed_everything(seed)
    gpus = tf.config.list_physical_devices("GPU")
    versions = {"python": platform.python_version(), "sermodels": __version__,
                "tensorflow": tf.__version__, "keras": keras.__version__,
                "librosa": librosa.__version__}
    print(", ".join(f"{k} {v}" for k, v in versions.items()))
    if gpus:
        print(f"GPU: {len(gpus)} device(s) - training uses it (mixed precision on).")
    else:
        print("No GPU found: everything runs on the CPU, just slower. In Colab: "
              "Runtime > Change runtime type > T4 GPU.")
    print(f"seed {seed}; smoke mode {'ON (small synthetic data, few epochs)' if smoke_mode() else 'off'}")
    return versions


@dataclass
class NotebookData:
    """The data a notebook works on.

    Attributes:
        root: the data root the manifest's paths are relative to.
        frame: the manifest (one row per utterance).
        synthetic: True when this is synthetic audio (the fallback, or smoke mode).
        summary: the loader's report (files per corpus, skipped files).
        real_corpora: corpora loaded from real recordings.
        synthetic_corpora: corpora made of synthetic audio.
        missing: corpora asked for but not found (neither real nor synthetic).
        reason: why the data is synthetic (empty when it is real).
    """

    root: Path
    frame: pd.DataFrame
    synthetic: bool
    summary: str
    real_corpora: tuple[str, ...] = ()
    synthetic_corpora: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class CorporaStatus:
    """What :func:`ensure_corpora` found and did under one data root.

    Attributes:
        root: the data root (on Drive when asked for and available).
        present: corpora that were already there.
        downloaded: corpora downloaded now.
        failed: corpus -> why its download failed or was not tried.
    """

    root: Path
    present: list[str] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def drive_data_root(mount: bool = True) -> Path | None:
    """The data folder on Google Drive (``MyDrive/sermodels/data``), mounting Drive if needed.

    Returns ``None`` (with a printed reason) outside Colab or when Drive cannot be mounted;
    the caller then keeps the runtime's own disk, which is wiped when the runtime stops.
    """
    if not in_colab():
        print("Google Drive is only available in Colab: keeping the data on this machine.")
        return None
    try:
        if mount and not (DRIVE_MOUNT / "MyDrive").is_dir():
            from google.colab import drive  # type: ignore[import-not-found]

            drive.mount(str(DRIVE_MOUNT))
        DRIVE_DATA.mkdir(parents=True, exist_ok=True)
    except Exception as err:  # noqa: BLE001 - a refused or failed mount must not stop "Run all"
        print(f"Google Drive could not be mounted ({err}): keeping the data on the runtime.")
        return None
    return DRIVE_DATA


def kaggle_credentials() -> bool:
    """Make Kaggle credentials visible to ``kagglehub``; True when there are some.

    Looked for in this order: ``KAGGLE_USERNAME``/``KAGGLE_KEY`` in the environment,
    ``~/.kaggle/kaggle.json``, then Colab secrets of the same two names (key icon in Colab's
    left bar: add ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` from kaggle.com > Settings > API >
    Create New Token, and allow this notebook to read them).
    """
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return True
    if (Path.home() / ".kaggle" / "kaggle.json").is_file():
        return True
    if in_colab():
        try:
            from google.colab import userdata  # type: ignore[import-not-found]

            values = {name: userdata.get(name) for name in ("KAGGLE_USERNAME", "KAGGLE_KEY")}
        except Exception:  # noqa: BLE001 - secret missing or access refused
            return False
        if all(values.values()):
            os.environ.update(values)
            return True
    return False


def _present(root: Path, corpus: str) -> bool:
    """Whether ``corpus`` has at least one recognisable file under ``root``."""
    from sermodels.verify import verify

    if not root.is_dir():
        return False
    (check,) = verify(root, [corpus])
    if check.present and check.missing:
        print(f"{corpus}: {check.present} of {check.expected} files present (incomplete copy; "
              f"`sermodels verify --data-root {root}` lists what is missing).")
    return check.present > 0


def ensure_corpora(data_root: str | os.PathLike | None = None,
                   corpora: tuple[str, ...] | list[str] = FREE_CORPORA, *,
                   drive: bool = False, kaggle: tuple[str, ...] | list[str] = (),
                   progress: bool = True) -> CorporaStatus:
    """Download the corpora that are missing under ``data_root``; never raises for a download.

    RAVDESS speech (Zenodo) and TESS (Borealis) come with :func:`sermodels.download.download`
    (``sermodels download ravdess``), no account needed. CREMA-D and SAVEE have no public archive
    and come from their Kaggle mirrors when listed in ``kaggle``
    (``sermodels download cremad --source kaggle``), with credentials from
    :func:`kaggle_credentials`. A corpus already there is not downloaded again. A failed
    download is reported (printed and in ``failed``) and the notebook goes on: :func:`get_data`
    then uses what is there, or synthetic audio with a banner. In smoke mode nothing is
    downloaded.

    Args:
        data_root: the data folder (default ``home()/data``).
        corpora: corpora to download directly (default RAVDESS and TESS).
        drive: keep the data on Google Drive (``MyDrive/sermodels/data``) so it survives the
            Colab runtime; Drive is mounted (Colab asks you to allow it). Ignored outside Colab.
        kaggle: corpora to get from Kaggle, e.g. ``("cremad", "savee")``.
        progress: show download progress bars.

    Returns:
        A :class:`CorporaStatus`; use its ``root`` as the data root.

    Example:
        >>> status = ensure_corpora(DATA_ROOT, drive=True, kaggle=("cremad",))  # doctest: +SKIP
        >>> status.present, status.downloaded, status.failed                      # doctest: +SKIP
    """
    from sermodels import download as dl
    from sermodels.corpora import check_corpora

    root = Path(data_root) if data_root else home() / "data"
    if drive and not smoke_mode():
        root = drive_data_root() or root
    status = CorporaStatus(root)
    plan = [(c, "direct") for c in check_corpora(list(corpora))]
    plan += [(c, "kaggle") for c in check_corpora(list(kaggle)) if c not in dict(plan)]
    if smoke_mode():
        status.failed = {corpus: "smoke mode: no download" for corpus, _ in plan}
        return status
    for corpus, source in plan:
        if _present(root, corpus):
            status.present.append(corpus)
            continue
        if source == "kaggle" and not kaggle_credentials():
            status.failed[corpus] = ("no Kaggle credentials: add the Colab secrets KAGGLE_USERNAME "
                                     "and KAGGLE_KEY (or ~/.kaggle/kaggle.json)")
            print(f"{corpus}: {status.failed[corpus]}")
            continue
        print(f"{corpus}: downloading into {root / corpus} ({source}; a few minutes)...")
        try:
            report = dl.download(corpus, root, source=source, progress=progress)
        except Exception as err:  # noqa: BLE001 - any failure: report it, keep the notebook going
            status.failed[corpus] = f"{type(err).__name__}: {err}"
            print(f"{corpus}: download failed - {status.failed[corpus]}")
            continue
        status.downloaded.append(corpus)
        print(f"{corpus}: {report.check.present} of {report.check.expected} files in {report.folder}")
    return status


def get_data(data_root: str | os.PathLike | None = None, corpora=None, *,
             synthetic_size: str | None = None, protocol: str = "speaker",
             seed: int = 0, variant: str = "hard",
             status: CorporaStatus | None = None) -> NotebookData:
    """The corpora under ``data_root`` if any are there, else a synthetic corpus (and why).

    The synthetic fallback is taken only when no audio file lies under ``data_root``: when
    audio is there but cannot be used (no recognisable corpus, a broken file name scheme,
    an unknown corpus asked for), the loader's error is raised so the problem gets fixed.
    The fallback is announced by a banner (coloured in a notebook, a framed text elsewhere)
    and uses the ``hard`` synthetic variant, the one on which speakers differ more than
    emotions and the leakage gap shows, as on real speech.

    Args:
        data_root: where you put the real corpora (default ``home()/data``).
        corpora: which corpora to use (default all found).
        synthetic_size: synthetic size to fall back to (default: ``small`` in smoke mode,
            ``demo`` otherwise).
        protocol: split protocol of the manifest.
        seed: split seed.
        variant: synthetic variant of the fallback (``hard``; ``easy`` only for comparison).
        status: what :func:`ensure_corpora` did (its failures are quoted in the banner).

    Returns:
        A :class:`NotebookData`; ``real_corpora`` and ``synthetic_corpora`` say which is which.
    """
    from sermodels import manifest
    from sermodels.corpora import check_corpora
    from sermodels.download import HOW_TO_GET
    from sermodels.pipeline import ensure_synthetic

    wanted = tuple(check_corpora(corpora))
    root = Path(data_root) if data_root else home() / "data"
    if not smoke_mode() and root.is_dir() and _has_audio(root):
        # real audio is there: use it, and let a problem with it (a broken corpus, an unknown
        # corpus name) raise rather than quietly continue on synthetic audio
        frame, loaded = manifest.build_manifest(root, corpora, protocol=protocol, seed=seed)
        real = tuple(c for c in wanted if c in set(frame["corpus"]))
        missing = tuple(c for c in wanted if c not in real)
        print(f"Real corpora found under {root}: {', '.join(real)}"
              + (f" (not found: {', '.join(missing)})" if missing else "") + ".")
        return NotebookData(root, frame, False, loaded.summary(), real_corpora=real,
                            missing=missing)
    size = synthetic_size or ("small" if smoke_mode() else "demo")
    if smoke_mode():
        reason = "smoke mode (CI): the small synthetic corpus, nothing downloaded"
        print(f"Smoke mode: the small '{variant}' synthetic corpus (nothing downloaded).")
    else:
        reason = f"no corpus found under {root}"
        if status is not None and status.failed:
            reason += " (" + "; ".join(f"{c}: {why}" for c, why in status.failed.items()) + ")"
        banner("SYNTHETIC AUDIO: this notebook is NOT running on real speech", [
            f"Why: {reason}.",
            f"Everything below runs on the '{variant}' synthetic corpus (size '{size}'): "
            "speech-like tones in the corpora's layouts and file names. Its numbers describe "
            "that corpus, not how well anything recognises real emotions.",
            "To use real audio: run the data cell again with a working connection (RAVDESS and "
            "TESS download without an account), or put the corpora under "
            f"{root}:",
            *(f"  {corpus}: {how}" for corpus, how in HOW_TO_GET.items()),
        ])
    synthetic_root = ensure_synthetic(home() / f"synthetic-{variant}-{size}", size, 0,
                                      progress=False, variant=variant)
    frame, loaded = manifest.build_manifest(synthetic_root, corpora, protocol=protocol, seed=seed)
    fake = tuple(c for c in wanted if c in set(frame["corpus"]))
    return NotebookData(synthetic_root, frame, True, loaded.summary(), synthetic_corpora=fake,
                        missing=tuple(c for c in wanted if c not in fake), reason=reason)


def course_data(data_root: str | os.PathLike | None = None, corpora=None, *,
                download: tuple[str, ...] | list[str] = FREE_CORPORA, drive: bool = False,
                kaggle: tuple[str, ...] | list[str] = (), seed: int = 0,
                protocol: str = "speaker", progress: bool = True) -> NotebookData:
    """A notebook's data cell in one call: :func:`ensure_corpora`, then :func:`get_data`.

    Downloads RAVDESS speech and TESS into ``data_root`` when they are missing (on Google
    Drive with ``drive=True``; CREMA-D/SAVEE from Kaggle when listed in ``kaggle``), then
    loads what is there. If nothing could be had it falls back to the ``hard`` synthetic
    corpus behind a banner, so "Run all" never stops here. Smoke mode never downloads.

    Args:
        data_root: the data folder (default ``home()/data``).
        corpora: corpora to load (default all found).
        download: corpora to download directly when missing (``()``: none).
        drive: keep the data on Google Drive (Colab only).
        kaggle: corpora to get from Kaggle (needs the Colab secrets ``KAGGLE_USERNAME`` and
            ``KAGGLE_KEY``).
        seed: split seed.
        protocol: split protocol of the manifest.
        progress: show download progress bars.

    Returns:
        A :class:`NotebookData` (``data.root``, ``data.frame``, ``data.real_corpora``,
        ``data.synthetic_corpora``).

    Example:
        >>> data = course_data(DATA_ROOT, drive=USE_DRIVE, kaggle=KAGGLE, seed=SEED)  # doctest: +SKIP
    """
    status = ensure_corpora(data_root, download, drive=drive, kaggle=kaggle, progress=progress)
    return get_data(status.root, corpora, protocol=protocol, seed=seed, status=status)


def banner(title: str, lines: list[str], *, colour: str = "#b00020") -> str:
    """Show a warning that cannot be missed: a coloured box in a notebook, a framed text
    elsewhere. Returns the plain text."""
    width = max(len(title), *(len(line) for line in lines)) + 4
    rule = "!" * min(width, 100)
    text = "\n".join([rule, f"!! {title}", rule, *lines, rule])
    shell = None
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        pass
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from html import escape

        from IPython.display import display

        body = "".join(f"<div>{escape(line)}</div>" for line in lines)
        html = (f'<div style="border:3px solid {colour};background:#fff3f3;color:#222;'
                f'padding:10px 14px;margin:6px 0;border-radius:6px;font-family:sans-serif">'
                f'<div style="color:{colour};font-weight:bold;font-size:1.2em;margin-bottom:6px">'
                f"&#9888; {escape(title)}</div>{body}</div>")
        display({"text/html": html, "text/plain": text}, raw=True)
    else:
        print(text)
    return text


def _has_audio(root: Path) -> bool:
    """Whether any audio file lies below ``root`` (the real corpora, perhaps broken)."""
    from sermodels.corpora import AUDIO_SUFFIXES

    return any(name.lower().endswith(AUDIO_SUFFIXES)
               for _, _, names in os.walk(root, followlinks=True) for name in names)


def cache_dir() -> Path:
    return home() / "cache"


def runs_dir() -> Path:
    return home() / "runs"
