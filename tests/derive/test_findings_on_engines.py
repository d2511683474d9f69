"""The response and lesion findings as table expressions: on records holding every kind of
problem, the expressions run on an engine give the findings worked out by hand (and the frame
checks ``check_assessments`` per criteria and ``prepare_lesions``, which run the same
expressions, give them too), in the same order; they compile for DuckDB, PostgreSQL and Spark
and give DuckDB's findings on a real PostgreSQL server."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from engine_twin import DIALECTS, load_frame
from oncorwe.cohort import COHORT_SCHEMA, analysis_connection
from oncorwe.derive.lesion_checks import checked_lesions, lesion_findings, prepare_lesions
from oncorwe.derive.response_checks import (
    assessment_findings,
    check_assessments,
    checked_assessments,
    found_values,
)
from oncorwe.engine import Engine, connect
from oncorwe.engine.connect import to_sql
from oncorwe.engine.study_store import table_types
from postgres_server import postgres_url

D = pd.Timestamp
T = {name: ibis.table(table_types(name), name=name) for name in ("tumor_assessments", "lesions")}
T["cohort"] = ibis.table(COHORT_SCHEMA, name="cohort")
COHORT = pd.DataFrame({"patient_id": ["a", "b", "c"], "index_date": D("2021-01-10")})


def _assessments() -> pd.DataFrame:
    rows = [
        ("a", "2021-01-05", "mRECIST", "SD"),  # before day 0
        ("a", "2021-02-01", "mRECIST", "CR"),
        ("a", "2021-03-01", "mRECIST", "PR"),  # PR after CR
        ("a", "2021-03-01", "mRECIST", "SD"),  # second response on one date
        ("a", "2021-04-01", "mRECIST", "XX"),  # unknown value
        ("a", "2021-05-01", "mRECIST", None),  # empty
        ("a", None, "mRECIST", "SD"),  # no date
        ("b", "2021-02-01", "RECIST1.1", "PR"),
        ("b", "2021-02-01", "RECIST1.1", "PR"),  # the same date twice
        ("b", "2021-03-01", "mRECIST", "CR"),
        ("b", "2021-04-01", "mRECIST", "PR"),  # PR after CR (mRECIST only)
        ("z", "2021-04-01", "mRECIST", "XX"),  # not a cohort patient: not checked
    ]
    frame = pd.DataFrame(rows, columns=["patient_id", "assessment_date", "criteria",
                                        "overall_response"])  # fmt: skip
    return frame.assign(assessment_date=pd.to_datetime(frame["assessment_date"]))


def _lesions() -> pd.DataFrame:
    base, later = "2021-01-05", "2021-03-01"
    rows = [
        ("a", base, "T1", "target", "liver", 30.0, None),
        ("a", base, "T2", "target", "liver", 20.0, None),
        ("a", base, "T3", "target", "liver", 15.0, None),  # 3 targets in the liver
        ("a", base, "N1", "new", "lung", None, "present"),  # new on the baseline scan
        ("a", later, "T1", "target", "liver", -2.0, None),  # negative diameter
        ("a", later, "T1", "target", "liver", 25.0, None),
        ("a", later, "T1", "target", "liver", 24.0, None),  # recorded twice
        ("a", later, "T2", "target", "liver", None, None),  # no diameter
        ("a", later, "T4", "target", "liver", 10.0, None),  # no baseline record
        ("a", later, "X1", "other", "liver", 10.0, None),  # unknown class
        ("a", later, "NT1", "non_target", "bone", None, "gone"),  # unknown status
        ("b", None, "T1", "target", "lung", 12.0, None),  # no date
        ("b", base, "T1", "target", "lung", 12.0, None),
        ("b", base, "NT1", "non_target", "bone", None, None),  # no status
        ("b", later, "T1", "target", "lung", 11.5, None),
        *(("c", base, f"T{i}", "target", f"organ{i}", 10.0, None) for i in range(6)),
        ("z", base, "T1", "unknown", "lung", 12.0, None),  # not a cohort patient
    ]
    columns = ["patient_id", "assessment_date", "lesion_id", "lesion_class", "organ",
               "diameter_mm", "status"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    return frame.assign(assessment_date=pd.to_datetime(frame["assessment_date"]))


def _engine(accepted: dict[str, pd.DataFrame]) -> Engine:
    engine = Engine("duckdb", None, analysis_connection(accepted))
    engine.connection.register("_c", COHORT)
    engine.execute("CREATE TABLE cohort AS SELECT patient_id, CAST(index_date AS DATE) AS "
                   "index_date, NULL::DATE AS first_rt_date, NULL::DATE AS first_ici_date "
                   "FROM _c")  # fmt: skip
    return engine


def _by_frames(accepted: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame checks' findings, as ``analysis.findings`` ran them before."""
    rows = {n: f.assign(_row=range(len(f))) for n, f in accepted.items()}
    rows = {n: f[f["patient_id"].isin(COHORT["patient_id"])] for n, f in rows.items()}
    a = rows["tumor_assessments"]
    assessments = [check_assessments(p, COHORT) for _, p in a.groupby("criteria", sort=True)]
    return pd.concat(assessments, ignore_index=True), prepare_lesions(rows["lesions"])[1]


# (row, column, value, rule) of each finding, worked out from the comments of the records above:
# by criteria (RECIST1.1 first), then rule, then row; patient z is not in the cohort
ASSESSMENT_FINDINGS = [
    (8, "assessment_date", "2021-02-01", "response.duplicate_date"),
    (6, "assessment_date", "", "response.date_invalid"),
    (5, "overall_response", "", "response.value_missing"),
    (4, "overall_response", "XX", "response.value_unknown"),
    (3, "assessment_date", "2021-03-01", "response.duplicate_date"),
    (0, "assessment_date", "2021-01-05", "response.before_origin"),
    (2, "overall_response", "PR", "response.cr_then_pr"),
    (10, "overall_response", "PR", "response.cr_then_pr"),
]
# by rule, then row: T1 of row 4 is the first of its three records (rows 5 and 6 duplicates);
# patient a has 3 liver targets (> 2 per organ), c 6 targets (> 5): one finding each, at the
# first target
LESION_FINDINGS = [
    (11, "assessment_date", "", "lesion.date_invalid"),
    (9, "lesion_class", "other", "lesion.class_unknown"),
    (4, "diameter_mm", "-2.0", "lesion.diameter_negative"),
    (10, "status", "gone", "lesion.status_unknown"),
    (5, "lesion_id", "T1", "lesion.duplicate"),
    (6, "lesion_id", "T1", "lesion.duplicate"),
    (8, "lesion_id", "T4", "lesion.no_baseline"),
    (3, "lesion_class", "new", "lesion.new_at_baseline"),
    (7, "diameter_mm", "", "lesion.diameter_missing"),
    (13, "status", "", "lesion.status_missing"),
    (0, "lesion_class", "a", "lesion.too_many_targets"),
    (15, "lesion_class", "c", "lesion.too_many_targets"),
]


def _found(found: pd.DataFrame) -> list[tuple]:
    """(row, column, value, rule) of each finding, the value as text ("" when empty)."""
    rows = found[["row", "column", "value", "rule"]].to_numpy(dtype=object)
    return [(int(r), c, "" if pd.isna(v) else str(v), rule) for r, c, v, rule in rows]


def _text(found: pd.DataFrame) -> list[list[str]]:
    return [["" if pd.isna(v) else str(v) for v in row] for row in found.to_numpy(dtype=object)]


def _on_engine(engine: Engine, builder) -> pd.DataFrame:
    """The findings of ``builder`` as ``analysis.findings`` runs them: the checked rows made
    once on the engine, then the rules over them."""
    check = {assessment_findings: checked_assessments, lesion_findings: checked_lesions}[builder]
    engine.materialize("_checked", check(T))
    try:
        rows = engine.query(builder(T, ibis.table(check(T).schema(), name="_checked")))
    finally:
        engine.drop("_checked")
    return found_values(rows.sort_values(["_group", "_order", "row"], kind="mergesort"))


@pytest.fixture(scope="module")
def accepted():
    return {"tumor_assessments": _assessments(), "lesions": _lesions()}


def test_expressions_give_the_findings_worked_out_by_hand(accepted):
    with _engine(accepted) as engine:
        assessments = _on_engine(engine, assessment_findings)
        lesions = _on_engine(engine, lesion_findings)
    assert _found(assessments) == ASSESSMENT_FINDINGS
    assert _found(lesions) == LESION_FINDINGS
    assert set(assessments["table"]) == {"tumor_assessments"}
    assert set(lesions["severity"]) == {"error", "warning"}


def test_frame_checks_give_the_same_findings(accepted):
    by_frames = _by_frames(accepted)
    assert _found(by_frames[0]) == ASSESSMENT_FINDINGS
    assert _found(by_frames[1]) == LESION_FINDINGS
    with _engine(accepted) as engine:
        on_engine = [_on_engine(engine, b) for b in (assessment_findings, lesion_findings)]
    assert [_text(f) for f in by_frames] == [_text(f) for f in on_engine]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("builder", [assessment_findings, lesion_findings])
def test_every_expression_compiles(builder, dialect):
    assert to_sql(builder(T), dialect).lstrip().upper().startswith(("SELECT", "WITH"))


def test_postgres_gives_duckdbs_findings(accepted):
    with _engine(accepted) as duck, postgres_url() as url, connect("postgres", url) as pg:
        for name, frame in accepted.items():
            types = table_types(name)
            rows = frame.assign(_row=range(len(frame))).reindex(columns=list(types))
            load_frame(pg, name, rows.astype(object), types)
        load_frame(pg, "cohort", COHORT, COHORT_SCHEMA)
        for builder in (assessment_findings, lesion_findings):
            assert _text(_on_engine(pg, builder)) == _text(_on_engine(duck, builder))
