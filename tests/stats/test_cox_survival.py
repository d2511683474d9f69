"""Cox model survival curves against R's survfit.coxph (fixture cox_survival.csv, r/cox.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from stats_fixtures import assert_close, read_fixture
from test_cox import fit

from oncorwe.errors import StatsInputError
from oncorwe.stats import cox_survival

CURVES = read_fixture("cox_survival.csv")
CASES = sorted(set(zip(CURVES["case"], CURVES["ties"], strict=True)))
NEW_ROWS = [1, 4, 8]  # R's rows 2, 5, 9
COLUMNS = ["time", "n_risk", "n_event", "n_censor", "surv", "cumhaz", "std_err", "lower", "upper"]


def curves(case, ties):
    model = fit(case, ties)
    data = read_fixture(f"data_cox_{case}.csv")
    baseline = cox_survival(model).table
    predicted = cox_survival(model, data.iloc[NEW_ROWS]).table
    return pd.concat([baseline, predicted], ignore_index=True)


@pytest.mark.parametrize(("case", "ties"), CASES)
def test_curves_equal_r_survfit(case, ties):
    got = curves(case, ties)
    expected = CURVES[(CURVES["case"] == case) & (CURVES["ties"] == ties)]
    assert got["profile"].tolist() == expected["profile"].tolist()
    stratum = expected["stratum"].fillna("").astype(str).tolist()
    assert [s.removesuffix(".0") for s in got["stratum"]] == stratum
    for column in COLUMNS:
        assert_close(got[column], expected[column], f"{case} {ties} {column}")


def test_options_and_json():
    model = fit("aml", "efron")
    result = cox_survival(model, conf_type="log-log", conf_level=0.9)
    payload = json.loads(result.to_json())
    assert payload["centring"] == "means" and payload["conf_type"] == "log-log"
    table = result.table
    assert np.all(np.diff(table["surv"]) <= 0)
    assert np.all((table["lower"] <= table["surv"]) | table["lower"].isna())


def test_newdata_errors():
    model = fit("veteran", "efron")
    data = read_fixture("data_cox_veteran.csv").iloc[:2].copy()
    with pytest.raises(StatsInputError, match="missing"):
        cox_survival(model, data.drop(columns="karno"))
    data["celltype"] = "unknown"
    with pytest.raises(StatsInputError, match="level 'unknown'"):
        cox_survival(model, data)
    strata_model = fit("lung_strata", "efron")
    with pytest.raises(StatsInputError, match="stratified"):
        cox_survival(strata_model, read_fixture("data_cox_lung.csv").drop(columns="inst"))


def test_profiles_have_proportional_cumulative_hazards():
    model = fit("veteran", "efron")
    data = read_fixture("data_cox_veteran.csv")
    table = cox_survival(model, data.iloc[NEW_ROWS]).table
    one, two = (table[table["profile"] == k]["cumhaz"].to_numpy() for k in (1, 2))
    ratio = two[one > 0] / one[one > 0]
    assert np.allclose(ratio, ratio[0], rtol=1e-12)  # exp((z2 - z1) beta) at every time
    assert ((table["surv"] >= 0) & (table["surv"] <= 1)).all()
