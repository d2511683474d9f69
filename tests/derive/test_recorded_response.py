"""Best response as the source recorded it (retrospective sheets): used as recorded, not derived.

The small study (tests/small_study.py) keeps P1, P2 and P6 in its cohort (day 0: P1 2019-01-10,
P2 2019-05-01, P6 2020-01-01). Here its time-point responses are replaced by one recorded best
response per patient, by hand: mRECIST P1 PR, P2 SD, P6 CR; RECIST 1.1 P1 SD, P2 PD, P6 NE.
mRECIST ORR = 2/3 (P1, P6), DCR = 3/3; RECIST 1.1 ORR = 0/3, DCR = 1/3.
"""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.analysis.study import analyse_study
from oncorwe.cohort import analysis_connection
from oncorwe.derive.response import RECORDED_NOTE, query_best_response, recorded_response_note
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.io.sources import check_structure
from oncorwe.protocol import load_protocol
from small_study import accepted_tables

PROTOCOL = load_protocol("hcc-rt-ici")  # mRECIST primary, RECIST 1.1 secondary, unconfirmed

RECORDED = pd.DataFrame(
    {
        "patient_id": ["P1", "P2", "P6", "P1", "P2", "P6"],
        "criteria": ["mRECIST"] * 3 + ["RECIST1.1"] * 3,
        "best_response": ["PR", "SD", "CR", "SD", "PD", "NE"],
        "response_date": pd.to_datetime(
            ["2019-03-15", None, "2020-04-01", "2019-03-15", "2019-10-01", None]
        ),
    }
)


def _retrospective(with_assessments: bool = False) -> dict[str, pd.DataFrame]:
    tables = accepted_tables()
    if not with_assessments:
        del tables["tumor_assessments"]
    tables["recorded_response"] = RECORDED
    return tables


@pytest.fixture(scope="module")
def analysed():
    return analyse_study(_retrospective(), PROTOCOL, synthetic=True)


def test_a_recorded_best_response_replaces_tumor_assessments():
    tables = {name: frame for name, frame in _retrospective().items()}
    check_structure(tables)  # no error: recorded_response stands in for tumor_assessments
    del tables["recorded_response"]
    with pytest.raises(Exception, match="tumor_assessments"):
        check_structure(tables)


def test_orr_and_dcr_from_the_recorded_response(analysed):
    outputs, data, _ = analysed
    table = outputs.tables["response"].set_index(["criteria", "confirmed", "category"])
    for confirmed in (False, True):  # confirmation not assessable: both rows repeat the record
        assert table.loc[("mRECIST", confirmed, "ORR"), "n"] == 2
        assert table.loc[("mRECIST", confirmed, "DCR"), "n"] == 3
        assert table.loc[("RECIST1.1", confirmed, "ORR"), "n"] == 0
        assert table.loc[("RECIST1.1", confirmed, "DCR"), "n"] == 1
    # R binom.test(2, 3)$conf.int = 0.09429932 0.99159624
    orr = table.loc[("mRECIST", False, "ORR")]
    assert orr["pct"] == pytest.approx(200 / 3)
    assert (orr["ci_lower"], orr["ci_upper"]) == pytest.approx((9.429932, 99.159624), abs=1e-5)
    response = outputs.results["response"]
    assert (response["orr"]["n"], response["dcr"]["n"]) == (2, 3)
    assert response["best_response_source"]["note"] == RECORDED_NOTE
    assert set(data.adrs["bor_source"]) == {"recorded"}
    assert dict(zip(data.adsl["patient_id"], data.adsl["bor"], strict=True)) == {
        "P1": "PR",
        "P2": "SD",
        "P6": "CR",
    }


def test_tables_and_methods_say_recorded_not_derived(analysed):
    outputs, _, _ = analysed
    note = outputs.tables["response"].attrs["footnotes"][0]
    assert RECORDED_NOTE in note
    assert "mRECIST 3 of 3 patients" in note and "RECIST1.1 3 of 3 patients" in note
    methods = {setting: value for setting, value, _ in outputs.methods}
    assert methods["response.best_response_source"] == RECORDED_NOTE


def test_time_points_win_over_a_recorded_response():
    # P1 and P2 have mRECIST time points (P1 PR then PD -> PR; P2 SD, SD -> SD); P6 has none and
    # takes its recorded CR. Recorded P1 "PR" is not used.
    con = analysis_connection(_retrospective(with_assessments=True))
    cohort = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P6"],
            "index_date": pd.to_datetime(["2019-01-10", "2019-05-01", "2020-01-01"]),
        }
    )
    con.register("_cohort", cohort)
    con.execute("CREATE TABLE cohort AS SELECT * FROM _cohort")
    t = contract_tables({"cohort": {"patient_id": "string", "index_date": "date"}})
    bor = query_best_response(Engine("duckdb", None, con), t, PROTOCOL, "mRECIST", False)
    bor = bor.set_index("patient_id")
    assert bor["bor"].to_dict() == {"P1": "PR", "P2": "SD", "P6": "CR"}
    assert bor["bor_source"].to_dict() == {"P1": "derived", "P2": "derived", "P6": "recorded"}
    assert str(bor.loc["P6", "bor_date"].date()) == "2020-04-01"
    note = recorded_response_note(bor.reset_index())
    assert "mRECIST 1 of 3 patients" in note


def test_no_note_when_every_response_is_derived():
    adrs = pd.DataFrame(
        {"criteria": ["mRECIST"] * 2, "confirmed": [False, True], "bor_source": "derived"}
    )
    assert recorded_response_note(adrs) is None
