"""CDISC SDTM as a source: pharmaverse's domains read as oncorwe inputs give, per subject, the
best overall response (BOR) and confirmed BOR (CBOR) that admiralonco derives (adrs_onco), and
the PFS and OS (days, CNSR) of adtte_onco."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from oncorwe.cohort import COHORT_SCHEMA
from oncorwe.derive import sources
from oncorwe.derive.best_response import best_overall_response
from oncorwe.derive.frames import query_frames
from oncorwe.derive.time_to_event import derive_time_to_event
from oncorwe.engine.tables import contract_schema, contract_tables
from oncorwe.errors import InputError
from oncorwe.io.formats.sdtm import (
    impute_last,
    sdtm_deaths,
    sdtm_origin,
    sdtm_tumor_assessments,
)
from oncorwe.io.formats.sdtm_source import read_domains
from oncorwe.io.formats.sdtm_tables import sdtm_patients
from oncorwe.io.schema import TABLES

DATA = Path(__file__).parent / "sdtm_data" / "sdtm"
ADAM = Path(__file__).parent / "sdtm_data" / "adam"


@pytest.fixture(scope="module")
def expected():
    frame = pd.read_csv(ADAM / "adrs_onco_bor.csv", dtype=str, keep_default_na=False)
    return frame.replace({"": pd.NA, "NA": pd.NA})  # R writes a missing value as NA


@pytest.mark.parametrize(("confirm", "paramcd"), [(False, "BOR"), (True, "CBOR")])
def test_bor_per_subject_equals_admiralonco(expected, confirm, paramcd):
    origin = sdtm_origin(DATA, "randomization")
    assessments = sdtm_tumor_assessments(DATA)
    bor = best_overall_response(assessments, origin, "RECIST1.1", confirm=confirm)
    want = expected[expected["PARAMCD"] == paramcd].set_index("USUBJID")
    got = bor.set_index("patient_id")
    # every randomised subject: same category and date (254 subjects, 8 with assessments)
    assert len(got) == 254 and set(got.index) <= set(want.index)
    assert got["bor"].to_dict() == want.loc[got.index, "AVALC"].to_dict()
    dates = pd.to_datetime(want.loc[got.index, "ADT"])
    assert (got["bor_date"].fillna(pd.Timestamp(0)) == dates.fillna(pd.Timestamp(0))).all()
    # subjects never randomised (screen failures) have no origin: admiralonco says MISSING
    assert (want.drop(index=got.index)["AVALC"] == "MISSING").all()


def test_origin_at_randomisation_equals_admiral_randdt(expected):
    origin = sdtm_origin(DATA, "randomization").set_index("patient_id")["index_date"]
    randdt = expected.dropna(subset=["RANDDT"]).drop_duplicates("USUBJID").set_index("USUBJID")
    assert origin.to_dict() == pd.to_datetime(randdt["RANDDT"]).to_dict()


def test_origin_at_first_dose_is_the_earliest_exposure():
    first = sdtm_origin(DATA, "first_dose").set_index("patient_id")["index_date"]
    ex = pd.read_csv(DATA / "ex.csv", dtype=str)
    earliest = pd.to_datetime(ex["EXSTDTC"].str[:10]).groupby(ex["USUBJID"]).min()
    assert (first.loc[earliest.index] == earliest).all()
    dm = pd.read_csv(DATA / "dm.csv", dtype=str)  # DM's RFXSTDTC is the same first dose
    dosed = dm.dropna(subset=["RFXSTDTC"]).set_index("USUBJID")["RFXSTDTC"]
    assert (first.loc[dosed.index] == pd.to_datetime(dosed)).all()


def test_partial_dates_are_imputed_to_the_last_day():
    got = impute_last(pd.Series(["2014-02", "2013", "2014-03-06T10:00", None, "bad"]))
    assert got.tolist()[:3] == [
        pd.Timestamp("2014-02-28"), pd.Timestamp("2013-12-31"), pd.Timestamp("2014-03-06"),
    ]  # fmt: skip
    assert got[3:].isna().all()


def test_investigator_time_points_only():
    assessments = sdtm_tumor_assessments(DATA)
    assert len(assessments) == 22  # 66 OVRLRESP records, one in three by the investigator
    assert set(assessments["criteria"]) == {"RECIST1.1"}


def test_missing_domain_and_bad_origin(tmp_path):
    with pytest.raises(InputError, match="SDTM domain DS missing"):
        sdtm_origin(tmp_path, "randomization")
    with pytest.raises(InputError, match="randomization"):
        sdtm_origin(DATA, "consent")


T = contract_tables({"cohort": COHORT_SCHEMA})


@pytest.fixture(scope="module")
def sdtm_store():
    """The SDTM subjects' origin, patients (deaths; last date known alive as admiral's ADSL
    LSTALVDT, or the death date) and overall responses as the builders' tables."""
    patients = sdtm_patients(read_domains(DATA)).frame.set_index("patient_id")
    alive = pd.to_datetime(patients["last_contact_date"])
    deaths = sdtm_deaths(DATA)
    frames = {
        "cohort": (sdtm_origin(DATA, "randomization"), COHORT_SCHEMA),
        "progression_events": (
            pd.DataFrame({"patient_id": []}),
            contract_schema(TABLES["progression_events"]),
        ),
    }
    for name, frame in (
        ("patients", deaths.assign(last_contact_date=deaths["patient_id"].map(alive))),
        ("tumor_assessments", sdtm_tumor_assessments(DATA)),
    ):
        frames[name] = (frame, contract_schema(TABLES[name]))
    return lambda expression: query_frames(expression, frames)


def _adtte(paramcd: str) -> pd.DataFrame:
    frame = pd.read_csv(ADAM / "adtte_onco_os_pfs.csv", dtype=str)
    frame = frame[frame["PARAMCD"] == paramcd].set_index("USUBJID")
    return frame.assign(ADT=pd.to_datetime(frame["ADT"]), AVAL=frame["AVAL"].astype(int))


def test_pfs_per_subject_equals_admiralonco(sdtm_store):
    # admiralonco: pd_event, death_event; lasta_censor, rand_censor (CNSR 1 for every censoring)
    pfs = sdtm_store(derive_time_to_event(
        T, "PFS", "Progression-free survival",
        [sources.progression_assessment, sources.death],
        [sources.last_assessment, sources.origin_censor],
    )).set_index("patient_id")  # fmt: skip
    want = _adtte("PFS")
    assert len(pfs) == len(want) == 254 and set(pfs.index) == set(want.index)
    want = want.loc[pfs.index]
    assert (pfs["adt"] == want["ADT"]).all()
    assert ((pfs["cnsr"] > 0).astype(int) == want["CNSR"].astype(int)).all()
    # ADTTE's AVAL counts the origin day as day 1 (admiral: ADT - STARTDT + 1); oncorwe's not
    assert (pfs["aval"] + 1 == want["AVAL"]).all()


def test_os_per_subject_equals_admiralonco(sdtm_store):
    # admiralonco: death_event; lastalive_censor (ADSL LSTALVDT), rand_censor
    os_ = sdtm_store(derive_time_to_event(
        T, "OS", "Overall survival", [sources.death],
        [sources.last_alive, sources.origin_censor],
    )).set_index("patient_id")  # fmt: skip
    want = _adtte("OS")
    assert len(os_) == len(want) == 254 and set(os_.index) == set(want.index)
    want = want.loc[os_.index]
    assert ((os_["cnsr"] > 0).astype(int) == want["CNSR"].astype(int)).all()
    assert (os_["cnsr"] == 0).sum() == 3
    assert (os_["adt"] == want["ADT"]).all()
    assert (os_["aval"] + 1 == want["AVAL"]).all()
