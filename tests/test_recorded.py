import pytest

from sermodels import recorded


def test_every_real_entry_says_its_protocol_corpora_labels_and_seed():
    for key, entry in recorded.real_results().items():
        assert {"ua", "protocol", "corpora", "label_set", "seed", "leaky", "commit"} <= set(entry), key
        assert entry["leaky"] == (entry["protocol"] == "random"), key


def test_a_missing_entry_is_a_key_error_listing_what_was_recorded():
    with pytest.raises(KeyError, match="recommended/canonical"):
        recorded.real_result("nonexistent", "canonical")


def test_cells_carry_spread_cap_and_seed():
    fold = {"ua": 0.663, "ua_std": 0.037, "seed": 0, "epochs_cap": 40}
    assert recorded.real_cell(fold) == "66.3% ± 3.7, ≤40 epochs, seed 0"
    split = {"ua": 0.73, "ua_ci95_speakers": [0.622, 0.746], "seed": 2, "leaky": False}
    assert recorded.real_cell(split) == "73.0% [62.2, 74.6], seed 2"
    leaky = {**split, "leaky": True}  # its test speakers were heard: no speaker interval
    assert recorded.real_cell(leaky) == "73.0%, seed 2"


def test_the_table_names_corpora_and_label_set_per_column(monkeypatch):
    entries = {
        "a/canonical": {"ua": 0.7, "seed": 0, "corpora": ["ravdess", "tess"],
                        "label_set": "unified7", "leaky": False},
        "a/random": {"ua": 0.9, "seed": 0, "corpora": ["ravdess", "tess"],
                     "label_set": "unified7", "leaky": True},
        "b/canonical": {"ua": 0.5, "seed": 1, "corpora": ["ravdess"], "label_set": "ravdess8",
                        "leaky": False},
    }
    monkeypatch.setattr(recorded, "real_results", lambda: entries)
    table = recorded.real_table(["a", "b"], ["canonical", "random"])
    assert list(table.columns) == ["canonical (ravdess+tess, unified7)",
                                   "random (ravdess+tess, unified7, LEAKY)"]
    assert table.loc["a", "canonical (ravdess+tess, unified7)"] == "70.0%, seed 0"
    assert table.loc["b", "canonical (ravdess+tess, unified7)"] == "50.0%, seed 1 (ravdess, ravdess8)"
    assert table.loc["b", "random (ravdess+tess, unified7, LEAKY)"] == "not measured yet"


def test_the_shipped_table_reads_the_recorded_file():
    table = recorded.real_table(["recommended"], ["canonical", "emobox", "random"])
    assert table.shape == (1, 3) and "LEAKY" in table.columns[-1]
    assert "ravdess8" in table.columns[1]
