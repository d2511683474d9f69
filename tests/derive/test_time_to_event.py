"""OS and PFS on the six-patient study; every value worked out by hand from the dates."""

import pandas as pd
import pytest
from tests.small_study import accepted_tables

from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.derive import sources
from oncorwe.derive.endpoints import OS, PFS
from oncorwe.derive.time_to_event import DateSource, derive_time_to_event
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import load_protocol

T = contract_tables({"cohort": COHORT_SCHEMA})


@pytest.fixture(scope="module")
def engine():
    engine = cohort_engine(accepted_tables(), load_protocol("hcc-rt-ici"))[0]
    yield engine
    engine.close()


def test_overall_survival(engine):
    os_ = engine.query(derive_time_to_event(T, "OS", "Overall Survival", OS.events, OS.censors))
    os_ = os_.set_index("patient_id")
    # P1 2019-01-10 -> death 2020-01-10; P2 2019-05-01 -> alive 2020-05-01 (leap year);
    # P6 2020-01-01 -> alive 2020-06-01
    assert os_["aval"].tolist() == [365, 366, 152]
    assert os_["cnsr"].tolist() == [0, 1, 1]
    assert os_.loc["P1", "evntdesc"] == "Death"
    assert os_.loc["P2", "evntdesc"] == "Alive at last contact"
    assert os_.loc["P1", "aval_months"] == pytest.approx(365 / 30.4375, rel=1e-12)


def test_progression_free_survival(engine):
    pfs = engine.query(derive_time_to_event(T, "PFS", "PFS", PFS.events, PFS.censors))
    pfs = pfs.set_index("patient_id")
    # P1: progression record and PD scan both 2019-06-10 -> the record wins by precedence
    assert pfs.loc["P1", "aval"] == 151
    assert pfs.loc["P1", "cnsr"] == 0
    assert pfs.loc["P1", "evntdesc"] == "Disease progression (progression record)"
    assert pfs.loc["P1", "srcdom"] == "progression_events"
    # P2: no progression -> censored at the last assessment 2019-10-01
    assert pfs.loc["P2", "aval"] == 153
    assert pfs.loc["P2", "cnsr"] == sources.CNSR_LAST_ASSESSMENT
    # P6: no assessment after day 0 -> censored at the origin
    assert pfs.loc["P6", "aval"] == 0
    assert pfs.loc["P6", "cnsr"] == sources.CNSR_ORIGIN
    assert pfs.loc["P6", "adt"] == pd.Timestamp("2020-01-01")


def test_precedence_breaks_ties_whatever_the_order(engine):
    # the PD scan listed first still loses to the progression record on the same day
    events = (sources.progression_assessment, sources.progression_record, sources.death)
    pfs = engine.query(derive_time_to_event(T, "PFS", "PFS", events, PFS.censors))
    assert pfs.set_index("patient_id").loc["P1", "srcdom"] == "progression_events"


def test_count_origin_day(engine):
    # admiral compute_duration(add_one = TRUE): P1's death is on day 366
    expression = derive_time_to_event(T, "OS", "OS", OS.events, OS.censors, count_origin_day=True)
    os_ = engine.query(expression).set_index("patient_id")
    assert os_["aval"].tolist() == [366, 367, 153]
    assert os_.loc["P1", "aval_months"] == pytest.approx(366 / 30.4375, rel=1e-12)


def test_event_before_origin_is_ignored(engine):
    # P1 has an SD scan on 2019-01-05, before day 0: as a censoring source it must not count
    early = DateSource("scan", "tumor_assessments", "assessment_date", censor=1)
    out = engine.query(derive_time_to_event(T, "X", "x", OS.events, (early,)))
    out = out.set_index("patient_id")
    assert out.loc["P1", "cnsr"] == 0  # death is still the event
    assert pd.isna(out.loc["P6", "adt"])  # no censoring date at all: missing, not invented
    assert pd.isna(out.loc["P6", "cnsr"]) and pd.isna(out.loc["P6", "aval"])


def test_needs_both_kinds_of_source():
    with pytest.raises(ValueError):
        derive_time_to_event(T, "OS", "OS", OS.events, ())


def test_new_therapy_bound_needs_its_table():
    with pytest.raises(ValueError, match="new_therapy"):
        derive_time_to_event(T, "PFS", "PFS", PFS.events, (sources.before_new_therapy(
            sources.last_assessment),))  # fmt: skip
