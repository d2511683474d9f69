import pytest
from tests.small_study import accepted_tables

from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.derive.local_control import derive_failure_sites
from oncorwe.derive.toxicity import (
    check_adverse_events,
    derive_worst_grade,
    patients_with_grade_at_least,
    summarize_adverse_events,
)
from oncorwe.derive.treatment import derive_rt_summary, derive_sequence
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import load_protocol

PROTOCOL = load_protocol("hcc-rt-ici")
T = contract_tables({"cohort": COHORT_SCHEMA})


@pytest.fixture()
def con():
    return cohort_engine(accepted_tables(), PROTOCOL)[0]


def test_rt_dose_bed_eqd2(con):
    rt = con.query(derive_rt_summary(T, PROTOCOL)).set_index("patient_id")
    assert rt["rt_total_dose_gy"].tolist() == [50.0, 40.0, 60.0]
    # 50 Gy/25: BED10 = 50 (1 + 2/10) = 60, EQD2 = 50; 40 Gy/5: BED10 = 72, EQD2 = 60
    assert rt["rt_bed_gy"].tolist() == pytest.approx([60.0, 72.0, 72.0])
    assert rt["rt_eqd2_gy"].tolist() == pytest.approx([50.0, 60.0, 60.0])
    assert rt["rt_sbrt"].tolist() == [False, True, False]


def test_sequence(con):
    seq = con.query(derive_sequence(T, PROTOCOL)).set_index("patient_id")
    # P1: ICI starts during RT; P2: ICI ended 2019-09-01, RT from 2019-12-01 (window opens
    # 2019-11-01); P6: ICI ongoing at last contact overlaps RT
    assert seq["sequence"].tolist() == ["concurrent", "ici_first", "concurrent"]
    assert seq.loc["P2", "ici_agent"] == "sintilimab"
    assert seq["targeted_therapy"].tolist() == [False, True, False]


def test_worst_grade_and_summary(con):
    worst = check_adverse_events(con.query(derive_worst_grade(T)))
    # P6's fatigue started before day 0: not treatment-emergent
    assert "Fatigue" not in set(worst["term"])
    p1 = worst[worst["patient_id"] == "P1"].set_index("term")["worst_grade"]
    assert p1["Platelet count decreased"] == 3
    table = summarize_adverse_events(worst, 3).set_index("term")
    assert table.loc["Dermatitis radiation", "any_n"] == 3
    assert table.loc["Dermatitis radiation", "any_pct"] == pytest.approx(100.0)
    assert table.loc["Platelet count decreased", "grade3plus_n"] == 1
    assert table.loc["Platelet count decreased", "grade3_4_n"] == 1
    assert patients_with_grade_at_least(worst, 3) == 1


def test_failure_sites(con):
    f = con.query(derive_failure_sites(T)).set_index("patient_id")
    assert f["in_field_recurrence"].tolist() == [True, False, False]
    assert f.loc["P1", "first_failure_site"] == "in_field"
