"""Lesion checks: a record before a given baseline, and a lesion recorded twice on one date whose
first record is invalid; every record read is either used or reported."""

from __future__ import annotations

import pandas as pd

from oncorwe.derive.frames import query_frames
from oncorwe.derive.lesion_checks import (
    lesion_frames,
    prepare_lesions,
    unbound_tables,
    usable_lesions,
)

COLUMNS = ["patient_id", "assessment_date", "lesion_id", "lesion_class", "organ", "diameter_mm"]


def _lesions(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def test_a_record_before_the_given_baseline_is_left_out_and_reported():
    rows = [
        ("p", "2020-12-01", "T1", "target", "liver", None),  # before the baseline
        ("p", "2021-01-01", "T1", "target", "liver", 40.0),
        ("p", "2021-03-01", "T1", "target", "liver", 30.0),
    ]
    baseline = pd.Series(pd.to_datetime(["2021-01-01"]), index=["p"])
    used, found = prepare_lesions(_lesions(rows), baseline)
    assert found["rule"].tolist() == ["lesion.before_baseline"]
    assert found[["row", "column", "value"]].iloc[0].tolist() == [0, "assessment_date",
                                                                   "2020-12-01"]  # fmt: skip
    assert used["diameter_mm"].tolist() == [40.0, 30.0]
    assert used["is_baseline"].tolist() == [True, False]
    assert (used["baseline_date"] == pd.Timestamp("2021-01-01")).all()


def test_the_first_of_two_records_decides_even_when_it_is_invalid():
    rows = [
        ("p", "2021-01-01", "T1", "target", "liver", 40.0),
        ("p", "2021-03-01", "T1", "target", "liver", -1.0),  # first of the two: invalid
        ("p", "2021-03-01", "T1", "target", "liver", 30.0),  # second: a duplicate
        ("p", "2021-05-01", "T1", "target", "liver", 20.0),
    ]
    used, found = prepare_lesions(_lesions(rows))
    assert found.set_index("row")["rule"].to_dict() == {
        1: "lesion.diameter_negative", 2: "lesion.duplicate"
    }  # fmt: skip
    assert found.loc[0, "value"] == -1.0  # numbers come back as numbers
    assert used["_src"].tolist() == [0, 3]
    assert len(used) + len(found) == len(rows)


def test_the_first_record_by_source_row_is_kept_where_the_table_has_it():
    # the same lesion twice on one date: 41 mm recorded first (source row 1), 40 mm second
    rows = _lesions([("p", "2021-01-01", "T1", "target", "liver", 50.0),
                     ("p", "2021-03-01", "T1", "target", "liver", 41.0),
                     ("p", "2021-03-01", "T1", "target", "liver", 40.0)])  # fmt: skip
    frames = lesion_frames(rows)
    tables, _ = unbound_tables(False)
    with_row = usable_lesions(tables["lesions"]).order_by("_row")
    without_row = usable_lesions(tables["lesions"].drop("_row")).order_by("assessment_date")
    assert query_frames(with_row, frames)["diameter_mm"].tolist() == [50.0, 41.0]
    # without the source row, the lesion's other columns order its records
    assert query_frames(without_row, frames)["diameter_mm"].tolist() == [50.0, 40.0]
