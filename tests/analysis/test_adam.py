"""ADaM-shaped datasets carry CDISC variable names and the derived values unchanged."""

import dataclasses

import pandas as pd
import pytest
from tests.small_study import accepted_tables

from oncorwe.analysis import adam
from oncorwe.analysis.study import analyse_study
from oncorwe.protocol import load_protocol
from oncorwe.protocol.model import Safety


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


def test_adae_trtemfl_follows_the_safety_window():
    base = load_protocol("hcc-rt-ici")
    outputs, data, _ = analyse_study(accepted_tables(), base)
    flag = adam.adae(data.adae).set_index(["USUBJID", "AEDECOD"])["TRTEMFL"]
    # P6's fatigue began before day 0: in ADAE, TRTEMFL null, and in no safety table
    assert flag[("P6", "Fatigue")] is pd.NA
    assert flag[("P2", "Dermatitis radiation")] == "Y"
    terms = outputs.tables["adverse_events"].set_index("term")
    assert "Fatigue" not in terms.index and terms.loc["Dermatitis radiation", "any_n"] == 3
    # P2's last dose = RT end 2019-12-05; dermatitis on 2019-12-20 = last dose + 15 days
    short = dataclasses.replace(base, safety=Safety(treatment_emergent_days_after_last_dose=10))
    outputs, data, _ = analyse_study(accepted_tables(), short)
    flag = adam.adae(data.adae).set_index(["USUBJID", "AEDECOD"])["TRTEMFL"]
    assert flag[("P2", "Dermatitis radiation")] is pd.NA
    assert outputs.tables["adverse_events"].set_index("term").loc[
        "Dermatitis radiation", "any_n"] == 2  # fmt: skip
    assert outputs.results["safety"]["any_grade_any"]["n"] == 2  # P2 had no other AE
    # the report's methods table shows the window
    methods = [tuple(row[:2]) for row in outputs.methods]
    assert ("safety.treatment_emergent_days_after_last_dose", "10") in methods
