import os

import numpy as np
import pytest
import soundfile as sf

from sermodels.audio import (
    AudioConfig,
    AudioError,
    condition,
    fix_length,
    format_errors,
    load_audio,
    load_many,
)


def tone(sr=16000, seconds=0.5, freq=220.0, amp=0.3):
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_stereo_float_and_aiff_under_wav_name(tmp_path):
    y = tone()
    sf.write(tmp_path / "stereo.wav", np.stack([y, y], axis=1), 16000)
    sf.write(tmp_path / "float.wav", y, 16000, subtype="FLOAT")
    sf.write(tmp_path / "aiff.wav", y, 16000, format="AIFF")
    sf.write(tmp_path / "clip.flac", y, 16000, format="FLAC")
    config = AudioConfig(sample_rate=16000, peak=None)
    for name in ("stereo.wav", "float.wav", "aiff.wav", "clip.flac"):
        out = load_audio(tmp_path / name, config)
        assert out.ndim == 1 and out.dtype == np.float32 and len(out) == len(y), name
        assert np.allclose(out, y, atol=1e-3), name


@pytest.mark.parametrize("rate", [8000, 44100, 96000])
def test_resampling_to_the_target_rate(tmp_path, rate):
    sf.write(tmp_path / "x.wav", tone(sr=rate, seconds=1.0, freq=440), rate)
    out = load_audio(tmp_path / "x.wav", AudioConfig(sample_rate=22050))
    assert len(out) == 22050
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * 22050 / len(out) - 440) < 2  # the tone survives


def test_peak_normalisation_and_fixed_length(tmp_path):
    sf.write(tmp_path / "x.wav", tone(seconds=1.0), 16000)
    out = load_audio(tmp_path / "x.wav", AudioConfig(sample_rate=16000, duration=0.5))
    assert len(out) == 8000 and abs(np.abs(out).max() - 0.9) < 1e-6
    longer = load_audio(tmp_path / "x.wav", AudioConfig(sample_rate=16000, duration=2.0))
    assert len(longer) == 32000 and np.all(longer[16000:] == 0)
    assert np.array_equal(fix_length(np.arange(10), 4, "left"), [0, 1, 2, 3])
    assert np.array_equal(fix_length(np.arange(10), 4, "center"), [3, 4, 5, 6])


def test_silence_trimming(tmp_path):
    y = np.concatenate([np.zeros(8000, np.float32), tone(seconds=0.5), np.zeros(8000, np.float32)])
    sf.write(tmp_path / "x.wav", y, 16000)
    plain = load_audio(tmp_path / "x.wav", AudioConfig(sample_rate=16000))
    trimmed = load_audio(tmp_path / "x.wav", AudioConfig(sample_rate=16000, trim_db=30))
    assert len(plain) == len(y) and len(trimmed) < 0.6 * len(y)



def test_condition_does_to_an_array_what_loading_does_to_a_file(tmp_path):
    """Windows of a long recording go through the same trimming, peak and length as clips."""
    y = np.concatenate([np.zeros(8000, np.float32), tone(seconds=0.5), np.zeros(8000, np.float32)])
    sf.write(tmp_path / "x.wav", y, 16000, subtype="FLOAT")
    config = AudioConfig(sample_rate=16000, trim_db=30, duration=1.0)
    out = condition(y, config, "window 3")
    assert np.array_equal(out, load_audio(tmp_path / "x.wav", config))
    assert len(out) == 16000 and abs(np.abs(out).max() - 0.9) < 1e-6
    with pytest.raises(AudioError, match="window 3: too short"):
        condition(np.zeros(100, np.float32), AudioConfig(sample_rate=16000), "window 3")

@pytest.mark.parametrize("make, problem", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_bytes(b"RIFF....WAVEjunk" * 10), "cannot decode"),
    (lambda p: sf.write(p, np.zeros(16000, np.float32), 16000), "all silent"),
    (lambda p: sf.write(p, tone(seconds=0.010), 16000), "too short"),
    (lambda p: sf.write(p, np.full(1600, np.nan, np.float32), 16000, subtype="FLOAT"), "NaN"),
    (lambda p: None, "file not found"),
])
def test_bad_files_raise_a_clear_error(tmp_path, make, problem):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=problem) as info:
        load_audio(path)
    assert str(path) in str(info.value)


def test_batch_loading_collects_errors(tmp_path):
    sf.write(tmp_path / "good.wav", tone(), 16000)
    (tmp_path / "empty.wav").write_bytes(b"")
    sf.write(tmp_path / "silent.wav", np.zeros(1600, np.float32), 16000)
    arrays, errors = load_many([tmp_path / n for n in ("empty.wav", "good.wav", "silent.wav")])
    assert arrays[0] is None and arrays[1] is not None and arrays[2] is None
    assert [e.path for e in errors] == [str(tmp_path / "empty.wav"), str(tmp_path / "silent.wav")]
    report = format_errors(errors)
    assert "2 file(s)" in report and "empty.wav" in report and "silent.wav" in report


def test_config_validation():
    for bad in ({"sample_rate": 0}, {"peak": 1.5}, {"trim_db": -1}, {"duration": 0},
                {"crop": "right"}):
        with pytest.raises(ValueError):
            AudioConfig(**bad)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_unreadable_file_says_permission_denied(tmp_path):
    path = tmp_path / "locked.wav"
    sf.write(path, np.full(2205, 0.1, dtype=np.float32), 22050)
    path.chmod(0)
    with pytest.raises(AudioError, match="permission denied"):
        load_audio(path)


def test_duration_from_the_header(tmp_path):
    from sermodels.audio import duration

    sf.write(tmp_path / "a.wav", np.zeros(22050 * 2, dtype=np.float32), 22050)
    assert duration(tmp_path / "a.wav") == pytest.approx(2.0)
    (tmp_path / "b.wav").write_text("not audio")
    assert duration(tmp_path / "b.wav") is None
