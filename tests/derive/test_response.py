"""Best overall response from the study database: iRECIST (iBOR) from lesion records where a
patient has them, else from the recorded iRECIST responses; other criteria from the recorded
responses. Dates are study days after each patient's day 0 (2021-01-01)."""

import pandas as pd
import pytest

from oncorwe.cohort import analysis_connection
from oncorwe.derive.response import query_best_response
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import load_protocol

PROTOCOL = load_protocol("hcc-rt-ici")
DAY0 = pd.Timestamp("2021-01-01")


def derive_best_response(con, protocol, criteria, confirm):
    """The ADRS rows of the builder, run on the test's DuckDB connection."""
    t = contract_tables({"cohort": {"patient_id": "string", "index_date": "date"}})
    return query_best_response(Engine("duckdb", None, con), t, protocol, criteria, confirm)


def _day(n):
    return DAY0 + pd.Timedelta(days=n)


@pytest.fixture()
def con():
    # A: lesions 40 -> 60 mm (day 56, iUPD) -> 66 mm (day 98, +6 mm: iCPD); its recorded
    #    iRECIST "PR" is not used (the lesions decide).
    # B: recorded PD day 56, PD day 84 (28 days later: taken as iCPD).
    # D: recorded SD day 56, PD day 112, SD day 168 (the bar is reset): iSD.
    # C: nothing recorded: MISSING.
    lesions = pd.DataFrame(
        {
            "patient_id": ["A"] * 3,
            "assessment_date": [DAY0, _day(56), _day(98)],
            "lesion_id": ["T1"] * 3,
            "lesion_class": ["target"] * 3,
            "organ": ["liver"] * 3,
            "diameter_mm": [40.0, 60.0, 66.0],
        }
    )
    recorded = pd.DataFrame(
        {
            "patient_id": ["A", "B", "B", "D", "D", "D", "B"],
            "assessment_date": [_day(d) for d in (56, 56, 84, 56, 112, 168, 56)],
            "criteria": ["iRECIST"] * 6 + ["RECIST1.1"],
            "overall_response": ["PR", "PD", "PD", "SD", "PD", "SD", "PR"],
        }
    )
    con = analysis_connection({"lesions": lesions, "tumor_assessments": recorded})
    con.execute(
        """CREATE TABLE cohort AS SELECT patient_id, DATE '2021-01-01' AS index_date
           FROM (VALUES ('A'), ('B'), ('C'), ('D')) AS t(patient_id)"""
    )
    return con


def test_irecist_best_response(con):
    out = derive_best_response(con, PROTOCOL, "iRECIST", False).set_index("patient_id")
    assert out["bor"].to_dict() == {"A": "iCPD", "B": "iCPD", "C": "MISSING", "D": "iSD"}
    days = (out["bor_date"] - DAY0).dt.days
    assert (days["A"], days["B"], days["D"]) == (56, 56, 56)
    assert set(out["criteria"]) == {"iRECIST"} and not out["confirmed"].any()


def test_other_criteria_read_the_recorded_responses(con):
    out = derive_best_response(con, PROTOCOL, "RECIST1.1", False).set_index("patient_id")
    assert out["bor"].to_dict() == {"A": "MISSING", "B": "PR", "C": "MISSING", "D": "MISSING"}
