"""House rules of the numbered notebooks (their execution is tested by nbval, in smoke mode).

Each notebook is a jupytext pair: ``NN_name.py`` (percent format, the source a maintainer edits
and ruff lints) and ``NN_name.ipynb`` (generated from it, outputs stripped, what Colab opens).
"""

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["01_dataset_fusion", "02_augmentation", "03_features", "04_training",
            "05_evaluation", "06_unseen_speakers", "07_paper_reproductions", "08_inference"]
REGENERATE = "jupytext --to ipynb --update notebooks/[0-9][0-9]_*.py"  # notebooks/README.md

# Functions and classes a notebook may define: the teaching copies of library code that a test
# shows equal to the library's (none yet). Everything else lives in the package.
TEACHING_COPIES: dict[str, set[str]] = {}


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def cells(nb):
    return [(c.cell_type, c.source) for c in nb.cells]


def test_the_eight_notebooks_exist_each_with_its_source():
    assert [f.stem for f in FILES] == EXPECTED
    assert sorted(NOTEBOOKS.glob("*.ipynb")) == FILES  # no stray notebook for nbval to run
    sources = sorted(p.stem for p in NOTEBOOKS.glob("*.py") if p.name != "conftest.py")
    assert sources == EXPECTED  # no orphan source either


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_notebook_is_in_sync_with_its_source(path):
    committed = nbformat.read(path, as_version=4)
    source = jupytext.read(path.with_suffix(".py"))
    fresh, stale = cells(source), cells(committed)
    first = next((i for i, (a, b) in enumerate(zip(fresh, stale, strict=False)) if a != b),
                 min(len(fresh), len(stale)))
    assert fresh == stale, (f"{path.name} differs from {path.stem}.py from cell {first} on "
                            f"({len(stale)} cells vs {len(fresh)} in the source); run: {REGENERATE}")
    for key in ("accelerator", "colab", "kernelspec"):  # the Colab metadata lives in the source's header
        assert committed.metadata.get(key) == source.metadata.get(key), f"{path.name}: metadata {key}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_source_is_plain_python(path):
    """Magics are commented out in the .py, so it must parse as it is: that is what linters read."""
    ast.parse(path.with_suffix(".py").read_text(encoding="utf-8"), filename=f"{path.stem}.py")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_colab_asks_for_a_gpu(path):
    metadata = nbformat.read(path, as_version=4).metadata
    assert metadata.get("accelerator") == "GPU" and metadata.get("colab", {}).get("gpuType") == "T4"
    assert metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_opening_badge_setup_and_configuration(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source
    assert first.startswith("# **") and "colab-badge.svg" in first
    assert f"/notebooks/{path.name})" in first  # the badge opens this very notebook
    install = code_cells(nb)[0].source
    assert 'if "google.colab" in sys.modules:' in install and "%pip install" in install
    assert "notebook.setup(seed=" in code_cells(nb)[1].source
    config = code_cells(nb)[2].source
    assert "SMOKE = notebook.smoke_mode()" in config
    names = [line.split("=")[0].strip() for line in config.splitlines() if "=" in line]
    assert names and all(re.fullmatch(r"[A-Z][A-Z0-9_]*", n) for n in names)


def definitions(nb) -> list[str]:
    """Names of the functions and classes the notebook's code cells define."""
    names = []
    for cell in code_cells(nb):
        source = "\n".join(  # IPython magics become `pass` so the cell parses as Python
            re.sub(r"%.*", "pass", line) if line.lstrip().startswith("%") else line
            for line in cell.source.splitlines())
        names += [n.name for n in ast.walk(ast.parse(source))
                  if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    return names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_library_code_in_notebooks(path):
    defined = definitions(nbformat.read(path, as_version=4))
    allowed = TEACHING_COPIES.get(path.stem, set())
    assert not set(defined) - allowed, f"{path.name} defines {sorted(set(defined) - allowed)}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_checked_cells_assert(path):
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in code_cells(nb) if "# NBVAL_CHECK_OUTPUT" in c.source]
    assert checked and all("assert " in c.source for c in checked)
