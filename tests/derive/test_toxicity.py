"""Treatment-emergent window (protocol safety.treatment_emergent_days_after_last_dose), worked by
hand: day 0 = first dose; last dose = latest end of RT or of a systemic agent of the combined
course (ICI, or an agent first given <= 30 days after the first ICI dose); ongoing = last contact.
"""

import dataclasses

import pandas as pd
import pytest

from oncorwe.cohort import COHORT_SCHEMA, analysis_connection
from oncorwe.derive import toxicity
from oncorwe.derive.toxicity import check_adverse_events, treatment_emergent
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.errors import ProtocolError
from oncorwe.protocol import load_protocol
from oncorwe.protocol.model import Safety

BASE = load_protocol("hcc-rt-ici")
T = contract_tables({"cohort": COHORT_SCHEMA})


def derive_adverse_events(engine, protocol=None):
    return check_adverse_events(engine.query(toxicity.derive_adverse_events(T, protocol)))


def derive_worst_grade(engine, protocol=None, treatment_emergent_only=True):
    expression = toxicity.derive_worst_grade(T, protocol, treatment_emergent_only)
    return check_adverse_events(engine.query(expression))


def _protocol(days):
    return dataclasses.replace(BASE, safety=Safety(treatment_emergent_days_after_last_dose=days))


def _d(values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


@pytest.fixture()
def con():
    # A: RT 2020-01-01..01-31, pembrolizumab 01-10..03-01, lenvatinib 01-15..04-01 (started 5 days
    #    after the first ICI dose: part of the course), sorafenib from 06-01 (a new therapy, 143
    #    days after the first ICI dose: not study treatment) -> last dose 2020-04-01.
    # B: RT 2020-02-01..02-20, ICI from 2020-03-01 without end date, last contact 2020-12-31
    #    -> last dose 2020-12-31.
    patients = pd.DataFrame(
        {"patient_id": ["A", "B"], "last_contact_date": _d(["2021-06-30", "2020-12-31"])}
    )
    radiotherapy = pd.DataFrame(
        {
            "patient_id": ["A", "B"],
            "course_id": ["1", "1"],
            "start_date": _d(["2020-01-01", "2020-02-01"]),
            "end_date": _d(["2020-01-31", "2020-02-20"]),
        }
    )
    systemic = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "B"],
            "agent": ["pembrolizumab", "lenvatinib", "sorafenib", "sintilimab"],
            "drug_class": ["pd1", "tki", "tki", "pd1"],
            "start_date": _d(["2020-01-10", "2020-01-15", "2020-06-01", "2020-03-01"]),
            "end_date": _d(["2020-03-01", "2020-04-01", "2020-09-01", None]),
        }
    )
    adverse = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "A", "A", "B", "B"],
            "term": [
                "Fatigue",  # before the first dose: never treatment-emergent
                "Pneumonitis",  # last dose + 20 days
                "Hypothyroidism",  # last dose + 30 days (window boundary, inclusive)
                "Colitis",  # last dose + 91 days
                "Dermatitis radiation",  # on treatment
                "Rash maculo-papular",  # last dose (last contact) + 15 days
                "Fatigue",  # day 0 itself
            ],
            "grade": pd.array([2, 3, 2, 3, 1, 2, 1], dtype="Int64"),
            "onset_date": _d(
                [
                    "2019-12-20",
                    "2020-04-21",
                    "2020-05-01",
                    "2020-07-01",
                    "2020-01-20",
                    "2021-01-15",
                    "2020-02-01",
                ]
            ),
        }
    )
    con = analysis_connection(
        {
            "patients": patients,
            "radiotherapy": radiotherapy,
            "systemic_therapy": systemic,
            "adverse_events": adverse,
        }
    )
    con.execute(
        """CREATE TABLE cohort AS SELECT * FROM (VALUES
               ('A', DATE '2020-01-01', DATE '2020-01-10', DATE '2020-01-01'),
               ('B', DATE '2020-02-01', DATE '2020-03-01', DATE '2020-02-01'))
           AS t(patient_id, index_date, first_ici_date, first_rt_date)"""
    )
    return Engine("duckdb", None, con)


def _flags(con, days):
    ae = derive_adverse_events(con, _protocol(days))
    return {(r.patient_id, r.term): r.treatment_emergent for r in ae.itertuples()}


def test_last_dose_is_latest_end_of_the_combined_course(con):
    ae = derive_adverse_events(con, _protocol(30)).drop_duplicates("patient_id")
    last = ae.set_index("patient_id")["last_dose_date"]
    assert last["A"] == pd.Timestamp("2020-04-01")  # lenvatinib; sorafenib (new therapy) not
    assert last["B"] == pd.Timestamp("2020-12-31")  # ongoing ICI: last contact
    window_end = ae.set_index("patient_id")["window_end_date"]
    assert window_end["A"] == pd.Timestamp("2020-05-01")


def test_ae_20_days_after_last_dose(con):
    assert _flags(con, 30)[("A", "Pneumonitis")]
    assert not _flags(con, 10)[("A", "Pneumonitis")]
    assert _flags(con, None)[("A", "Pneumonitis")]
    # ongoing ICI: 15 days after the last contact
    assert _flags(con, 30)[("B", "Rash maculo-papular")]
    assert not _flags(con, 10)[("B", "Rash maculo-papular")]


def test_window_end_is_inclusive(con):
    assert _flags(con, 30)[("A", "Hypothyroidism")]  # onset = last dose + 30
    assert not _flags(con, 29)[("A", "Hypothyroidism")]
    assert not _flags(con, 90)[("A", "Colitis")]  # last dose + 91
    assert _flags(con, 91)[("A", "Colitis")]


@pytest.mark.parametrize("days", [None, 0, 10, 30, 90, 10_000])
def test_before_first_dose_never_emergent_day_zero_always(con, days):
    flags = _flags(con, days)
    assert not flags[("A", "Fatigue")]
    assert flags[("B", "Fatigue")]  # onset on day 0 counts
    assert flags[("A", "Dermatitis radiation")]


def test_no_window_keeps_every_ae_from_day_zero(con):
    # the default (reference study): the same as before the option existed
    assert BASE.safety.treatment_emergent_days_after_last_dose is None
    flags = _flags(con, None)
    assert sum(flags.values()) == 6 and not flags[("A", "Fatigue")]
    assert flags == {
        k: v for k, v in derive_adverse_events(con).set_index(["patient_id", "term"])[
            "treatment_emergent"].items()
    }  # fmt: skip


def test_worst_grade_counts_only_treatment_emergent(con):
    worst = derive_worst_grade(con, _protocol(10))
    assert set(worst["term"]) == {"Dermatitis radiation", "Fatigue"}
    assert worst.set_index(["patient_id", "term"]).index.tolist() == [
        ("A", "Dermatitis radiation"),
        ("B", "Fatigue"),
    ]
    every = derive_worst_grade(con, _protocol(10), treatment_emergent_only=False)
    assert len(every) == 7
    assert (every["treatment_emergent"].sum(), len(treatment_emergent(every))) == (2, 2)
    pneumonitis = every[every["term"] == "Pneumonitis"].iloc[0]
    assert (pneumonitis["worst_grade"], pneumonitis["treatment_emergent"]) == (3, False)


def test_negative_window_is_refused(con):
    with pytest.raises(ProtocolError, match="treatment_emergent_days_after_last_dose"):
        derive_adverse_events(con, _protocol(-1))
