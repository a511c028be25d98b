import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

from sermodels import plots, report
from sermodels.evaluation import evaluate


@pytest.fixture()
def page(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 40)
    proba = rng.dirichlet(np.ones(3), 40)
    record = evaluate(y, proba, ("angry", "happy", "sad"), n_boot=50,
                      context={"protocol": "random", "corpora": ["tess"], "seed": 0})
    sections = [
        report.Section("Result", report.protocol_badge("random") + report.table_html(record.table())),
        report.Section("Figures", report.figure_html(plots.confusion_matrix(record), "confusion")),
        report.Section("Config", report.json_html({"a": 1})),
    ]
    return report.write(tmp_path / "report.html", "A <test> report", sections)


def test_report_is_self_contained(page):
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "A &lt;test&gt; report" in html
    assert "data:image/png;base64," in html
    assert not re.search(r'(src|href)="https?://', html)  # nothing fetched from the network
    assert "RANDOM split" in html  # the protocol is impossible to miss


def test_a_figure_kept_in_the_run_folder_is_the_embedded_one(tmp_path):
    fig = plots.plt.figure()
    fig.gca().plot([0, 1], [1, 0])
    element = report.figure_html(fig, "a line", tmp_path / "line.png")
    embedded = re.search(r'base64,([^"]+)"', element).group(1)
    assert base64.b64decode(embedded) == (tmp_path / "line.png").read_bytes()
    assert (tmp_path / "line.png").read_bytes().startswith(b"\x89PNG")
    assert not plots.plt.fignum_exists(fig.number)  # closed


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_report_renders_in_headless_chromium(page, tmp_path):
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,1400",
                    f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
