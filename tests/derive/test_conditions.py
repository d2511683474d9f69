"""Row conditions declared as data: each operator, their combinations, a condition over another
table and a protocol setting, evaluated on rows whose answers are read off by hand."""

from __future__ import annotations

import dataclasses

import ibis
import pandas as pd
import pytest

from oncorwe.derive.conditions import AllOf, AnyOf, PatientHas, Setting, Where, predicate
from oncorwe.derive.frames import query_frames
from oncorwe.engine.connect import to_sql
from oncorwe.protocol import load_protocol

ROWS = {"patient_id": "string", "site": "string", "n": "int64"}
RT = {"patient_id": "string", "target": "string"}
TABLES = {"rows": ibis.table(ROWS, name="rows"), "rt": ibis.table(RT, name="rt")}
FRAMES = {
    "rows": (
        pd.DataFrame(
            {
                "patient_id": ["a", "b", "c", "d"],
                "site": ["liver", "lung", None, "liver"],
                "n": [1, 2, 3, 4],
            }
        ),  # fmt: skip
        ROWS,
    ),
    "rt": (pd.DataFrame({"patient_id": ["a", "b"], "target": ["liver", "bone"]}), RT),
}


def kept(condition, protocol=None) -> list[str]:
    """The patients of the rows ``condition`` keeps."""
    rows = TABLES["rows"]
    expression = rows.filter(predicate(condition, rows, TABLES, protocol)).order_by("patient_id")
    return query_frames(expression, FRAMES)["patient_id"].tolist()


@pytest.mark.parametrize(
    "condition, expected",
    [
        (None, ["a", "b", "c", "d"]),
        (Where("site", "==", "liver"), ["a", "d"]),
        (Where("site", "!=", "liver"), ["b"]),  # a missing site is not "not liver": SQL
        (Where("site", "in", ("lung", "bone")), ["b"]),
        (Where("site", "not in", ("lung",)), ["a", "d"]),
        (Where("site", "in", ()), []),
        (Where("site", "is null"), ["c"]),
        (Where("site", "not null"), ["a", "b", "d"]),
        (AllOf((Where("site", "==", "liver"), Where("n", "==", 4))), ["d"]),
        (AnyOf((Where("site", "==", "lung"), Where("n", "==", 4))), ["b", "d"]),
        (PatientHas("rt", Where("target", "==", "liver")), ["a"]),
        (PatientHas("rt"), ["a", "b"]),
    ],
)
def test_condition_keeps_the_rows_read_off_by_hand(condition, expected):
    assert kept(condition) == expected


def test_a_setting_is_read_from_the_protocol():
    base = load_protocol("hcc-rt-ici")
    eligibility = dataclasses.replace(base.eligibility, ici_classes=("liver", "lung"))
    protocol = dataclasses.replace(base, eligibility=eligibility)
    assert kept(Where("site", "in", Setting("eligibility.ici_classes")), protocol) == [
        "a",
        "b",
        "d",
    ]
    with pytest.raises(ValueError, match="give the protocol"):
        kept(Where("site", "in", Setting("eligibility.ici_classes")))
    with pytest.raises(ValueError, match="not in the protocol"):
        kept(Where("site", "in", Setting("eligibility.no_such_setting")), protocol)


def test_an_unknown_operator_is_refused():
    with pytest.raises(ValueError, match="operator"):
        Where("site", "like", "liv%")


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
def test_conditions_compile_for_every_engine(dialect):
    rows = TABLES["rows"]
    condition = AnyOf(
        (Where("site", "not in", ("lung",)), PatientHas("rt", Where("target", "==", "liver")))
    )
    sql = to_sql(rows.filter(predicate(condition, rows, TABLES)), dialect)
    assert "'liver'" in sql and "'lung'" in sql
