import dataclasses

from sermodels import manifest, presets
from sermodels.features import get_spec
from sermodels.tuning import tune


def test_search_selects_on_validation_and_scores_test_once(tiny_original, tmp_path):
    frame, _ = manifest.build_manifest(tiny_original.root)
    preset = dataclasses.replace(presets.get("paper002"),
                                 spec=get_spec("paper002", audio={"duration": 1.0}),
                                 corpora=tuple(sorted(set(frame["corpus"]))))
    result = tune(frame, tiny_original.root, preset, max_trials=2, epochs=1,
                  run_dir=tmp_path / "tune", cache_dir=tmp_path / "cache")
    assert len(result.trials) == 2
    assert {"learning_rate", "batch_size", "kernel_size", "units", "filters", "dropout",
            "val_loss"} <= set(result.trials.columns)
    assert result.best_val_loss == result.trials["val_loss"].min()
    assert result.test_metrics["selected_on"].startswith("validation")
    assert (tmp_path / "tune" / "trials.csv").is_file()
    assert (tmp_path / "tune" / "best_hyperparameters.json").is_file()
