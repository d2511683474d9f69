"""Copies of the seed twin: ids suffixed per copy, records unchanged, shapes as stated, and the
replicated-results check on hand-made results."""

import pandas as pd
import pytest

from oncorwe.synth import seed_twin_path
from oncorwe.synth.replicate import (
    SHAPES,
    copy_pieces,
    replicate_seed_twin,
    replicated_differences,
    value_kind,
)

SEED_PATIENTS = 122
SEED_ROWS = {  # data rows of the shipped seed twin (wc -l less the header)
    "adverse_events": 473,
    "labs": 2792,
    "lesions": 2918,
    "patients": 122,
    "progression_events": 70,
    "radiotherapy": 161,
    "systemic_therapy": 211,
    "tumor_assessments": 1286,
}


def test_pieces_joined_by_a_suffix_give_one_copy():
    pieces = copy_pieces("patient_id,a,b\nP1,x,1\nP2,,2\n")
    assert pieces == ["P1", ",x,1\nP2", ",,2\n"]
    assert "-C000007".join(pieces) == "P1-C000007,x,1\nP2-C000007,,2\n"
    assert "".join(copy_pieces("patient_id,a\n")) == ""


def test_pieces_need_the_patient_id_first():
    with pytest.raises(ValueError, match="patient_id must be the first column"):
        copy_pieces("a,patient_id\nx,P1\n")


def test_one_copy_is_the_seed_twin_byte_for_byte(tmp_path):
    assert replicate_seed_twin(tmp_path, 1) == sum(SEED_ROWS.values()) == 8033
    for source in seed_twin_path().glob("*.csv"):
        assert (tmp_path / source.name).read_bytes() == source.read_bytes()


def test_registry_shape_leaves_out_lesions_and_labs(tmp_path):
    rows = replicate_seed_twin(tmp_path, 2, "registry")
    assert sorted(p.stem for p in tmp_path.glob("*.csv")) == sorted(
        set(SEED_ROWS) - {"labs", "lesions"}
    )
    assert rows == 2 * 2323  # 8033 - 2792 - 2918
    assert round(rows / (2 * SEED_PATIENTS), 1) == 19.0
    assert SHAPES["full"].without == () and SHAPES["registry"].without == ("labs", "lesions")


def test_three_copies_repeat_every_record_with_suffixed_ids(tmp_path):
    assert replicate_seed_twin(tmp_path, 3) == 3 * 8033
    for name, count in SEED_ROWS.items():
        seed = pd.read_csv(seed_twin_path() / f"{name}.csv", dtype=str, keep_default_na=False)
        copies = pd.read_csv(tmp_path / f"{name}.csv", dtype=str, keep_default_na=False)
        assert len(copies) == 3 * count
        suffix = copies["patient_id"].str[-8:]
        assert list(suffix.unique()) == ["-C000000", "-C000001", "-C000002"]
        copies["patient_id"] = copies["patient_id"].str[:-8]
        expected = pd.concat([seed] * 3, ignore_index=True)
        pd.testing.assert_frame_equal(copies, expected)
    patients = pd.read_csv(tmp_path / "patients.csv", dtype=str)
    assert patients["patient_id"].is_unique


def test_value_kinds():
    assert value_kind(".os.n") == "count"
    assert value_kind(".table[3].responders_n") == "count"
    assert value_kind(".os.n_at_risk[2]") == "count"
    assert value_kind(".os.median_months") == "equal"
    assert value_kind(".orr.response_pct") == "equal"
    assert value_kind(".os.lower") is None


def test_replicated_differences_on_hand_made_results():
    single = {"os": {"n": 2, "median": 5.0, "lower": 1.0, "at": [{"surv": 0.5, "n": 1}]}}
    good = {"os": {"n": 6, "median": 5.0, "lower": 3.0, "at": [{"surv": 0.5, "n": 3}]}}
    assert replicated_differences(single, good, 3) == []
    bad = {"os": {"n": 5, "median": 5.0 + 1e-6, "lower": 3.0, "at": [{"surv": 0.5}]}}
    assert replicated_differences(single, bad, 3) == [
        ".os.n: 5.0 (expected 6)",
        ".os.median: 5.000001 (expected 5)",
        ".os.at[0].n: None (expected 3)",
    ]
