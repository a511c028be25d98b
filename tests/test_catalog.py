from sermodels import catalog


def test_shipped_manifests_agree_with_the_corpus_facts():
    counts = {c: len(catalog.canonical(c)) for c in ("cremad", "ravdess", "tess", "savee")}
    assert counts == {"cremad": 7442, "ravdess": 1440, "tess": 2800, "savee": 480}
    assert catalog.index()["corpora"]["cremad"]["files"] == 7442
    cremad = catalog.canonical("cremad")
    assert cremad["speaker"].nunique() == 91
    assert (cremad["native_label"].value_counts().drop("neutral") == 1271).all()
    assert (cremad["native_label"] == "neutral").sum() == 1087
    ravdess = catalog.canonical("ravdess")
    assert ravdess["speaker"].nunique() == 24
    assert (ravdess["native_label"] == "neutral").sum() == 96
    assert (ravdess["native_label"].value_counts().drop("neutral") == 192).all()
    tess = catalog.canonical("tess")
    assert (tess["native_label"].value_counts() == 400).all()
    assert tess["path"].str.contains("/OA_bite_neutral.wav").sum() == 1
    savee = catalog.canonical("savee")
    assert savee.groupby("speaker").size().to_dict() == {
        "savee_DC": 120, "savee_JE": 120, "savee_JK": 120, "savee_KL": 120}


def test_canonical_split_matches_paper000_table4():
    speakers = {c: catalog.canonical(c).groupby("split")["speaker"].nunique().to_dict()
                for c in ("cremad", "ravdess", "tess", "savee")}
    assert speakers["cremad"] == {"train": 64, "val": 9, "test": 18}
    assert speakers["ravdess"] == {"train": 17, "val": 2, "test": 5}
    assert speakers["tess"] == {"train": 1, "test": 1}
    assert speakers["savee"] == {"train": 3, "test": 1}


def test_cremad_genders():
    genders = catalog.cremad_genders()
    assert len(genders) == 91
    assert list(genders.values()).count("male") == 48
    assert genders["1001"] == "male"
