"""Fine-Gray regression against cmprsk::crr (fixtures from tests/reference/r/competing_risks.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import ConvergenceError, StatsInputError
from oncorwe.stats.fine_gray import fine_gray

COEFS = read_fixture("fg_coefficients.csv")
FITS = read_fixture("fg_fits.csv")
SPECS = {
    "mgus2_pcm": dict(time="etime", cause=1, covariates=["age", "sex", "hgb"]),
    "mgus2_death": dict(time="etime", cause=2, covariates=["age", "sex", "hgb"]),
    "tied": dict(time="time", cause=1, covariates=["x", "arm"]),
}


def fit(case):
    return fine_gray(read_fixture(f"data_fg_{case}.csv"), status="status", **SPECS[case])


@pytest.mark.parametrize("case", SPECS)
def test_coefficients_equal_cmprsk_crr(case):
    model = fit(case)
    expected = COEFS[COEFS["case"] == case]
    assert model.summary.index.tolist() == expected["term"].tolist()
    assert model.summary.columns.tolist() == ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]
    for column in ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]:
        assert_close(model.summary[column], expected[column], f"{case} {column}")


@pytest.mark.parametrize("case", SPECS)
def test_loglik_equals_cmprsk_crr(case):
    model = fit(case)
    expected = FITS[FITS["case"] == case].iloc[0]
    assert model.n == expected["n"]
    assert_close(model.loglik, [expected["loglik_null"], expected["loglik"]], f"{case} loglik")


def test_reference_level_and_counts():
    data = read_fixture("data_fg_tied.csv")
    model = fine_gray(data, "time", "status", 1, ["x", "arm"], reference={"arm": "b"})
    assert model.summary.index.tolist() == ["x", "arma", "armc"]
    assert model.references == {"arm": "b"}
    default = fit("tied")
    # re-coding the reference level leaves the fit unchanged: the x coefficient is the same
    assert model.coef["x"] == pytest.approx(default.coef["x"], rel=1e-9)
    assert model.coef["arma"] == pytest.approx(-default.coef["armb"], rel=1e-9)
    assert model.loglik[1] == pytest.approx(default.loglik[1], rel=1e-12)
    assert (model.n_events, model.n_competing) == ((data["status"] == 1).sum(),
                                                  (data["status"] == 2).sum())  # fmt: skip


def test_row_order_does_not_matter():
    data = read_fixture("data_fg_mgus2_pcm.csv")
    shuffled = data.sample(frac=1, random_state=7).reset_index(drop=True)
    a = fine_gray(data, "etime", "status", 1, ["age", "sex", "hgb"]).summary
    b = fine_gray(shuffled, "etime", "status", 1, ["age", "sex", "hgb"]).summary
    pd.testing.assert_frame_equal(a, b, rtol=1e-9)


def test_without_competing_events_equals_cox_breslow():
    # with no competing events the Fine-Gray risk sets are Cox's: same coefficients (Breslow)
    from oncorwe.stats import cox_ph

    data = read_fixture("data_fg_tied.csv")
    data = data.assign(status=np.where(data["status"] == 2, 0, data["status"]))
    fg = fine_gray(data, "time", "status", 1, ["x"])
    cox = cox_ph(data, "time", "status", ["x"], ties="breslow")
    assert fg.coef["x"] == pytest.approx(cox.coef["x"], rel=1e-5)


def test_json():
    document = json.loads(fit("tied").to_json())
    assert document["method"] == "fine-gray subdistribution hazards"
    assert [row["term"] for row in document["coefficients"]] == ["x", "armb", "armc"]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (dict(cause=3), StatsInputError, "not among the event codes"),
        (dict(time="nope"), StatsInputError, "columns not in the data"),
        (dict(covariates=["zzz"]), StatsInputError, "not in the data"),
    ],
)
def test_bad_input(change, error, message):
    data = read_fixture("data_fg_tied.csv")
    arguments = dict(time="time", status="status", cause=1, covariates=["x"]) | change
    with pytest.raises(error, match=message):
        fine_gray(data, **arguments)


def test_negative_time_and_nan_covariate():
    data = read_fixture("data_fg_tied.csv")
    with pytest.raises(StatsInputError, match="time >= 0"):
        fine_gray(data.assign(time=-data["time"]), "time", "status", 1, ["x"])
    with pytest.raises(StatsInputError, match="NaN"):
        fine_gray(data.assign(x=np.where(data.index == 3, np.nan, data["x"])), "time", "status",
                  1, ["x"])  # fmt: skip


def test_separation_raises_convergence_error():
    # every cause-1 event has x = 1, every other subject x = 0: the coefficient is infinite
    data = pd.DataFrame(
        {"time": np.arange(1, 13), "status": [1, 0, 2, 1, 0, 2, 1, 0, 2, 1, 0, 2]}
    ).assign(x=lambda d: (d["status"] == 1).astype(float))
    with pytest.raises(ConvergenceError):
        fine_gray(data, "time", "status", 1, ["x"])
