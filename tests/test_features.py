import dataclasses

import numpy as np
import pytest

from sermodels import features
from sermodels.audio import AudioConfig
from sermodels.features import FeatureSpec, Normalizer, extract, get_spec

SR = 22050


def speechlike(seconds=3.0, seed=0):
    from sermodels import synthetic

    rng = np.random.default_rng(seed)
    y = synthetic.synth_utterance(synthetic.make_voice("male", rng), "happy", seconds, rng, sr=SR)
    return y / np.abs(y).max() * 0.9


@pytest.mark.parametrize("name, shape", [
    ("paper000", (301, 40)), ("paper001", (301, 116)), ("paper002", (128,)), ("paper003", (143,)),
    ("paper003_image", (128, 128, 1)), ("paper004", (400, 42)), ("mfcc40", (301, 40)),
    ("logmel64", (301, 64)),
])
def test_every_preset_has_its_shape(name, shape):
    spec = get_spec(name)
    y = speechlike(spec.audio.duration or 2.0)
    out = extract(y, spec)
    assert out.shape == shape == spec.output_shape(len(y))
    assert out.dtype == np.float32 and np.isfinite(out).all()


def test_frame_parameters():
    spec = get_spec("paper000")
    assert (spec.frame_length, spec.hop_length, spec.n_fft) == (551, 220, 1024)
    assert FeatureSpec(audio=AudioConfig(sample_rate=16000)).frame_length == 400


def test_deltas_and_utterance_norm():
    y = speechlike(1.0)
    base = extract(y, FeatureSpec(features=("mfcc", "rms"), n_mfcc=13))
    both = extract(y, FeatureSpec(features=("mfcc", "rms"), n_mfcc=13, deltas=2))
    assert both.shape == (base.shape[0], 42)
    assert np.allclose(both[:, :14], base)
    normed = extract(y, FeatureSpec(features=("mfcc",), n_mfcc=13, utterance_norm=True))
    assert np.allclose(normed.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(normed.std(axis=0), 1, atol=1e-3)


def test_zcr_and_rms_follow_the_signal():
    t = np.arange(SR) / SR
    low = (0.5 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    high = (0.5 * np.sin(2 * np.pi * 4000 * t)).astype(np.float32)
    spec = FeatureSpec(features=("zcr", "rms"))
    zl, zh = extract(low, spec)[5:-5].mean(axis=0), extract(high, spec)[5:-5].mean(axis=0)
    assert zh[0] > 10 * zl[0]
    assert abs(zl[1] - zh[1]) < 0.05  # same amplitude, same RMS


def test_pooled_statistics():
    feats = np.arange(20, dtype=np.float32).reshape(10, 2)
    out = features.pool(feats, ("mean", "std", "min", "max", "median", "q10", "q90"))
    assert out.shape == (14,)
    assert np.allclose(out[:2], [9, 10]) and np.allclose(out[4:6], [0, 1])


def test_spec_validation():
    for bad in ({"kind": "cube"}, {"features": ("mfcc", "formants")}, {"deltas": 3},
                {"n_mfcc": 200}, {"hop_ms": 30}, {"stats": ("mode",)}, {"normalization": "l2"},
                {"kind": "image", "features": ("mfcc",)}, {"max_frames": 0}):
        with pytest.raises(ValueError):
            FeatureSpec(**bad)
    with pytest.raises(ValueError, match="unknown feature spec"):
        get_spec("paper999")


def test_key_changes_with_every_parameter_but_name_and_normalization():
    base = FeatureSpec()
    changes = {"kind": "pooled", "features": ("logmel",), "n_mfcc": 13, "n_mels": 64,
               "frame_ms": 20.0, "hop_ms": 5.0, "fmin": 50.0, "fmax": 8000.0, "top_db": None,
               "deltas": 1, "utterance_norm": True, "max_frames": 100, "image_size": (64, 64),
               "stats": ("mean",), "pitch_rate": 8000, "audio": AudioConfig(sample_rate=16000)}
    assert set(changes) | {"name", "normalization"} == {f.name for f in dataclasses.fields(base)}
    keys = {dataclasses.replace(base, **{k: v}).key() for k, v in changes.items()}
    assert len(keys) == len(changes) and base.key() not in keys
    for audio_change in ({"peak": None}, {"trim_db": 20.0}, {"duration": 2.0}, {"crop": "left"}):
        assert get_spec(base, audio=audio_change).key() != base.key()
    assert dataclasses.replace(base, name="x", normalization="minmax").key() == base.key()


def test_spec_round_trip():
    for name in features.spec_names():
        spec = get_spec(name)
        assert FeatureSpec.from_dict(spec.to_dict()) == spec


def test_normalizer():
    rng = np.random.default_rng(0)
    train = rng.normal(5, 2, size=(50, 10, 3))
    test = rng.normal(5, 2, size=(20, 10, 3))
    z = Normalizer("zscore").fit(train)
    out = z.transform(train).reshape(-1, 3)
    assert np.allclose(out.mean(axis=0), 0, atol=1e-5) and np.allclose(out.std(axis=0), 1, atol=1e-4)
    m = Normalizer("minmax").fit(train)
    out = m.transform(train)
    assert out.min() == pytest.approx(0, abs=1e-6) and out.max() == pytest.approx(1, abs=1e-6)
    assert m.transform(test).min() != 0  # statistics come from train only
    back = Normalizer.from_dict(m.to_dict())
    assert np.array_equal(back.transform(test), m.transform(test))
    assert np.array_equal(Normalizer("none").fit(train).transform(test), test.astype(np.float32))
    with pytest.raises(RuntimeError):
        Normalizer("zscore").transform(test)
    with pytest.raises(ValueError):
        Normalizer("l2")


def test_speaker_normalizer_uses_each_speakers_own_statistics():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 3, size=(6, 20, 4))   # speaker a: high offset, wide spread
    b = rng.normal(-2, 0.5, size=(4, 20, 4))  # speaker b
    b[:, 15:] = 0.0                            # padding frames of b
    x = np.concatenate([a, b])
    speakers = ["a"] * 6 + ["b"] * 4
    norm = Normalizer("speaker").fit(x)
    assert norm.fitted
    out = norm.transform(x, speakers)
    for rows, frames in ((slice(0, 6), slice(None)), (slice(6, 10), slice(0, 15))):
        flat = out[rows, frames].reshape(-1, 4)
        assert np.allclose(flat.mean(axis=0), 0, atol=1e-5)
        assert np.allclose(flat.std(axis=0), 1, atol=1e-4)
    assert np.all(out[6:, 15:] == 0)  # padding is left out of the statistics and stays zero
    # items given without speakers are one speaker; a speaker's result ignores other speakers
    np.testing.assert_allclose(norm.transform(a), out[:6], atol=1e-5)
    assert Normalizer.from_dict(norm.to_dict()).method == "speaker"
    with pytest.raises(ValueError, match="speaker keys"):
        norm.transform(x, speakers[:3])


def test_caches_filled_before_pitch_rate_existed_stay_valid():
    """A spec at the default pitch_rate hashes exactly as before the field existed."""
    import hashlib
    import json

    spec = get_spec("functionals")
    content = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)
               if f.name not in ("name", "normalization", "pitch_rate")}
    content["audio"] = spec.audio.to_dict()
    old = hashlib.sha1(json.dumps(content, sort_keys=True, default=list).encode()).hexdigest()[:16]
    assert spec.key() == old
    assert get_spec(spec, pitch_rate=8000).key() != old


@pytest.mark.parametrize("rate", [8000, 4000])
@pytest.mark.parametrize("f0", [65.0, 110.0, 220.0, 330.0, 450.0])
def test_pitch_tracked_at_a_lower_rate_matches_the_full_rate(f0, rate):
    sr = 16000
    t = np.arange(2 * sr) / sr
    y = (0.5 * np.sin(2 * np.pi * f0 * t)).astype(np.float32)
    full = features.log_pitch(y, get_spec("recommended", pitch_rate=None))
    fast = features.log_pitch(y, get_spec("recommended", pitch_rate=rate))
    assert abs(len(full) - len(fast)) <= 1
    assert np.median(fast) == pytest.approx(np.log2(f0), abs=0.02)
    assert np.median(full) == pytest.approx(np.log2(f0), abs=0.02)
    with pytest.raises(ValueError, match="pitch_rate"):
        get_spec("recommended", pitch_rate=1000)


@pytest.mark.parametrize("name", ["recommended", "recommended_functionals"])
def test_the_recipe_tracks_pitch_at_4khz(name):
    spec = get_spec(name)
    assert spec.pitch_rate == 4000
    y = speechlike(3.0)
    import soxr

    out = extract(soxr.resample(y, SR, 16000).astype(np.float32), spec)
    assert out.shape == spec.output_shape() and np.isfinite(out).all()


def test_speaker_normalize_in_chunks_equals_the_whole_computation(monkeypatch):
    from sermodels import features

    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 3.0, size=(9, 50, 4)).astype(np.float32)
    x[::2, 40:] = 0.0  # padding frames
    keys = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2])
    monkeypatch.setattr(features, "_CHUNK_ROWS", 7)  # many chunks per speaker
    got = features.speaker_normalize(x, keys)
    for key in np.unique(keys):
        block = x[keys == key].reshape(-1, 4).astype(np.float64)
        valid = np.any(block != 0, axis=1)
        mean, std = block[valid].mean(axis=0), block[valid].std(axis=0)
        want = ((block - mean) / std).astype(np.float32)
        want[~valid] = 0.0
        np.testing.assert_array_equal(got[keys == key].reshape(-1, 4), want)


def test_pooled_statistics_match_numpy_and_scipy():
    from scipy import stats as scipy_stats

    rng = np.random.default_rng(5)
    feats = rng.gamma(2.0, 1.5, size=(300, 6)).astype(np.float32)  # skewed, heavy-tailed
    names = ("mean", "std", "q10", "median", "q90", "skew", "kurtosis", "min", "max")
    out = features.pool(feats, names).reshape(len(names), -1)
    expected = [feats.mean(0), feats.std(0), np.percentile(feats, 10, axis=0),
                np.median(feats, axis=0), np.percentile(feats, 90, axis=0),
                scipy_stats.skew(feats, axis=0), scipy_stats.kurtosis(feats, axis=0),
                feats.min(0), feats.max(0)]
    for name, got, want in zip(names, out, expected, strict=True):
        assert got == pytest.approx(want, rel=1e-4, abs=1e-5), name
    assert out.dtype == np.float32


def test_spectral_shape_reads_tone_noise_and_silence():
    """centroid of a tone at its frequency, flat noise flatter than a tone, a falling
    spectrum a negative slope, silent frames finite."""
    sr = 16_000
    spec = FeatureSpec(features=("spectral",), audio=AudioConfig(sample_rate=sr))
    assert spec.frame_dim == features.SPECTRAL_DIM
    t = np.arange(sr) / sr
    tone = 0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    noise = np.random.default_rng(0).normal(scale=0.1, size=sr).astype(np.float32)
    falling = np.cumsum(noise).astype(np.float32)  # brown noise: power falls with frequency
    falling *= 0.5 / np.abs(falling).max()
    silence = np.zeros(sr, np.float32)
    f_tone, f_noise, f_fall, f_silence = (extract(y, spec) for y in (tone, noise, falling,
                                                                      silence))
    assert f_tone.shape == (101, features.SPECTRAL_DIM)
    mid = slice(10, 90)
    assert 2 ** np.median(f_tone[mid, 0]) == pytest.approx(1001, rel=0.02)  # log2(Hz + 1)
    assert np.median(f_noise[mid, 3]) > np.median(f_tone[mid, 3]) + 2  # log10 flatness
    assert abs(np.median(f_noise[mid, 4])) < 0.5 < -np.median(f_fall[mid, 4])  # dB per kHz
    assert np.isfinite(f_silence).all()
