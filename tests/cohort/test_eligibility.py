import pandas as pd
import pytest
from tests.small_study import accepted_tables

from oncorwe.cohort import analysis_connection, build_cohort
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.errors import AnalysisError
from oncorwe.protocol import load_protocol


@pytest.fixture()
def cohort():
    engine = Engine("duckdb", None, analysis_connection(accepted_tables()))
    return build_cohort(engine, contract_tables(), load_protocol("hcc-rt-ici"))


def test_attrition_counts_and_ids(cohort):
    a = cohort.attrition.set_index("step")
    assert list(a.index) == ["source", "disease_setting", "radiotherapy", "ici", "enrolment_window"]
    assert a["n_remaining"].tolist() == [6, 5, 5, 4, 3]
    assert a["n_excluded"].tolist() == [0, 1, 0, 1, 1]
    assert cohort.excluded["disease_setting"] == ("P3",)
    assert cohort.excluded["ici"] == ("P4",)
    assert cohort.excluded["enrolment_window"] == ("P5",)
    assert cohort.patient_ids == ("P1", "P2", "P6")


def test_time_origin_is_first_of_rt_or_ici(cohort):
    origin = cohort.patients.set_index("patient_id")["index_date"]
    assert origin["P1"] == pd.Timestamp("2019-01-10")  # RT before ICI
    assert origin["P2"] == pd.Timestamp("2019-05-01")  # ICI before RT
    assert origin["P6"] == pd.Timestamp("2020-01-01")


def test_empty_cohort_is_an_error():
    tables = accepted_tables()
    tables["patients"] = tables["patients"].assign(disease_setting="other")
    engine = Engine("duckdb", None, analysis_connection(tables))
    with pytest.raises(AnalysisError, match="No patient meets"):
        build_cohort(engine, contract_tables(), load_protocol("hcc-rt-ici"))
