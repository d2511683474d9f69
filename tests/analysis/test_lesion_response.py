"""Lesion-level response tables, on hand-made patients whose answers are worked out by hand.

Exact binomial limits are R's ``binom.test(k, n)$conf.int``; KM medians follow survfit's rule.
"""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.analysis.lesion_response import (
    BY_CRITERIA_COLUMNS,
    SCOPE_ORDER,
    best_target_change,
    duration_of_response,
    field_response_counts,
    field_response_table,
    response_by_criteria,
    subject_numbers,
    waterfall_table,
)
from oncorwe.analysis.study import analyse_study
from oncorwe.analysis.summarize import response_table
from oncorwe.analysis.swimmer import swimmer_table
from oncorwe.cohort import COHORT_SCHEMA, analysis_connection
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import load_protocol
from small_study import accepted_tables

T = contract_tables({"cohort": COHORT_SCHEMA})


def _lesions() -> pd.DataFrame:
    """A: in-field liver target 50 -> 20 -> 10 (PR), out-of-field lung 20 -> 12 -> 12 (abscopal
    -40 %); B: in-field 40 -> 0 -> 0 with an out-of-field node 20 -> 19 -> 30 (PD on day 112 vs
    nadir 19: +58 %); C: only an out-of-field liver target 30 -> 27 -> 27 (SD)."""
    rows = []
    dates = ("2020-01-01", "2020-03-01", "2020-05-01")
    table = {
        ("A", "T1", "liver", True): (50, 20, 10),
        ("A", "T2", "lung", False): (20, 12, 12),
        ("B", "T1", "liver", True): (40, 0, 0),
        ("B", "T2", "lymph_node", False): (20, 19, 30),
        ("C", "T1", "liver", False): (30, 27, 27),
    }
    for (pid, lid, organ, field), sizes in table.items():
        for date, size in zip(dates, sizes, strict=True):
            rows.append((pid, date, lid, "target", organ, field, float(size)))
    frame = pd.DataFrame(
        rows,
        columns=[
            "patient_id",
            "assessment_date",
            "lesion_id",
            "lesion_class",
            "organ",
            "in_rt_field",
            "diameter_mm",
        ],
    )
    return frame.assign(
        assessment_date=pd.to_datetime(frame["assessment_date"]), is_lymph_node=False
    )


def _engine(tables: dict[str, pd.DataFrame], cohort: pd.DataFrame) -> Engine:
    """An in-memory engine holding ``tables`` (the other contract tables empty) and ``cohort``."""
    engine = Engine("duckdb", None, analysis_connection(tables))
    engine.connection.register("_c", cohort)
    engine.execute(
        "CREATE TABLE cohort AS SELECT patient_id, CAST(index_date AS DATE) AS index_date, "
        "index_date AS first_rt_date, index_date AS first_ici_date FROM _c"
    )
    return engine


@pytest.fixture(scope="module")
def lesion_engine():
    cohort = pd.DataFrame({"patient_id": list("ABC"), "index_date": pd.Timestamp("2020-01-10")})
    engine = _engine({"lesions": _lesions()}, cohort)
    yield engine
    engine.close()


def test_field_response_by_hand(lesion_engine):
    counts = {
        scope: lesion_engine.query(field_response_counts(T, "mRECIST", scope, 42))
        for scope in SCOPE_ORDER
    }
    table = field_response_table(counts, "mRECIST").set_index("scope")
    # in field: A PR (-80 %), B CR; out of field: A PR (-40 %), B SD then PD (BOR SD: day 51
    # >= 42), C SD (-10 %)
    counts = ["n_evaluable", "cr_n", "pr_n", "sd_n", "pd_n", "orr_n"]
    assert table.loc["in_field", counts].tolist() == [2, 1, 1, 0, 0, 2]
    assert table.loc["out_of_field", ["n_evaluable", "pr_n", "sd_n", "orr_n"]].tolist() == [
        3,
        1,
        2,
        1,
    ]
    assert table.loc["out_of_field", "orr_pct"] == pytest.approx(100 / 3)
    # R: binom.test(1, 3)$conf.int = 0.008403759 0.905700675
    assert table.loc["out_of_field", "orr_ci_lower"] == pytest.approx(0.8403759, abs=1e-6)
    assert table.loc["out_of_field", "orr_ci_upper"] == pytest.approx(90.5700675, abs=1e-6)
    # abscopal: target response of never-irradiated lesions before their first PD
    assert table.loc["abscopal", ["n_evaluable", "pr_n", "sd_n", "orr_n"]].tolist() == [3, 1, 2, 1]
    # R: binom.test(2, 2)$conf.int = 0.1581139 1.0000000
    assert table.loc["in_field", "orr_ci_lower"] == pytest.approx(15.81139, abs=1e-5)


def test_waterfall_numbers_like_swimmer(lesion_engine):
    adsl = pd.DataFrame({"patient_id": ["A", "B", "C"], "os_months": [5.0, 9.0, 5.0]})
    bor = pd.Series({"A": "PR", "B": "CR", "C": "SD"})
    changes = lesion_engine.query(best_target_change(T, "mRECIST"))
    table = waterfall_table(changes, adsl, bor)
    # B: (0 + 19) / 60 - 1 = -68.33 %; A: 22 / 70 - 1 = -68.57 %; C: -10 %
    assert table["subject"].tolist() == [1, 2, 3]  # B longest OS, then A, C (ADSL order)
    assert table["best_pct_change"].tolist() == pytest.approx(
        [-100 * 41 / 60, -100 * 48 / 70, -10.0]
    )
    assert table["bor"].tolist() == ["CR", "PR", "SD"]
    timeline = pd.DataFrame(
        {"patient_id": ["A", "B", "C"], "kind": "ici", "start_months": 0.0, "end_months": 1.0,
         "label": ""}
    )  # fmt: skip
    swim = swimmer_table(timeline, adsl)
    assert subject_numbers(adsl).loc[["B", "A", "C"]].tolist() == sorted(swim["subject"])


def test_response_by_criteria_side_by_side():
    bor = pd.DataFrame({"bor": ["CR", "PR", "PR", "SD", "PD", "NE", "SD", "SD", "PD", "MISSING"]})
    response = pd.concat(
        [
            response_table(bor, 10, "mRECIST", False),
            response_table(bor.iloc[::-1], 10, "RECIST1.1", True),
        ]
    )
    wide = response_by_criteria(response)
    assert list(wide.columns) == BY_CRITERIA_COLUMNS
    assert wide[["criteria", "confirmed", "orr_n", "dcr_n"]].values.tolist() == [
        ["mRECIST", False, 3, 6],
        ["RECIST1.1", True, 3, 6],
    ]
    # R: binom.test(3, 10)$conf.int = 0.06673951 0.65245285
    assert wide["orr_ci_lower"].iloc[0] == pytest.approx(6.673951, abs=1e-5)
    assert wide["orr_ci_upper"].iloc[0] == pytest.approx(65.245285, abs=1e-5)
    assert wide["dcr_pct"].iloc[0] == pytest.approx(60.0)


def _dor_engine():
    """Responders A (PR day 60, PD day 150), B (PR day 60, last scan day 240), C (CR day 100,
    death day 200), D (PR on its only scan, day 60)."""
    day = pd.Timestamp("2020-01-01")
    scans = [("A", 60, "PR"), ("A", 150, "PD"), ("B", 60, "PR"), ("B", 240, "SD"),
             ("C", 100, "CR"), ("D", 60, "PR")]  # fmt: skip
    cohort = pd.DataFrame({"patient_id": list("ABCD"), "index_date": [day] * 4})
    engine = _engine(
        {
            "tumor_assessments": pd.DataFrame(
                {
                    "patient_id": [s[0] for s in scans],
                    "assessment_date": [day + pd.Timedelta(days=s[1]) for s in scans],
                    "criteria": "mRECIST",
                    "overall_response": [s[2] for s in scans],
                }
            ),
            "patients": pd.DataFrame(
                {
                    "patient_id": list("ABCD"),
                    "vital_status": ["alive", "alive", "dead", "alive"],
                    "death_date": [pd.NaT, pd.NaT, day + pd.Timedelta(days=200), pd.NaT],
                }
            ),
        },
        cohort,
    )
    adrs = pd.DataFrame(
        {"patient_id": list("ABCD"), "criteria": "mRECIST", "confirmed": False,
         "bor": ["PR", "PR", "CR", "PR"]}
    )  # fmt: skip
    return engine, adrs


def test_duration_of_response_by_hand():
    engine, adrs = _dor_engine()
    criteria = adrs["criteria"].drop_duplicates()
    dor = duration_of_response(engine, T, criteria, load_protocol("hcc-rt-ici")).iloc[0]
    # times (days): A 90 event, C 100 event, B 180 censored, D 0 censored (at its response)
    # KM: S(90) = 2/3, S(100) = 1/3 -> median 100 days
    assert (dor["n_responders"], dor["events"]) == (4, 2)
    assert dor["median_months"] == pytest.approx(100 / 30.4375)


def test_study_without_lesions_has_empty_lesion_tables():
    outputs, _, _ = analyse_study(accepted_tables(), load_protocol("hcc-rt-ici"), synthetic=True)
    assert outputs.tables["field_response"].empty
    assert outputs.tables["waterfall"].empty
    assert not outputs.tables["response_by_criteria"].empty
    assert outputs.results["response"]["abscopal"] is None
    assert [r["criteria"] for r in outputs.results["response"]["by_criteria"]][:1] == ["mRECIST"]
