"""Cox models against R's coxph (fixtures from tests/reference/r/cox.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import ConvergenceError, StatsInputError
from oncorwe.stats import cox_ph

COEFS = read_fixture("cox_coefficients.csv")
FITS = read_fixture("cox_fits.csv")
SPECS = {
    "lung": dict(time="time", event="event", covariates=["age", "sex", "ph.ecog"]),
    "lung_strata": dict(time="time", event="event", covariates=["age", "sex"], strata="inst"),
    "lung_robust": dict(
        time="time", event="event", covariates=["age", "sex", "wt.loss"], robust=True
    ),
    "veteran": dict(time="time", event="status", covariates=["trt", "celltype", "karno"]),
    "veteran_entry": dict(time="time", event="status", covariates=["trt", "karno"], entry="entry"),
    "ovarian_weighted": dict(
        time="futime", event="fustat", covariates=["age", "rx"], weights="weight"
    ),
    "mgus2": dict(time="futime", event="death", covariates=["age", "sex", "hgb"]),
    "aml": dict(time="time", event="status", covariates=["x"]),
    "cgd_cluster": dict(
        time="tstop",
        event="status",
        entry="tstart",
        covariates=["treat", "age", "inherit"],
        cluster="id",
    ),
    "tied": dict(time="time", event="event", covariates=["x"]),
}
PARAMS = [(case, ties) for case in SPECS for ties in ("efron", "breslow")]


def fit(case, ties):
    return cox_ph(read_fixture(f"data_cox_{case}.csv"), ties=ties, **SPECS[case])


@pytest.mark.parametrize(("case", "ties"), PARAMS)
def test_coefficients_equal_r_coxph(case, ties):
    model = fit(case, ties)
    expected = COEFS[(COEFS["case"] == case) & (COEFS["ties"] == ties)]
    assert model.summary.index.tolist() == expected["term"].tolist()
    for column in ["coef", "se", "z", "p"]:
        assert_close(model.summary[column], expected[column], f"{case} {ties} {column}")
    if model.robust:
        assert_close(model.summary["naive_se"], expected["naive_se"], f"{case} naive se")
    hr = model.summary["hr"]
    assert_close(hr, np.exp(expected["coef"]), "hr")
    assert (model.summary["hr_lower"] < hr).all() and (hr < model.summary["hr_upper"]).all()


@pytest.mark.parametrize(("case", "ties"), PARAMS)
def test_loglik_and_tests_equal_r(case, ties):
    model = fit(case, ties)
    expected = FITS[(FITS["case"] == case) & (FITS["ties"] == ties)].iloc[0]
    assert model.n == expected["n"]
    assert_close(model.n_events, expected["n_events"], "events")
    assert_close(model.loglik, [expected["loglik_null"], expected["loglik"]], "loglik")
    tests = model.tests["chisq"]
    assert_close(
        tests[["likelihood_ratio", "wald", "score"]],
        expected[["lr", "wald", "score"]].astype(float),
        f"{case} {ties} tests",
    )
    if not np.isnan(expected["robust_score"]):
        assert_close(tests["robust_score"], expected["robust_score"], "robust score")


def test_result_is_serialisable():
    model = fit("aml", "efron")
    payload = json.loads(model.to_json())
    assert payload["ties"] == "efron" and payload["references"] == {"x": "Maintained"}
    assert payload["coefficients"][0]["term"] == "xNonmaintained"


def test_breslow_equals_efron_without_ties():
    data = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 1, 0, 1, 1, 0]})
    data["x"] = [0.1, 0.5, -0.2, 0.7, 0.0, 0.3]
    a = cox_ph(data, "t", "e", ["x"], ties="efron").summary
    b = cox_ph(data, "t", "e", ["x"], ties="breslow").summary
    pd.testing.assert_frame_equal(a, b)


def test_errors():
    data = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [0, 0, 0, 0], "x": [1.0, 2, 3, 4]})
    with pytest.raises(StatsInputError, match="no events"):
        cox_ph(data, "t", "e", ["x"])
    data["e"] = [1, 0, 1, 1]
    data["y"] = 2 * data["x"]
    with pytest.raises(StatsInputError, match="collinear"):
        cox_ph(data, "t", "e", ["x", "y"])
    with pytest.raises(StatsInputError, match="not in the data"):
        cox_ph(data, "t", "e", ["z"])
    with pytest.raises(StatsInputError, match="ties"):
        cox_ph(data, "t", "e", ["x"], ties="exact")
    data["c"] = 1.0
    with pytest.raises(StatsInputError, match="constant"):
        cox_ph(data, "t", "e", ["c"])


def test_separation_raises():
    # every event has x = 1, every censored x = 0, events always first: beta -> infinity
    data = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 0, 0]})
    data["x"] = [1.0, 1, 1, 0, 0, 0]
    with pytest.raises(ConvergenceError, match="infinite"):
        cox_ph(data, "t", "e", ["x"])
