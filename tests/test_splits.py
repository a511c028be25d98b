import pandas as pd
import pytest

from sermodels import catalog, splits


@pytest.fixture()
def frame():
    """Three corpora worth of speakers, 4 utterances each over two labels."""
    rows = []
    for corpus, n in (("cremad", 91), ("ravdess", 24), ("tess", 2), ("savee", 4)):
        for s in range(n):
            gender = "male" if s % 2 else "female"
            for u in range(4):
                rows.append({"corpus": corpus, "speaker": f"{corpus}_{s:03d}", "gender": gender,
                             "label": "angry" if u % 2 else "sad", "path": f"{corpus}/{s}/{u}.wav"})
    return pd.DataFrame(rows)


def test_holdout_counts_follow_paper000_table4():
    assert splits.holdout_counts(91) == (64, 9, 18)
    assert splits.holdout_counts(24) == (17, 2, 5)
    assert splits.holdout_counts(2) == (1, 0, 1)
    assert splits.holdout_counts(4) == (3, 0, 1)
    assert splits.holdout_counts(1) == (1, 0, 0)


def test_speaker_holdout_is_speaker_independent_and_deterministic(frame):
    split = splits.speaker_holdout(frame, seed=3)
    assert set(split) == {"train", "val", "test"}
    assert splits.speaker_overlap(frame.assign(split=split)) == {}
    assert split.equals(splits.speaker_holdout(frame, seed=3))
    assert not split.equals(splits.speaker_holdout(frame, seed=4))
    per = frame.assign(split=split).groupby(["corpus", "split"])["speaker"].nunique()
    assert per["cremad"].to_dict() == {"test": 18, "train": 64, "val": 9}
    assert per["tess"].to_dict() == {"test": 1, "train": 1}


def test_holdout_balances_gender(frame):
    split = splits.speaker_holdout(frame, seed=0)
    test = frame[(split == "test") & (frame["corpus"] == "cremad")]
    counts = test.groupby("gender")["speaker"].nunique()
    assert abs(counts["male"] - counts["female"]) <= 1


def test_kfold_covers_every_speaker_once(frame):
    fold = splits.speaker_kfold(frame, k=5, seed=0)
    per_speaker = frame.assign(fold=fold).groupby("speaker")["fold"].nunique()
    assert (per_speaker == 1).all()
    assert set(fold) == set(range(5))
    assert fold.equals(splits.speaker_kfold(frame, k=5, seed=0))
    # a corpus' folds do not depend on the other corpora in the frame
    alone = frame[frame["corpus"] == "ravdess"]
    assert splits.speaker_kfold(alone, k=5, seed=0).equals(fold[alone.index])
    with pytest.raises(ValueError):
        splits.speaker_kfold(frame, k=1)


def test_fold_split_uses_the_fold_as_test(frame):
    frame = frame.assign(fold=splits.speaker_kfold(frame, k=5))
    for k in range(5):
        split = splits.fold_split(frame, k)
        assert (split[frame["fold"] == k] == "test").all()
        assert (split[frame["fold"] != k] != "test").all()
        assert "val" in set(split)
        splits.check_speaker_independent(frame.assign(split=split))


def test_leave_one_corpus_out(frame):
    rounds = list(splits.leave_one_corpus_out(frame))
    assert [c for c, _ in rounds] == ["cremad", "ravdess", "savee", "tess"]
    for held_out, split in rounds:
        assert (split[frame["corpus"] == held_out] == "test").all()
        assert (split[frame["corpus"] != held_out] != "test").all()
        splits.check_speaker_independent(frame.assign(split=split))


def test_random_split_is_labelled_stratified_and_leaky(frame):
    out = splits.apply_protocol(frame, "random", seed=0)
    assert (out["protocol"] == "random").all()
    assert splits.speaker_overlap(out)  # the papers' split puts speakers in train and test
    test = out[out["split"] == "test"]
    assert abs((test["label"] == "angry").mean() - 0.5) < 0.05
    assert abs(len(test) / len(out) - 0.2) < 0.01
    speaker = splits.apply_protocol(frame, "speaker", seed=0)
    assert (speaker["protocol"] == "speaker").all() and not splits.speaker_overlap(speaker)
    with pytest.raises(ValueError, match="unknown protocol"):
        splits.apply_protocol(frame, "leaky")


def test_check_names_leaking_speakers(frame):
    leaky = frame.assign(split="train")
    leaky.loc[0, "split"] = "test"
    with pytest.raises(splits.SpeakerLeakError, match="cremad_000 in test\\+train"):
        splits.check_speaker_independent(leaky)


def test_canonical_manifests_equal_the_split_rule():
    for corpus in ("cremad", "ravdess", "tess", "savee"):
        shipped = catalog.canonical(corpus)
        split = splits.speaker_holdout(shipped, seed=catalog.CANONICAL_SEED)
        fold = splits.speaker_kfold(shipped, k=catalog.CANONICAL_FOLDS, seed=catalog.CANONICAL_SEED)
        assert split.equals(shipped["split"].astype(object)), corpus
        assert (fold == shipped["fold"]).all(), corpus


def test_emobox_folds_of_ravdess():
    ravdess = catalog.canonical("ravdess")
    fold = splits.emobox_folds(ravdess)
    per_fold = ravdess.assign(fold=fold).groupby("fold")["speaker"].unique()
    assert sorted(per_fold[0]) == ["ravdess_01", "ravdess_11", "ravdess_20", "ravdess_21"]
    assert sorted(per_fold[5]) == ["ravdess_06", "ravdess_13", "ravdess_17", "ravdess_22"]
    assert all(len(s) == 4 for s in per_fold) and fold.nunique() == 6
    with pytest.raises(ValueError, match="RAVDESS only"):
        splits.emobox_folds(catalog.canonical("tess"))
