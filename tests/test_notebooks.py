"""House rules of the numbered notebooks (their execution is tested by nbval, in smoke mode)."""

import ast
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
EXPECTED = ["01_dataset_fusion", "02_augmentation", "03_features", "04_training",
            "05_evaluation", "06_paper_reproductions", "07_inference"]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_seven_notebooks_exist():
    assert [f.stem for f in FILES] == EXPECTED


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, path.name


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


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_library_code_in_notebooks(path):
    nb = nbformat.read(path, as_version=4)
    for cell in code_cells(nb):
        source = "\n".join(  # IPython magics become `pass` so the cell parses as Python
            re.sub(r"%.*", "pass", line) if line.lstrip().startswith("%") else line
            for line in cell.source.splitlines())
        tree = ast.parse(source)
        defined = [n for n in ast.walk(tree)
                   if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
        assert not defined, f"{path.name} defines {[d.name for d in defined]}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_checked_cells_assert(path):
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in code_cells(nb) if "# NBVAL_CHECK_OUTPUT" in c.source]
    assert checked and all("assert " in c.source for c in checked)


def test_notebooks_match_their_generator(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    for path in FILES:
        fresh = nbformat.read(tmp_path / path.name, as_version=4)
        committed = nbformat.read(path, as_version=4)
        assert [c.source for c in fresh.cells] == [c.source for c in committed.cells], path.name
