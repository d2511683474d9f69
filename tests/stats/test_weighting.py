"""IPTW and standardized mean differences against R glm and R formulas (r/weighting.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import ConvergenceError, StatsInputError
from oncorwe.stats import iptw, kaplan_meier, standardized_mean_differences

COEFS = read_fixture("weighting_coefficients.csv")
WEIGHTS = read_fixture("weighting_weights.csv")
SMD = read_fixture("weighting_smd.csv")
COVARIATES = {
    "lung": ["age", "sex", "wt.loss", "meal.cal"],
    "veteran": ["karno", "age", "prior", "celltype"],
}
VARIANTS = {
    "ate": ("ATE", False),
    "ate_stabilized": ("ATE", True),
    "att": ("ATT", False),
    "att_stabilized": ("ATT", True),
}


def data(case):
    return read_fixture(f"data_weighting_{case}.csv")


@pytest.mark.parametrize("case", COVARIATES)
def test_propensity_model_equals_r_glm(case):
    result = iptw(data(case), "treated", COVARIATES[case])
    expected = COEFS[COEFS["case"] == case]
    assert result.coefficients.index.tolist() == expected["term"].tolist()
    for column in ["coef", "se", "z", "p"]:
        assert_close(result.coefficients[column], expected[column], f"{case} {column}")


@pytest.mark.parametrize("case", COVARIATES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_weights_equal_r(case, variant):
    estimand, stabilized = VARIANTS[variant]
    result = iptw(data(case), "treated", COVARIATES[case], estimand, stabilized)
    expected = WEIGHTS[WEIGHTS["case"] == case]
    assert_close(result.propensity, expected["propensity"], f"{case} propensity")
    assert_close(result.weights, expected[variant], f"{case} {variant}")


@pytest.mark.parametrize("case", COVARIATES)
@pytest.mark.parametrize(
    ("label", "variant"), [("none", None), ("ate_stabilized", "ate_stabilized"), ("att", "att")]
)
def test_smd_equals_r(case, label, variant):
    d = data(case)
    weights = None
    if variant:
        weights = iptw(d, "treated", COVARIATES[case], *VARIANTS[variant]).weights
    result = standardized_mean_differences(d, "treated", COVARIATES[case], weights)
    expected = SMD[(SMD["case"] == case) & (SMD["weights"] == label)]
    assert result["variable"].tolist() == expected["variable"].tolist()
    assert result["type"].tolist() == expected["type"].tolist()
    for column in ["mean_treated", "mean_control", "smd"]:
        assert_close(result[column], expected[column], f"{case} {label} {column}")


def test_weighting_improves_balance_and_feeds_kaplan_meier():
    d = data("veteran")
    result = iptw(d, "treated", COVARIATES["veteran"])
    balance = result.balance
    assert balance["smd_weighted"].abs().max() < balance["smd_unweighted"].abs().max()
    fit = kaplan_meier(d["karno"], np.ones(len(d)), weights=result.weights)
    assert fit.weighted
    assert json.loads(result.to_json())["estimand"] == "ATE"


def test_errors():
    d = data("lung")
    with pytest.raises(StatsInputError, match="estimand"):
        iptw(d, "treated", ["age"], estimand="ATC")
    with pytest.raises(StatsInputError, match="same treatment"):
        iptw(d.assign(treated=1), "treated", ["age"])
    separated = pd.DataFrame({"t": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(ConvergenceError, match="separation|convergence"):
        iptw(separated, "t", ["x"])
