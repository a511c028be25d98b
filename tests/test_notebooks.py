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
# shows equal to the library's (06's attentive pooling layer, inside its teaching copy of the
# recipe's network, below). Everything else lives in the package.
TEACHING_COPIES: dict[str, set[str]] = {"06_unseen_speakers": {"AttentiveStatsPooling"}}

# Teaching copies of model builders: a notebook cell opening with this line builds, from
# `input_shape` and `num_classes` alone, the model the library builds with
# `models.build("<name>", input_shape, num_classes)` (the one sanctioned duplicate).
TEACHING_COPY = re.compile(r'^# TEACHING COPY of models\.build\("(\w+)"\)')
# the copies the notebooks hold, and the input shapes the test builds each for
TEACHING_SHAPES = {
    "04_training": {"cnn_lstm": [(301, 40), (120, 13)], "cnn_bilstm": [(128,), (40,)],
                    "cnn_bilstm_attention": [(400, 42), (160, 20)],
                    "dnn": [(301, 40), (40,)], "cnn1d": [(301, 40), (120, 13)]},
    "06_unseen_speakers": {"cnn_attn_pool": [(300, 134), (48, 10)]},
}
# builder options of a copy that builds a preset's network rather than the builder's default
TEACHING_OPTIONS = {("06_unseen_speakers", "cnn_attn_pool"): "recommended"}


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
        tree = ast.parse(source)
        methods = {id(m) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for m in c.body}
        names += [n.name for n in ast.walk(tree) if id(n) not in methods  # a class's own
                  and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
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


def teaching_copies() -> list[tuple[str, str, str]]:
    """``(notebook, model name, cell source)`` of every teaching-copy cell."""
    found = []
    for path in FILES:
        for cell in code_cells(nbformat.read(path, as_version=4)):
            match = TEACHING_COPY.match(cell.source)
            if match:
                found.append((path.stem, match.group(1), cell.source))
    return found


def test_the_teaching_copies_are_where_they_are_expected():
    found = {}
    for stem, name, _ in teaching_copies():
        found.setdefault(stem, set()).add(name)
    assert found == {stem: set(shapes) for stem, shapes in TEACHING_SHAPES.items()}


@pytest.mark.parametrize("stem,name,source", teaching_copies(), ids=lambda v: str(v)[:24])
def test_teaching_copy_equals_the_library_builder(stem, name, source):
    """Run the notebook's cell, then: same parameters, same weight shapes in the same order, and
    with the copy's weights loaded the library's model computes the same outputs."""
    import keras
    import numpy as np

    from sermodels import models, presets

    preset = TEACHING_OPTIONS.get((stem, name))
    options = presets.get(preset).config.model_options if preset else {}
    if preset:
        assert presets.get(preset).config.model == name
    for shape in TEACHING_SHAPES[stem][name]:
        namespace = {"input_shape": shape, "num_classes": 5}
        exec("import keras\nfrom keras import layers, ops", namespace)
        exec(compile(source, f"{stem}: teaching copy of {name}", "exec"), namespace)
        built = [v for v in namespace.values() if isinstance(v, keras.Model) and v.name == name]
        assert len(built) == 1, f"{stem}: the cell must build one keras.Model named {name!r}"
        copy, library = built[0], models.build(name, shape, 5, **options)
        assert copy.count_params() == library.count_params(), (name, shape)
        # dropout is invisible in inference, so its rates are compared layer by layer
        assert ([float(layer.rate) for layer in copy.layers if hasattr(layer, "rate")]
                == [float(layer.rate) for layer in library.layers if hasattr(layer, "rate")])
        assert [tuple(w.shape) for w in copy.weights] == [tuple(w.shape) for w in library.weights]
        assert copy.output_shape == library.output_shape
        library.set_weights(copy.get_weights())
        x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
        np.testing.assert_allclose(library.predict(x, verbose=0), copy.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-6)
