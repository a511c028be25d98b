import numpy as np
import pandas as pd
import pytest

from sermodels import augment
from sermodels.augment import (
    AddNoise,
    Chain,
    PitchShift,
    SpecAugment,
    SpecShift,
    SplitGuardError,
    TimeShift,
    TimeStretch,
)

SR = 22050


def tone(freq=220.0, seconds=1.0):
    t = np.arange(int(SR * seconds)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def f0(y):
    import librosa

    pitch = librosa.yin(y, fmin=80, fmax=800, sr=SR, frame_length=2048)
    return float(np.median(pitch))


@pytest.mark.parametrize("steps", [2.0, -2.0, 1.0])
def test_pitch_shift_moves_the_fundamental(steps):
    y = tone(220.0)
    shifted = PitchShift(steps, steps)(y, SR, 0)
    measured = 12 * np.log2(f0(shifted) / f0(y))
    assert abs(measured - steps) < 0.15
    assert len(shifted) == len(y)


def test_time_stretch_keeps_length():
    y = tone()
    for rate in (0.9, 1.1):
        assert len(TimeStretch(rate, rate)(y, SR, 0)) == len(y)


@pytest.mark.parametrize("snr", [0.0, 10.0, 20.0])
def test_noise_hits_the_requested_snr(snr):
    y = tone()
    noisy = AddNoise(snr, snr)(y, SR, np.random.default_rng(3))
    noise = noisy - y
    measured = 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean(noise.astype(np.float64) ** 2))
    assert abs(measured - snr) < 0.5


def test_time_shift_fills_with_silence():
    y = np.arange(1, 101, dtype=np.float32)
    for seed in range(5):
        out = TimeShift(0.001)(y, 22050, np.random.default_rng(seed))  # up to 22 samples
        shift = int(np.argmax(out != 0)) if out[0] == 0 else -(int(out[0]) - 1)
        assert len(out) == 100 and abs(shift) <= 22
        assert np.array_equal(out, np.roll(y, shift) * (np.roll(y, shift) == out))
        assert np.count_nonzero(out == 0) == abs(shift)


def test_determinism_with_seeds_and_generators():
    y = tone()
    chain = Chain([AddNoise(), PitchShift(), TimeStretch(), TimeShift()])
    a = chain(y, SR, np.random.default_rng(7))
    b = chain(y, SR, np.random.default_rng(7))
    c = chain(y, SR, np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    recipe = {"steps": chain.to_list(), "seed": [1, 2]}
    assert np.array_equal(augment.apply_recipe(y, SR, recipe), augment.apply_recipe(y, SR, recipe))
    assert Chain.from_list(chain.to_list()) == chain


def test_spectrogram_transforms():
    x = np.random.default_rng(0).normal(size=(100, 40)).astype(np.float32)
    masked = SpecAugment(freq_masks=1, freq_width=10, time_masks=1, time_width=30)(x, 1)
    assert masked.shape == x.shape and (masked != x).any()
    assert np.array_equal(SpecAugment(freq_masks=0, time_masks=0)(x, 1), x)
    shifted = SpecShift(5)(x, 2)
    assert shifted.shape == x.shape
    assert np.array_equal(SpecAugment()(x, 4), SpecAugment()(x, 4))


@pytest.mark.parametrize("make", [
    lambda: AddNoise(30, 10), lambda: PitchShift(-20, 2), lambda: TimeStretch(1.2, 1.0),
    lambda: TimeShift(-1), lambda: SpecAugment(freq_masks=-1), lambda: SpecShift(-2),
])
def test_parameters_are_validated_at_construction(make):
    with pytest.raises(ValueError):
        make()


def test_unknown_step_names():
    with pytest.raises(ValueError, match="unknown waveform augmentation"):
        Chain.parse("pitch_shift,reverb")
    assert [s.name for s in Chain.parse("pitch_shift, noise").steps] == ["pitch_shift", "noise"]


def _rows():
    return pd.DataFrame({
        "path": [f"f{i}.wav" for i in range(16)],
        "target": ["angry"] * 10 + ["sad"] * 4 + ["happy"] * 2,
        "split": "train",
    })


def test_balance_reaches_the_ratio():
    rows = _rows()
    extra = augment.balance_plan(rows, Chain([PitchShift()]), ratio=0.15)
    total = pd.concat([rows, extra])["target"].value_counts()
    assert total["angry"] == 10 and total["sad"] == 9 and total["happy"] == 9  # ceil(0.85 * 10)
    assert extra["augmented"].all() and extra["recipe"].map(lambda r: str(r["seed"])).is_unique
    assert set(extra["path"]) <= set(rows["path"])


def test_guard_refuses_validation_and_test_items():
    rows = _rows()
    rows.loc[3, "split"] = "test"
    with pytest.raises(SplitGuardError, match="f3.wav \\(test\\)"):
        augment.balance_plan(rows, Chain([PitchShift()]))
    with pytest.raises(SplitGuardError):
        augment.augmentation_plan(rows, Chain([PitchShift()]))
    with pytest.raises(SplitGuardError, match="no split column"):
        augment.augmentation_plan(rows.drop(columns="split"), Chain([PitchShift()]))


def test_augmentation_plan_copies():
    plan = augment.augmentation_plan(_rows(), Chain([AddNoise()]), copies=2, seed=1)
    assert len(plan) == 32 and plan["recipe"].map(lambda r: str(r["seed"])).is_unique


def test_class_weights_inverse_to_frequency():
    weights = augment.class_weights(np.array([0] * 6 + [1] * 2 + [2] * 4), 4)
    assert weights[1] == pytest.approx(3 * weights[0]) and weights[3] == 1.0
    assert weights[0] == pytest.approx(12 / (3 * 6))


@pytest.mark.parametrize("rate", [0.9, 1.1])
def test_speed_perturbation_changes_tempo_and_pitch_together(rate):
    y = tone(220.0)
    out = augment.SpeedPerturb(rate, rate)(y, SR, 0)
    assert len(out) == pytest.approx(len(y) / rate, abs=2)
    assert f0(out) / f0(y) == pytest.approx(rate, rel=0.01)
    assert out.dtype == np.float32


def test_speed_perturbation_is_seeded_and_validated():
    y = tone()
    step = augment.SpeedPerturb(0.9, 1.1)
    assert np.array_equal(step(y, SR, 3), step(y, SR, 3))
    assert len(step(y, SR, 3)) != len(step(y, SR, 4))
    with pytest.raises(ValueError, match="SpeedPerturb"):
        augment.SpeedPerturb(0.2, 1.1)
    chain = Chain.from_list([{"name": "speed", "min_rate": 0.95, "max_rate": 1.05}])
    assert chain.to_list() == [{"min_rate": 0.95, "max_rate": 1.05, "name": "speed"}]


def test_one_spec_augment_the_one_training_runs():
    """augment.SpecAugment is the training batch op applied to one example (issue 13)."""
    import tensorflow as tf

    from sermodels import augment, training

    assert training.spec_augment_batch is augment.spec_augment_batch
    x = np.random.default_rng(0).normal(3.0, 1.0, size=(60, 40)).astype(np.float32)
    masker = SpecAugment(freq_masks=2, freq_width=8, time_masks=2, time_width=20)
    masked = masker(x, 5, step=2)
    batch = augment.spec_augment_batch(tf.constant(x[None]), tf.constant(2, tf.int64), 5,
                                       **masker.params())
    assert np.array_equal(masked, batch.numpy()[0])
    changed = masked != x
    assert changed.any() and (masked[changed] == 0).all()  # masks hold 0, the normalised mean
    ds = training.make_dataset(x[None], np.ones((1, 2), np.float32), 1, seed=5,
                               spec_augment=masker.params())
    first = next(iter(ds))[0].numpy()[0]
    assert np.array_equal(first, masker(x, 5, step=0))  # what training's first batch sees
