"""CDISC SDTM as a source: pharmaverse's domains read as oncorwe inputs give, per subject, the
best overall response (BOR) and confirmed BOR (CBOR) that admiralonco derives (adrs_onco)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from oncorwe.derive.best_response import best_overall_response
from oncorwe.errors import InputError
from oncorwe.io.formats.sdtm import impute_last, sdtm_origin, sdtm_tumor_assessments

DATA = Path(__file__).parent / "sdtm_data"


@pytest.fixture(scope="module")
def expected():
    frame = pd.read_csv(DATA / "adrs_onco_bor.csv", dtype=str, keep_default_na=False)
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
