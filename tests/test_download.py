"""Download helpers against a local HTTP server on 127.0.0.1 (no test touches the internet)."""

import http.server
import threading
import zipfile
from functools import partial

import pytest

from sermodels import synthetic
from sermodels.cli import main
from sermodels.download import DownloadError, download, fetch, unpack


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with HTTP Range support; records the ranges asked for."""

    ranges: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        path = self.translate_path(self.path)
        try:
            data = open(path, "rb").read()  # noqa: SIM115
        except OSError:
            self.send_error(404)
            return
        header = self.headers.get("Range")
        RangeHandler.ranges.append(header)
        if header:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            body, status = data[start:], 206
        else:
            body, status = data, 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    handler = partial(RangeHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    RangeHandler.ranges = []
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture()
def ravdess_zip(tmp_path, server):
    """A synthetic RAVDESS archive in the Zenodo layout (Actor_NN/ at the top)."""
    root, _ = server
    corpus = synthetic.generate(tmp_path / "gen", ["ravdess"], size="tiny", mess=False,
                                progress=False)
    archive = root / "Audio_Speech_Actors_01-24.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for rel in corpus.files:
            zf.write(corpus.root / rel, rel.split("/", 1)[1])  # drop the RAVDESS/ prefix
    return archive, corpus


def test_download_unpacks_and_verifies(server, ravdess_zip, tmp_path):
    _, base = server
    archive, corpus = ravdess_zip
    report = download("ravdess", tmp_path / "data", url=f"{base}/{archive.name}", progress=False)
    assert report.check.present == len(corpus.expected["ravdess"])
    assert len(report.check.missing) == 1440 - report.check.present
    assert (tmp_path / "data" / "ravdess" / "Actor_01").is_dir()
    assert not (tmp_path / "data" / "ravdess.zip").exists()


def test_interrupted_download_resumes(server, ravdess_zip, tmp_path):
    _, base = server
    archive, _ = ravdess_zip
    data = archive.read_bytes()
    dest = tmp_path / "dl" / "r.zip"
    dest.parent.mkdir()
    (dest.parent / "r.zip.part").write_bytes(data[: len(data) // 3])  # a cut-off earlier try
    fetch(f"{base}/{archive.name}", dest, progress=False)
    assert dest.read_bytes() == data
    assert RangeHandler.ranges[-1] == f"bytes={len(data) // 3}-"


def test_errors_are_clear(server, tmp_path):
    _, base = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(f"{base}/missing.zip", tmp_path / "x.zip", progress=False)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(DownloadError, match="not a valid zip"):
        unpack(bad, tmp_path / "out")
    with pytest.raises(DownloadError, match="no direct public download"):
        download("savee", tmp_path)


def test_cli_download_from_a_local_zip(ravdess_zip, tmp_path, capsys):
    archive, corpus = ravdess_zip
    assert main(["download", "ravdess", "--dest", str(tmp_path / "d"), "--source", str(archive),
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "ravdess unpacked into" in out and "missing" in out
    assert main(["download", "cremad", "--dest", str(tmp_path / "d")]) == 1
    assert "Kaggle" in capsys.readouterr().err
