import numpy as np
import pytest
import soundfile as sf

from sermodels.audio import AudioError, load_audio
from sermodels.cli import EXIT_DATA, main
from sermodels.inference import Predictor


def test_predict_file_matches_the_in_process_model(trained_run, tiny_original):
    predictor = Predictor(trained_run.run_dir)
    row = trained_run.test_rows.iloc[0]
    path = tiny_original.root / row["path"]
    prediction = predictor.predict_file(path)
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert list(prediction.probabilities) == list(trained_run.label_set.classes)
    expected = trained_run.test_proba[0]
    np.testing.assert_allclose(list(prediction.probabilities.values()), expected, atol=1e-4)
    assert prediction.label == trained_run.label_set.classes[int(expected.argmax())]


def test_folder_and_windows(trained_run, tiny_original, tmp_path):
    predictor = Predictor(trained_run.run_dir)
    folder = tiny_original.root / "SAVEE" / "AudioData" / "DC"
    table, errors = predictor.predict_folder(folder)
    assert len(table) >= 10 and {"path", "label", "confidence"} <= set(table.columns)
    assert [e.path.endswith("x01.wav") for e in errors] == []  # x01 is bad by name, not by audio
    y = load_audio(tiny_original.root / trained_run.test_rows["path"][0], predictor.spec.audio)
    long = np.concatenate([y, np.zeros(22050, np.float32), y, y])
    sf.write(tmp_path / "long.wav", long, 22050)
    windows = predictor.predict_windows(tmp_path / "long.wav", window=1.0, hop=0.5)
    assert len(windows) >= 6 and (windows["end"] > windows["start"]).all()
    assert "silence" in set(windows["label"])
    speech = windows[windows["label"] != "silence"]
    np.testing.assert_allclose(speech.filter(like="p_").sum(axis=1), 1, atol=1e-4)


def test_cli_predict(trained_run, tiny_original, tmp_path, capsys):
    path = tiny_original.root / trained_run.test_rows["path"][0]
    assert main(["predict", str(path), "--run", str(trained_run.run_dir)]) == 0
    out = capsys.readouterr().out
    assert trained_run.label_set.classes[int(trained_run.test_proba[0].argmax())] in out.split()[1]
    folder = tiny_original.root / "TESS" / "OAF_angry"
    assert main(["predict", str(folder), "--run", str(trained_run.run_dir),
                 "--out", str(tmp_path / "p.csv")]) in (0, EXIT_DATA)
    assert (tmp_path / "p.csv").is_file()


@pytest.mark.parametrize("make, problem", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_bytes(b"not audio at all" * 20), "cannot decode"),
    (lambda p: sf.write(p, np.zeros(22050, np.float32), 22050), "all silent"),
    (lambda p: sf.write(p, np.ones(100, np.float32) * 0.1, 22050), "too short"),
])
def test_bad_input_gives_a_message_and_a_non_zero_exit(trained_run, tmp_path, capsys, make,
                                                       problem):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=problem):
        Predictor(trained_run.run_dir).predict_file(path)
    assert main(["predict", str(path), "--run", str(trained_run.run_dir)]) == EXIT_DATA
    err = capsys.readouterr().err
    assert problem in err and "bad.wav" in err


def test_not_a_run_folder(tmp_path, capsys):
    assert main(["predict", str(tmp_path), "--run", str(tmp_path)]) == EXIT_DATA
    assert "not a sermodels run folder" in capsys.readouterr().err


def test_one_speakers_files_are_normalised_together(tiny_original, tmp_path):
    from sermodels import manifest
    from sermodels.features import extract, get_spec, speaker_normalize
    from sermodels.training import TrainConfig, train

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    spec = get_spec("logmel64", max_frames=100, normalization="speaker",
                    audio={"duration": 1.0})
    run = train(frame, tiny_original.root, spec, TrainConfig(model="cnn_attn_pool", epochs=1,
                                                             verbose=0),
                run_dir=tmp_path / "run", cache_dir=tmp_path / "cache")
    predictor = Predictor(run.run_dir)
    assert predictor.speaker_normalised
    folder = tiny_original.root / "SAVEE" / "AudioData" / "DC"
    together, errors = predictor.predict_folder(folder, one_speaker=True)
    alone, _ = predictor.predict_folder(folder)
    assert len(together) == len(alone) >= 10 and not errors
    feats = np.stack([extract(load_audio(folder / p, spec.audio), spec) for p in together["path"]])
    expected = run.model.predict(speaker_normalize(feats), verbose=0)
    np.testing.assert_allclose(together.filter(like="p_").to_numpy(), expected, atol=1e-4)
    assert not np.allclose(together.filter(like="p_").to_numpy(), alone.filter(like="p_").to_numpy())
    assert main(["predict", str(folder), "--run", str(run.run_dir), "--one-speaker"]) == 0


def test_the_windows_of_one_recording_are_normalised_together(tiny_original, tmp_path):
    """Window mode on one long recording uses per-speaker normalisation over its windows."""
    import soundfile as sf

    from sermodels import manifest
    from sermodels.audio import fix_length
    from sermodels.features import extract, get_spec, speaker_normalize
    from sermodels.training import TrainConfig, train

    frame, _ = manifest.build_manifest(tiny_original.root, ["savee"])
    spec = get_spec("logmel64", max_frames=100, normalization="speaker",
                    audio={"duration": 1.0, "sample_rate": 16000})
    run = train(frame, tiny_original.root, spec, TrainConfig(model="cnn_attn_pool", epochs=1,
                                                             verbose=0),
                run_dir=tmp_path / "run", cache_dir=tmp_path / "cache")
    folder = tiny_original.root / "SAVEE" / "AudioData" / "DC"
    clips = [load_audio(p, spec.audio) for p in sorted(folder.glob("*.wav"))[:6]]
    long_file = tmp_path / "one_speaker.wav"
    sf.write(long_file, np.concatenate(clips), 16000, subtype="FLOAT")
    predictor = Predictor(run.run_dir)
    together = predictor.predict_windows(long_file, window=1.0, hop=1.0)
    alone = predictor.predict_windows(long_file, window=1.0, hop=1.0, one_speaker=False)
    assert len(together) == len(alone) == 6 and (together["label"] != "silence").all()
    y = np.concatenate(clips)
    raw = []
    for start in range(0, 6 * 16000, 16000):
        chunk = fix_length(y[start:start + 16000], 16000)
        raw.append(extract(chunk * (0.9 / np.max(np.abs(chunk))), spec))
    expected = run.model.predict(speaker_normalize(np.stack(raw)), verbose=0)
    np.testing.assert_allclose(together.filter(like="p_").to_numpy(), expected, atol=1e-4)
    assert not np.allclose(together.filter(like="p_").to_numpy(),
                           alone.filter(like="p_").to_numpy())
    csv = tmp_path / "w.csv"
    assert main(["predict", str(long_file), "--run", str(run.run_dir), "--window", "1",
                 "--several-speakers", "--out", str(csv)]) == 0
    import pandas as pd

    assert len(pd.read_csv(csv)) == 6


def test_windows_are_trimmed_like_the_training_clips_were(trained_run, tmp_path):
    """A run whose spec trims silence (the recipe's) trims each window before its features, as
    each training clip was."""
    from dataclasses import replace

    from sermodels.audio import condition
    from sermodels.features import extract

    predictor = Predictor(trained_run.run_dir)
    predictor.spec = replace(predictor.spec, audio=replace(predictor.spec.audio, trim_db=30.0))
    sr = predictor.spec.sample_rate
    t = np.arange(sr // 2) / sr
    voice = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    quiet = np.zeros(sr, np.float32)
    y = np.concatenate([voice, quiet, quiet, voice])  # windows: voice, silence, silence + voice
    path = tmp_path / "long.wav"
    sf.write(path, y, sr, subtype="FLOAT")
    table = predictor.predict_windows(path, window=1.0, hop=1.0, one_speaker=False)
    assert list(table["label"] == "silence") == [False, True, False]
    window = y[2 * sr:]  # half a second of silence, then the voice
    trimmed = condition(window, predictor.spec.audio)
    assert len(trimmed) == sr and np.abs(trimmed[: sr // 4]).mean() > 0.3  # the voice first
    features = extract(trimmed, predictor.spec)
    assert not np.allclose(features, extract(window * (0.9 / np.abs(window).max()),
                                             predictor.spec))
    expected = predictor.predict_features(predictor.normalizer.transform(features)[None])[0]
    np.testing.assert_allclose(table.filter(like="p_").to_numpy()[2], expected, atol=1e-5)


def test_a_fused_run_fuses_where_the_member_can_normalise(fused_run, tiny_original):
    predictor = Predictor(fused_run.run_dir)
    assert predictor.fused is not None and predictor.fusion_weight == 0.5
    folder = tiny_original.root / "SAVEE" / "AudioData" / "DC"
    fused, errors = predictor.predict_folder(folder, one_speaker=True)
    network = Predictor(fused_run.run_dir)
    network.fused = None
    alone, _ = network.predict_folder(folder, one_speaker=True)
    member, _ = predictor.fused.predict_folder(folder, one_speaker=True)
    assert not errors and len(fused) == len(alone) == len(member) >= 10
    np.testing.assert_allclose(fused.filter(like="p_").to_numpy(),
                               0.5 * alone.filter(like="p_").to_numpy()
                               + 0.5 * member.filter(like="p_").to_numpy(), atol=1e-6)
    assert (fused["confidence"] == fused.filter(like="p_").max(axis=1)).all()
    # one file: the member cannot normalise a single clip per speaker, the network answers
    first = folder / fused["path"].iloc[0]
    single = predictor.predict_file(first)
    assert single.probabilities == network.predict_file(first).probabilities
