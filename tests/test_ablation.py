import dataclasses

import pytest

from sermodels import manifest, presets
from sermodels.ablation import PAPER004_LADDER, ablate, parse_values
from sermodels.features import get_spec


def test_parse_values():
    assert parse_values("1,2, 3") == [1, 2, 3]
    assert parse_values("0.1,relu,true") == [0.1, "relu", True]
    assert parse_values("none,30") == [None, 30]


def test_an_audio_setting_is_varied_in_the_spec():
    from sermodels.ablation import _variant

    preset = presets.get("recommended")
    spec, config = _variant(preset, "trim_db", None, preset.config)
    assert spec.audio.trim_db is None and preset.feature_spec.audio.trim_db == 30.0
    assert spec == dataclasses.replace(preset.feature_spec, audio=dataclasses.replace(
        preset.feature_spec.audio, trim_db=None)) and config == preset.config


@pytest.fixture(scope="module")
def frame(tiny_original):
    frame, _ = manifest.build_manifest(tiny_original.root, ["ravdess", "tess"])
    return frame


def test_varying_a_builder_option(frame, tiny_original, tmp_path):
    preset = dataclasses.replace(presets.get("paper000"),
                                 spec=get_spec("paper000", audio={"duration": 1.0}))
    preset = preset.with_config(augment=[], balance_ratio=None)
    table = ablate(frame, tiny_original.root, preset, "lstm_layers", [1, 2], epochs=1,
                   run_dir=tmp_path / "a", cache_dir=tmp_path / "cache")
    assert list(table["variant"]) == ["lstm_layers=1", "lstm_layers=2"]
    assert table["parameters"].iloc[0] < table["parameters"].iloc[1]
    assert (table["latency_ms"] > 0).all() and (table["throughput_utt_per_s"] > 0).all()
    assert (tmp_path / "a" / "ablation.csv").is_file()


def test_paper004_ladder():
    """A1-A5 in order, each a real paper004 network (building them is what can break: the
    loop that trains the variants is the one test_varying_a_builder_option runs end to end,
    and notebook 07 trains the whole ladder)."""
    from sermodels import models
    from sermodels.ablation import _variants

    preset = presets.get("paper004")
    variants = _variants(preset, "ladder", [])
    assert [name for name, _, _ in variants] == [name for name, _, _ in PAPER004_LADDER]
    parameters = []
    for _, spec, config in variants:
        assert config.model == "cnn_bilstm_attention" and config.epochs == preset.config.epochs
        model = models.build(config.model, spec.output_shape(), 7, **config.model_options)
        parameters.append(model.count_params())
    assert variants[0][1].features == ("mfcc",) and variants[1][1] == preset.feature_spec  # + RMS
    assert parameters[0] < parameters[1] < parameters[2] < parameters[3] < parameters[4]
