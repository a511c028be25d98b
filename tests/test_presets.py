import pytest

from sermodels import labels, models, presets
from sermodels.features import spec_names


def test_every_paper_has_a_preset():
    assert {"paper000", "paper001", "paper002", "paper003", "paper004", "paper004_ravdess8",
            "quickstart", "recommended", "svm_functionals", "svm_speaker"} == set(presets.names())
    assert presets.get("svm_speaker").feature_spec.normalization == "speaker"
    # the baseline the recipe must beat is the recipe's own SVM member, alone
    recipe = presets.get("recommended")
    assert presets.get("svm_speaker").feature_spec.name == recipe.config.fusion["spec"]
    assert presets.get("svm_speaker").config.model == recipe.config.fusion["model"]


@pytest.mark.parametrize("name", presets.names())
def test_presets_are_consistent(name):
    preset = presets.get(name)
    assert preset.protocol == "speaker"
    assert preset.config.model in models.names() + models.classical.names()
    assert preset.config.label_set in labels.names()
    assert preset.feature_spec.name in spec_names()
    assert set(preset.corpora) <= set(labels.CORPORA)
    assert preset.notes and preset.paper


def test_paper_specific_choices():
    p000 = presets.get("paper000")
    assert p000.config.balance_ratio == 0.15 and p000.feature_spec.normalization == "minmax"
    assert p000.claimed["CNN-LSTM"] == 99.13
    assert presets.get("paper003").config.label_set == "unified7_nocalm"
    assert presets.get("paper004_ravdess8").config.label_set == "ravdess8"
    assert presets.get("paper002").feature_spec.audio.trim_db is not None
    assert presets.get("paper000").with_config(epochs=2).config.epochs == 2
    with pytest.raises(ValueError, match="unknown preset"):
        presets.get("paper999")


def test_resolve_is_the_one_rule_for_overrides():
    base = presets.get("recommended")
    same = presets.resolve("recommended", epochs=None, seed=None, model=None, label_set=None)
    assert same.config == base.config and same.spec == base.spec
    out = presets.resolve(base, epochs=3, seed=7, verbose=0, label_set="ravdess8")
    assert (out.config.epochs, out.config.seed, out.config.verbose) == (3, 7, 0)
    assert out.config.label_set == "ravdess8" and out.name == "recommended"
    assert out.config.spec_augment == base.config.spec_augment  # the rest untouched
    other = presets.resolve("recommended", model="cnn1d")
    assert other.config.model == "cnn1d" and other.config.model_options == {}
    assert presets.resolve("recommended", spec="mfcc40").feature_spec.name == "mfcc40"
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="epochs"):
            presets.resolve("paper000", epochs=bad)
    with pytest.raises(ValueError, match="unknown training setting"):
        presets.resolve("paper000", epoch=3)
    with pytest.raises(ValueError, match="epochs"):
        base.with_config(epochs=0)
