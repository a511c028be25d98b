"""Getting the corpora: direct downloads that resume, Kaggle mirrors, or an uploaded zip.

sermodels never fetches data behind your back; these helpers run only when you
call them (``sermodels download CORPUS --dest DIR``). Every archive is unpacked
under ``DIR/<corpus>/`` and checked against the shipped manifests
(:func:`sermodels.verify.verify`), so you know at once what is missing.

Sources:

* RAVDESS: direct from Zenodo (record 1188976, ``Audio_Speech_Actors_01-24.zip``);
* TESS: direct from the University of Toronto's Borealis repository (zip of the dataset);
* CREMA-D and SAVEE: no plain public archive (CREMA-D's audio sits in Git LFS, SAVEE
  needs registration at the University of Surrey) — use the Kaggle mirrors
  (``source="kaggle"``, needs ``pip install kagglehub`` and Kaggle credentials)
  or unpack a zip you downloaded yourself (``source=path/to/file.zip``).

Example:
    >>> report = download("ravdess", "data/")        # doctest: +SKIP
    >>> report.check.present, report.check.missing    # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from sermodels.corpora import check_corpora
from sermodels.errors import SermodelsError
from sermodels.verify import CorpusCheck, verify

DIRECT_URLS: dict[str, str] = {
    "ravdess": "https://zenodo.org/records/1188976/files/Audio_Speech_Actors_01-24.zip?download=1",
    "tess": "https://borealisdata.ca/api/access/dataset/:persistentId/"
            "?persistentId=doi:10.5683/SP2/E8H2MF",
}
KAGGLE_DATASETS: dict[str, str] = {
    "cremad": "ejlok1/cremad",
    "ravdess": "uwrfkaggler/ravdess-emotional-speech-audio",
    "tess": "ejlok1/toronto-emotional-speech-set-tess",
    "savee": "ejlok1/surrey-audiovisual-expressed-emotion-savee",
}
HOW_TO_GET = {
    "cremad": "Kaggle mirror ejlok1/cremad (source='kaggle'), or clone "
              "github.com/CheyneyComputerScience/CREMA-D with Git LFS and point at AudioWAV/",
    "ravdess": "Zenodo record 1188976, Audio_Speech_Actors_01-24.zip (source='direct'), or the "
               "Kaggle mirror uwrfkaggler/ravdess-emotional-speech-audio",
    "tess": "Borealis doi:10.5683/SP2/E8H2MF (source='direct'), or the Kaggle mirror "
            "ejlok1/toronto-emotional-speech-set-tess",
    "savee": "register at the University of Surrey (kahlan.eps.surrey.ac.uk/savee), or the Kaggle "
             "mirror ejlok1/surrey-audiovisual-expressed-emotion-savee",
}
CHUNK = 1 << 16


class DownloadError(SermodelsError, RuntimeError):
    """A download or unpack that failed; the message says what and where."""


@dataclass
class DownloadReport:
    """Where a corpus was put and how it compares with its manifest."""

    corpus: str
    folder: Path
    source: str
    check: CorpusCheck


def fetch(url: str, dest: str | os.PathLike, *, progress: bool = True, timeout: float = 60) -> Path:
    """Download ``url`` to ``dest``, resuming from ``dest.part`` if an earlier try was cut off.

    The partial file is kept on failure, so calling again continues where it stopped
    (HTTP ``Range``); a server that ignores ranges makes it start over.

    Raises:
        DownloadError: network or HTTP error, naming the URL.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "sermodels"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - user-chosen URL
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # already complete
            part.replace(dest)
            return dest
        raise DownloadError(f"{url}: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(f"{url}: {getattr(err, 'reason', err)}") from None
    with response:
        resumed = response.status == 206
        mode = "ab" if resumed else "wb"
        length = response.headers.get("Content-Length")
        total = (int(length) + (have if resumed else 0)) if length else None
        with open(part, mode) as handle, tqdm(total=total, initial=have if resumed else 0,
                                              unit="B", unit_scale=True, disable=not progress,
                                              desc=dest.name) as bar:
            try:
                while chunk := response.read(CHUNK):
                    handle.write(chunk)
                    bar.update(len(chunk))
            except OSError as err:
                raise DownloadError(f"{url}: connection lost after {part.stat().st_size} bytes "
                                    f"({err}); run again to resume") from None
    if total is not None and part.stat().st_size != total:
        raise DownloadError(f"{url}: got {part.stat().st_size} of {total} bytes; run again to resume")
    part.replace(dest)
    return dest


def unpack(archive: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """Unpack a zip archive into ``folder`` (refusing paths that would escape it)."""
    archive, folder = Path(archive), Path(folder)
    try:
        with zipfile.ZipFile(archive) as zf:
            root = folder.resolve()
            for member in zf.namelist():
                if not (root / member).resolve().is_relative_to(root):
                    raise DownloadError(f"{archive}: unsafe path {member!r} in archive")
            zf.extractall(folder)
    except zipfile.BadZipFile as err:
        raise DownloadError(f"{archive}: not a valid zip archive ({err}); delete it and download "
                            "again") from None
    return folder


def download(
    corpus: str,
    dest: str | os.PathLike,
    *,
    source: str = "direct",
    url: str | None = None,
    progress: bool = True,
    keep_archive: bool = False,
) -> DownloadReport:
    """Get one corpus into ``dest/<corpus>/`` and verify it against the shipped manifest.

    Args:
        corpus: ``cremad``, ``ravdess``, ``tess`` or ``savee``.
        dest: the data root.
        source: ``"direct"`` (RAVDESS, TESS), ``"kaggle"`` (any, via kagglehub) or the path
            of a zip you downloaded yourself.
        url: override the direct URL (mirrors, tests).
        progress: show a progress bar.
        keep_archive: keep the downloaded zip after unpacking.
    """
    (corpus,) = check_corpora([corpus])
    dest = Path(dest)
    folder = dest / corpus
    if source == "kaggle":
        _from_kaggle(corpus, folder)
    elif source == "direct":
        link = url or DIRECT_URLS.get(corpus)
        if link is None:
            raise DownloadError(f"{corpus} has no direct public download; get it from: "
                                f"{HOW_TO_GET[corpus]}")
        archive = fetch(link, dest / f"{corpus}.zip", progress=progress)
        unpack(archive, folder)
        if not keep_archive:
            archive.unlink()
    else:
        zip_path = Path(source)
        if not zip_path.is_file():
            raise DownloadError(f"{zip_path}: no such file (source is 'direct', 'kaggle' or a zip)")
        unpack(zip_path, folder)
    (check,) = verify(folder, [corpus])
    return DownloadReport(corpus, folder, source, check)


def _from_kaggle(corpus: str, folder: Path) -> None:
    try:
        import kagglehub
    except ImportError:
        raise DownloadError("source='kaggle' needs kagglehub: pip install kagglehub, and Kaggle "
                            "credentials (~/.kaggle/kaggle.json or KAGGLE_USERNAME/KAGGLE_KEY)") from None
    try:
        cached = Path(kagglehub.dataset_download(KAGGLE_DATASETS[corpus]))
    except Exception as err:  # noqa: BLE001 - kagglehub raises many kinds; report them plainly
        raise DownloadError(f"kaggle {KAGGLE_DATASETS[corpus]}: {err}") from None
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(cached, folder)
