from sermodels import catalog
from sermodels.verify import format_report, to_frame, verify


def _touch_release(root, corpus):
    for rel in catalog.canonical(corpus)["path"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def test_complete_copy(tmp_path):
    _touch_release(tmp_path / "SAVEE", "savee")
    (check,) = verify(tmp_path, ["savee"])
    assert (check.expected, check.present, check.missing, check.unexpected) == (480, 480, [], [])
    assert check.complete


def test_missing_and_unexpected(tmp_path):
    _touch_release(tmp_path / "tess", "tess")
    (tmp_path / "tess" / "OAF_angry" / "OAF_back_angry.wav").unlink()
    (tmp_path / "tess" / "OAF_angry" / "OAF_back_furious.wav").write_bytes(b"")
    (check,) = verify(tmp_path, ["tess"])
    assert check.present == 2799
    assert check.missing == ["OAF_angry/OAF_back_angry.wav"]
    assert check.unexpected == ["tess/OAF_angry/OAF_back_furious.wav"]
    assert "OAF_back_furious.wav" in format_report([check])


def test_synthetic_corpus_counts(tiny_original):
    checks = verify(tiny_original.root)
    table = to_frame(checks)
    for name, keys in tiny_original.expected.items():
        assert table.loc[name, "present"] == len(keys)
        assert table.loc[name, "missing"] == table.loc[name, "expected"] - len(keys)
        assert table.loc[name, "unexpected"] == 1  # the badly named file


def test_absent_corpus(tmp_path):
    checks = verify(tmp_path, ["ravdess"])
    assert checks[0].present == 0 and len(checks[0].missing) == 1440
    assert "not found" in format_report(checks)
