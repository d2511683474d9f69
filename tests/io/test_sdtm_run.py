"""Acceptance: ``oncorwe run`` on pharmaverse's SDTM domains (built-in protocol ``sdtm-trial``)
writes ADaM datasets whose BOR and confirmed BOR per subject equal pharmaverseadam's adrs_onco,
and whose OS and PFS (ADT, AVAL in days, CNSR) per subject equal adtte_onco, the censoring dates
of the living (admiral's LSTALVDT) included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from oncorwe.cli import main

DATA = Path(__file__).parent / "sdtm_data"


@pytest.fixture(scope="module")
def adam(tmp_path_factory):
    out = tmp_path_factory.mktemp("sdtm-run")
    code = main(
        ["run", "--data", str(DATA / "sdtm"), "--protocol", "sdtm-trial", "--out", str(out)]
    )
    assert code == 0
    return {
        name: pd.read_parquet(out / "adam" / f"{name}.parquet").set_index("USUBJID")
        for name in ("adrs", "adtte")
    }


def _expected(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / "adam" / name, dtype=str, keep_default_na=False)
    return frame.replace({"": pd.NA, "NA": pd.NA}).set_index("USUBJID")


@pytest.mark.parametrize("paramcd", ["BOR", "CBOR"])
def test_best_response_per_subject_equals_adrs_onco(adam, paramcd):
    got = adam["adrs"]
    got = got[got["PARAMCD"] == paramcd]
    want = _expected("adrs_onco_bor.csv")
    want = want[want["PARAMCD"] == paramcd].loc[got.index]
    assert len(got) == 254  # every randomised subject; the 52 screen failures have no origin
    assert got["AVALC"].to_dict() == want["AVALC"].to_dict()
    assert (pd.to_datetime(got["ADT"]).fillna(pd.Timestamp(0)) == pd.to_datetime(
        want["ADT"]).fillna(pd.Timestamp(0))).all()  # fmt: skip
    assert (got["AVALC"] != "MISSING").sum() == 8


@pytest.mark.parametrize("paramcd", ["OS", "PFS"])
def test_survival_per_subject_equals_adtte_onco(adam, paramcd):
    got = adam["adtte"]
    got = got[got["PARAMCD"] == paramcd]
    want = _expected("adtte_onco_os_pfs.csv")
    want = want[want["PARAMCD"] == paramcd]
    assert sorted(got.index) == sorted(want.index) and len(got) == 254
    want = want.loc[got.index]
    assert ((got["CNSR"] > 0).astype(int) == want["CNSR"].astype(int)).all()
    assert (pd.to_datetime(got["STARTDT"]) == pd.to_datetime(want["STARTDT"])).all()
    assert (pd.to_datetime(got["ADT"]) == pd.to_datetime(want["ADT"])).all()
    # the protocol counts day 0 as day 1 (survival.count_origin_day), as admiralonco's AVAL
    assert (got["AVAL"].astype(int) == want["AVAL"].astype(int)).all()
    assert (got["CNSR"] == 0).sum() == {"OS": 3, "PFS": 6}[paramcd]
