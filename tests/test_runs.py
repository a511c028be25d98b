"""Run folders: one object owns the file names; nothing in a run folder can run code."""

import os
import pickle
import re
import shutil
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import skops.io

import sermodels
from sermodels import manifest, models
from sermodels.audio import load_audio
from sermodels.cli import EXIT_DATA, main
from sermodels.features import Normalizer, get_spec
from sermodels.inference import Predictor
from sermodels.labels import get as get_label_set
from sermodels.models import classical
from sermodels.models.classifier import Classifier, KerasClassifier, as_classifier
from sermodels.runs import RunFolder, RunFolderError
from sermodels.training import TrainConfig, predict_proba, train


class _Payload:
    """A pickle that creates a folder when it is unpickled: stands in for any code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


def _copy_run(run_dir: Path, dest: Path) -> Path:
    return Path(shutil.copytree(run_dir, dest))


@pytest.fixture(scope="module")
def svm_run(tiny_original, tmp_path_factory):
    frame, _ = manifest.build_manifest(tiny_original.root)
    out = tmp_path_factory.mktemp("svm")
    return train(frame, tiny_original.root, get_spec("paper002", audio={"duration": 1.0}),
                 TrainConfig(model="svm", verbose=0), run_dir=out / "run",
                 cache_dir=out / "cache")


# -- item 1: no code is run from a run folder ------------------------------------------------

def test_a_pickled_model_is_refused_and_never_unpickled(trained_run, tiny_original, tmp_path,
                                                        capsys):
    run_dir = _copy_run(trained_run.run_dir, tmp_path / "run")
    (run_dir / "model.keras").unlink()
    marker = tmp_path / "payload-ran"
    (run_dir / "model.joblib").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(RunFolderError, match=r"pickle \(model.joblib\).*does not load"):
        Predictor(run_dir)
    audio = tiny_original.root / trained_run.test_rows["path"][0]
    assert main(["predict", str(audio), "--run", str(run_dir)]) == EXIT_DATA
    assert "model.joblib" in capsys.readouterr().err
    assert not marker.exists()
    import joblib  # what sermodels used to do with this file:

    joblib.load(run_dir / "model.joblib")
    assert marker.exists()


def test_a_skops_file_with_types_sermodels_does_not_write_is_refused(svm_run, tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    run_dir = _copy_run(svm_run.run_dir, tmp_path / "run")
    rng = np.random.default_rng(0)
    skops.io.dump({"run": os.mkdir}, run_dir / "model.skops")  # a reference to a function
    with pytest.raises(RunFolderError, match=r"refused.*(posix|nt)\.mkdir"):
        Predictor(run_dir)
    # a scikit-learn type that skops itself would trust, but no sermodels model is made of
    knn = KNeighborsClassifier().fit(rng.normal(size=(9, 3)), np.arange(9) % 3)
    skops.io.dump(knn, run_dir / "model.skops")
    with pytest.raises(RunFolderError, match="refused.*KNeighborsClassifier"):
        Predictor(run_dir)


def test_a_pickle_named_model_skops_is_not_unpickled(svm_run, tmp_path):
    run_dir = _copy_run(svm_run.run_dir, tmp_path / "run")
    marker = tmp_path / "payload-ran"
    (run_dir / "model.skops").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(RunFolderError, match="cannot read model.skops.*not a skops file"):
        Predictor(run_dir)
    assert not marker.exists()


def test_a_trained_svm_round_trips_and_predicts_identically(svm_run, tiny_original):
    run_dir = svm_run.run_dir
    assert (run_dir / "model.skops").is_file() and (run_dir / "classifier.json").is_file()
    assert not (run_dir / "model.joblib").exists()
    predictor = Predictor(run_dir)
    assert not predictor.classifier.is_keras
    paths = svm_run.test_rows["path"].head(8)
    x = np.stack([predictor.features(load_audio(tiny_original.root / p, predictor.spec.audio))
                  for p in paths])
    np.testing.assert_array_equal(predictor.predict_features(x),
                                  svm_run.classifier.predict_proba(x))
    np.testing.assert_allclose(predictor.predict_features(x), svm_run.test_proba[:len(paths)],
                               atol=1e-6)
    assert predictor.classifier.input_shape == svm_run.input_shape


# -- item 2: one object owns a run folder -------------------------------------------------------

_NAMES = ("model.keras", "model.joblib", "model.skops", "config.json", "normalizer.json",
          "label_set.json", "metrics.json", "test_predictions.csv", "split.csv", "history.csv",
          "report.html", "environment.json", "skipped_files", "evaluation.json", "best.keras")


def test_run_folder_file_names_are_written_only_in_runs_py():
    package = Path(sermodels.__file__).parent
    names = "|".join(re.escape(n) for n in _NAMES)
    literal = re.compile(rf"[\"'][^\"']*(?<![\w.-])({names})[^\"']*[\"']")  # in a string
    offenders = []
    for path in package.rglob("*.py"):
        if path.name == "runs.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if literal.search(code) and "``" not in code:  # docstrings may name the files
                offenders.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
    assert offenders == []


def test_a_run_folder_writes_and_reads_every_artefact(tmp_path):
    run = RunFolder(tmp_path / "run").mkdir()
    norm = Normalizer("zscore").fit(np.random.default_rng(0).normal(size=(20, 5)))
    run.write_normalizer(norm)
    run.write_label_set(get_label_set("unified7"))
    run.write_config({"feature_spec": get_spec("mfcc40").to_dict(), "protocol": "speaker"})
    run.write_split(pd.DataFrame({"path": ["a.wav"], "split": ["test"]}))
    run.write_metrics({"accuracy": np.float32(0.5)})
    run.write_environment()
    run.write_skipped_files("a.wav: cannot decode")
    opened = RunFolder.open(run.path)
    np.testing.assert_allclose(opened.read_normalizer().a, norm.a)
    assert opened.read_label_set() == get_label_set("unified7")
    assert opened.read_feature_spec() == get_spec("mfcc40")
    assert opened.read_split()["path"].tolist() == ["a.wav"]
    assert opened.read_metrics() == {"accuracy": 0.5}
    assert "packages" in opened.read_environment()
    assert opened.skipped_files_path.read_text() == "a.wav: cannot decode\n"
    with pytest.raises(RunFolderError, match="no model in this run folder"):
        opened.load_model()


def test_a_folder_that_is_not_a_run_says_so(tmp_path):
    with pytest.raises(RunFolderError, match="not a sermodels run folder"):
        RunFolder.open(tmp_path)
    with pytest.raises(RunFolderError, match="no such run folder"):
        RunFolder.open(tmp_path / "missing")


def test_a_truncated_model_keras_is_named(trained_run, tiny_original, tmp_path, capsys):
    run_dir = _copy_run(trained_run.run_dir, tmp_path / "run")
    model = run_dir / "model.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    with pytest.raises(RunFolderError, match="cannot read model.keras: the file is damaged or "
                                             "truncated"):
        Predictor(run_dir)
    audio = tiny_original.root / trained_run.test_rows["path"][0]
    assert main(["predict", str(audio), "--run", str(run_dir)]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "cannot read model.keras: the file is damaged or truncated" in err
    assert "File not found" not in err


@pytest.mark.parametrize("name, text, problem", [
    ("config.json", '{"feature_spec": {', "Expecting property name enclosed in double quotes "
                                         "at line 1, column 19"),
    ("config.json", '{"protocol": "speaker"}', "no feature_spec"),
    ("label_set.json", "[1, 2]", "expected a JSON object"),
    ("normalizer.json", "", "Expecting value at line 1, column 1"),
])
def test_a_broken_json_file_is_named_with_its_problem(trained_run, tmp_path, name, text, problem):
    run_dir = _copy_run(trained_run.run_dir, tmp_path / "run")
    (run_dir / name).write_text(text)
    with pytest.raises(RunFolderError) as err:
        Predictor(run_dir)
    assert f"cannot read {name}: {problem}" in str(err.value)
    assert str(run_dir / name) in str(err.value)


# -- items 3 and 4: one interface for Keras and scikit-learn models -------------------------

def test_keras_and_sklearn_models_share_one_interface(trained_run, svm_run, tmp_path):
    rng = np.random.default_rng(0)
    dense = models.build("dnn", (6,), 3)
    svm = classical.build("svm", 3).fit(rng.normal(size=(30, 6)), np.arange(30) % 3)
    x = rng.normal(size=(5, 6)).astype(np.float32)
    for model, is_keras in ((dense, True), (svm, False)):
        clf = as_classifier(model)
        assert isinstance(clf, Classifier) and clf.is_keras is is_keras
        assert clf.input_shape == (6,)
        proba = clf.predict_proba(x)
        assert proba.shape == (5, 3) and proba.dtype == np.float64
        np.testing.assert_allclose(proba, predict_proba(model, x))
        np.testing.assert_allclose(clf.predict_proba(x, compiled=True), proba, atol=1e-5)
        clf.save(tmp_path / str(is_keras))
        back = RunFolder(tmp_path / str(is_keras)).load_model()
        assert type(back) is type(clf)
        np.testing.assert_allclose(back.predict_proba(x), proba, atol=1e-6)
    assert as_classifier(dense).parameters == dense.count_params()
    assert as_classifier(svm) is svm and svm.parameters is None
    assert isinstance(trained_run.classifier, KerasClassifier)
    with pytest.raises(TypeError, match="not a sermodels model"):
        as_classifier(object())


def test_predictor_predicts_features_publicly(trained_run, tiny_original):
    predictor = Predictor(trained_run.run_dir)
    path = tiny_original.root / trained_run.test_rows["path"][0]
    x = predictor.features(load_audio(path, predictor.spec.audio))[None]
    np.testing.assert_allclose(predictor.predict_features(x)[0], trained_run.test_proba[0],
                               atol=1e-4)
    assert isinstance(predictor.model, keras.Model)


def test_export_refuses_a_classical_run_clearly(svm_run):
    from sermodels.export import export_tflite

    with pytest.raises(ValueError, match="only Keras models can be exported"):
        export_tflite(svm_run.run_dir, clips=2)

