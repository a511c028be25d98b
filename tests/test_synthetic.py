import numpy as np
import pytest
import soundfile as sf

from sermodels import synthetic
from sermodels.corpora import SAMPLE_RATES


def test_native_sample_rates_and_oddities(tiny_original):
    root = tiny_original.root
    odd = tiny_original.odd_files
    for rel in tiny_original.files[:: max(1, len(tiny_original.files) // 40)]:
        info = sf.info(str(root / rel))
        corpus = {"CREMA-D": "cremad", "RAVDESS": "ravdess", "TESS": "tess", "SAVEE": "savee"}[
            rel.split("/")[0]]
        if odd.get(rel) != "rate22050":
            assert info.samplerate == SAMPLE_RATES[corpus], rel
    kinds = {v: k for k, v in odd.items()}
    assert sf.info(str(root / kinds["stereo"])).channels == 2
    assert sf.info(str(root / kinds["float32"])).subtype == "FLOAT"
    assert sf.info(str(root / kinds["aiff"])).format == "AIFF"
    assert kinds["aiff"].endswith(".wav")
    assert sf.info(str(root / kinds["rate22050"])).samplerate == 22050
    assert len(tiny_original.bad_files) == 4


def test_deterministic(tmp_path):
    a = synthetic.generate(tmp_path / "a", ["savee"], size="tiny", seed=5, progress=False)
    b = synthetic.generate(tmp_path / "b", ["savee"], size="tiny", seed=5, progress=False)
    c = synthetic.generate(tmp_path / "c", ["savee"], size="tiny", seed=6, progress=False)
    rel = sorted(a.expected["savee"])[0]
    name = f"SAVEE/AudioData/{rel[:2]}/{rel[3:]}.wav"
    ya, yb, yc = (sf.read(str(x.root / name))[0] for x in (a, b, c))
    assert np.array_equal(ya, yb) and not np.array_equal(ya, yc)
    assert a.files == b.files


def test_sizes_and_bad_arguments(tmp_path):
    tiny = synthetic.SIZES["tiny"]
    demo = synthetic.SIZES["demo"]
    assert tiny.per_emotion < demo.per_emotion and tiny.duration < demo.duration
    with pytest.raises(ValueError, match="unknown size"):
        synthetic.generate(tmp_path, size="huge")
    with pytest.raises(ValueError, match="unknown layout"):
        synthetic.generate(tmp_path, layout="zenodo")


def test_emotion_cues_carry_over_to_unseen_speakers():
    """A linear model on pooled MFCCs, trained on 6 speakers, recognises 2 others' emotions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sermodels.audio import AudioConfig
    from sermodels.features import FeatureSpec, extract

    spec = FeatureSpec(kind="pooled", n_mfcc=20, n_mels=40, stats=("mean", "std"),
                       audio=AudioConfig(sample_rate=synthetic.SYNTH_RATE))
    emotions = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
    x, y, speaker = [], [], []
    for s in range(8):
        voice = synthetic.make_voice("female" if s % 2 else "male", np.random.default_rng([s]))
        for e, emotion in enumerate(emotions):
            for u in range(3):
                audio = synthetic.synth_utterance(voice, emotion, 1.0,
                                                  np.random.default_rng([s, e, u]))
                x.append(extract(audio / np.abs(audio).max() * 0.9, spec))
                y.append(e)
                speaker.append(s)
    x, y, speaker = np.array(x), np.array(y), np.array(speaker)
    train, test = speaker < 6, speaker >= 6
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(x[train], y[train])
    assert model.score(x[test], y[test]) > 0.6  # chance is 1/7


def test_audio_is_speech_like():
    rng = np.random.default_rng(1)
    y = synthetic.synth_utterance(synthetic.make_voice("male", rng), "neutral", 1.0, rng)
    assert y.dtype == np.float32 and len(y) == synthetic.SYNTH_RATE
    assert 0 < np.max(np.abs(y)) < 1
    frames = y[: len(y) // 160 * 160].reshape(-1, 160)
    energy = (frames ** 2).mean(axis=1)
    assert energy[:3].max() < 0.01 * energy.max()  # leading silence, then syllables


def test_hard_variant_speakers_differ_more_than_emotions():
    rng = np.random.default_rng(0)
    voices = [synthetic.make_voice("male", rng, "hard") for _ in range(30)]
    speaker_spread = np.std(np.log2([v.f0 for v in voices])) * 12  # semitones
    emotion_spread = np.std(np.log2([e.f0_ratio for e in synthetic.HARD_EMOTIONS.values()])) * 12
    assert speaker_spread > emotion_spread
    assert len({round(v.mic_tilt_db, 3) for v in voices}) == 30 and all(v.noise_snr_db for v in voices)
    hard = synthetic.HARD_EMOTIONS
    assert abs(hard["happy"].f0_ratio - hard["surprise"].f0_ratio) < 0.1  # overlapping pairs
    with pytest.raises(ValueError, match="unknown variant"):
        synthetic.make_voice("male", rng, "medium")


def test_hard_variant_speakers_express_emotions_their_own_way():
    rng = np.random.default_rng(0)
    a, b = (synthetic.make_voice("female", rng, "hard") for _ in range(2))
    neutral = synthetic.HARD_EMOTIONS["neutral"]
    shared = synthetic.HARD_EMOTIONS["angry"]
    mine, yours = synthetic.expression(a, "angry"), synthetic.expression(b, "angry")
    assert mine != yours and mine != shared  # speaker-specific strength...
    assert synthetic.expression(a, "angry") == mine  # ...deterministic per speaker
    for name in ("f0_ratio", "loudness_db", "rate", "tilt"):  # ...same direction as the profile
        assert np.sign(getattr(mine, name) - getattr(neutral, name)) == \
            np.sign(getattr(shared, name) - getattr(neutral, name))
    assert synthetic.expression(a, "neutral") == neutral == synthetic.expression(b, "neutral")
    assert synthetic.expression(a, "fearful") == synthetic.expression(a, "fear")  # native labels
    gains = [np.log(synthetic.expression(synthetic.make_voice("male", rng, "hard"), "happy").f0_ratio)
             / np.log(synthetic.HARD_EMOTIONS["happy"].f0_ratio) for _ in range(200)]
    assert np.std(np.log(gains)) == pytest.approx(synthetic.STYLE_SIGMA, rel=0.2)
    easy = synthetic.make_voice("male", rng, "easy")
    assert easy.style_seed is None and synthetic.expression(easy, "angry") == synthetic.EMOTIONS["angry"]


def test_hard_variant_repeats_the_corpus_scripts(tmp_path):
    """Takes of the same sentence by the same speaker in the same emotion (RAVDESS
    repetitions) are delivered alike; another sentence is not."""
    import librosa

    size = synthetic.Size({"cremad": 1, "ravdess": 1, "tess": 1, "savee": 1}, 4, 1.0)
    corpus = synthetic.generate(tmp_path, ["ravdess"], size=size, variant="hard", mess=False,
                                progress=False)

    def envelope(statement: str, rep: str) -> np.ndarray:
        name = f"03-01-05-01-{statement}-{rep}-01.wav"
        y, _ = sf.read(corpus.root / next(f for f in corpus.files if f.endswith(name)))
        return librosa.feature.rms(y=y, hop_length=256)[0]

    def distance(a: np.ndarray, b: np.ndarray) -> float:
        n = min(len(a), len(b))
        return float(np.mean(np.abs(a[:n] - b[:n])))

    first = envelope("01", "01")
    assert distance(first, envelope("01", "02")) < 0.5 * distance(first, envelope("02", "01"))
    easy = synthetic.generate(tmp_path / "easy", ["ravdess"], size=size, mess=False,
                              progress=False)
    assert sorted(easy.files) == sorted(corpus.files)  # same layout in both variants


def test_hard_variant_has_a_leakage_gap(tmp_path):
    """On the hard corpus, a random split scores far above unseen speakers (as on real data)."""
    import dataclasses

    from sermodels import manifest, presets
    from sermodels.audio import AudioConfig
    from sermodels.experiments import compare_protocols
    from sermodels.features import FeatureSpec
    from sermodels.training import TrainConfig

    size = synthetic.Size({"cremad": 8, "ravdess": 8, "tess": 2, "savee": 4}, 3, 1.2)
    corpus = synthetic.generate(tmp_path / "hard", size=size, variant="hard", mess=False,
                                progress=False)
    frame, _ = manifest.build_manifest(corpus.root)
    spec = FeatureSpec(name="pooled", kind="pooled", n_mfcc=20, n_mels=40, stats=("mean", "std"),
                       normalization="zscore", audio=AudioConfig(duration=1.5))
    preset = dataclasses.replace(presets.get("quickstart"), spec=spec,
                                 config=TrainConfig(model="svm", verbose=0))
    gap = compare_protocols(frame, corpus.root, preset, run_dir=tmp_path / "cp",
                            cache_dir=tmp_path / "cache").extra["gap"]
    assert gap["accuracy"] >= 0.05 and gap["unweighted_accuracy"] >= 0.05


def test_the_generator_takes_corpus_facts_from_the_corpus_modules(monkeypatch, tmp_path):
    """No emotion codes, speaker lists or file-name formats restated in synthetic (issue 13)."""
    import inspect

    from sermodels.corpora import savee

    source = inspect.getsource(synthetic)
    for literal in ("AudioWAV", "Actor_", "AudioData", '"ALL/', "03-01-", '"NEU"', '"sa"',
                    '"su"', '"DC"', '"JE"', '"YAF"', '"ps"', '"01"'):
        assert literal not in source, literal
    real_format = savee.format  # a change of convention in the corpus module reaches the generator
    monkeypatch.setattr(savee, "format",
                        lambda *args, **kw: "X/" + real_format(*args, **kw).rsplit("/", 1)[1])
    corpus = synthetic.generate(tmp_path, ["savee"], size="tiny", layout="kaggle", mess=False,
                                progress=False)
    assert len(corpus.files) == 4 * 8 * 2 and all(f.startswith("savee/X/") for f in corpus.files)
