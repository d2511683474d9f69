"""ADaM-shaped datasets carry CDISC variable names and the derived values unchanged."""

import pytest
from tests.small_study import accepted_tables

from oncorwe.analysis import adam
from oncorwe.analysis.study import analyse_study
from oncorwe.protocol import load_protocol


@pytest.fixture(scope="module")
def data():
    return analyse_study(accepted_tables(), load_protocol("hcc-rt-ici"))[1]


def test_adtte_names_and_values(data):
    out = adam.adtte(data.adtte)
    for name in ("STUDYID", "USUBJID", "PARAMCD", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC"):
        assert name in out.columns
    os_p1 = out[(out["PARAMCD"] == "OS") & (out["USUBJID"] == "P1")].iloc[0]
    assert (os_p1["AVAL"], os_p1["AVALU"], os_p1["CNSR"]) == (365, "DAYS", 0)


def test_adrs_adae_adsl(data):
    rs = adam.adrs(data.adrs)
    assert set(rs["PARAMCD"]) == {"BOR", "CBOR"}
    bor = rs[(rs["USUBJID"] == "P1") & (rs["PARAMCD"] == "BOR") & (rs["PARCAT3"] == "mRECIST")]
    assert bor["AVALC"].iloc[0] == "PR"
    ae = adam.adae(data.adae)
    platelets = ae[ae["AEDECOD"] == "Platelet count decreased"].iloc[0]
    assert (platelets["ATOXGRN"], platelets["AEBODSYS"]) == (3, "Investigations")
    sl = adam.adsl(data.adsl)
    assert {"USUBJID", "TRTSDT", "AGE", "AGEU", "SEX"} <= set(sl.columns)
    assert len(sl) == 3
