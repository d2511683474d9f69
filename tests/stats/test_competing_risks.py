"""Cumulative incidence and Gray's test against R (fixtures from
tests/reference/r/competing_risks.R): survfit multi-state, cmprsk::cuminc."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import StatsInputError
from oncorwe.stats.competing_risks import cumulative_incidence
from oncorwe.stats.gray_test import gray_test
from oncorwe.stats.kaplan_meier import kaplan_meier

TABLES = read_fixture("cr_tables.csv")
AT = read_fixture("cr_at.csv")
AT_TIMES = read_fixture("cr_at_times.csv")
CUMINC = read_fixture("cr_cuminc.csv")
GRAY = read_fixture("cr_gray.csv")
CURVES = sorted(TABLES.groupby(["case", "group", "cause", "conf_type"]).groups)
CUMINC_CURVES = sorted(CUMINC.groupby(["case", "group", "cause"]).groups)


def data_for(case: str, group: str) -> pd.DataFrame:
    data = read_fixture(f"data_cr_{case}.csv")
    return data if group == "(all)" else data[data["group"] == group]


def select(frame: pd.DataFrame, **keys) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in keys.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]


@pytest.mark.parametrize(("case", "group", "cause", "conf_type"), CURVES)
def test_table_equals_r_survfit_multistate(case, group, cause, conf_type):
    data = data_for(case, group)
    fit = cumulative_incidence(data["time"], data["status"], cause, conf_type=conf_type)
    expected = select(TABLES, case=case, group=group, cause=cause, conf_type=conf_type)
    assert fit.table["time"].tolist() == expected["time"].tolist()
    for column in ["n_risk", "n_event"]:
        assert fit.table[column].tolist() == expected[column].astype(int).tolist()
    for column in ["estimate", "std_err", "lower", "upper"]:
        assert_close(fit.table[column], expected[column], f"{case} {group} {cause} {column}")


@pytest.mark.parametrize(("case", "group", "cause", "conf_type"), CURVES)
def test_at_equals_r_summary_times(case, group, cause, conf_type):
    data = data_for(case, group)
    fit = cumulative_incidence(data["time"], data["status"], cause, conf_type=conf_type)
    times = AT_TIMES.loc[AT_TIMES["case"] == case, "time"].to_numpy()
    expected = select(AT, case=case, group=group, cause=cause, conf_type=conf_type)
    got = fit.at(times, extend=True)
    assert_close(got["time"], expected["time"], "time")
    assert got["n_risk"].tolist() == expected["n_risk"].astype(int).tolist()
    for column in ["estimate", "std_err", "lower", "upper"]:
        assert_close(got[column], expected[column], f"{case} {group} {cause} at {column}")


@pytest.mark.parametrize(("case", "group", "cause"), CUMINC_CURVES)
def test_estimate_and_variance_equal_cmprsk_cuminc(case, group, cause):
    data = data_for(case, group)
    table = cumulative_incidence(data["time"], data["status"], cause).table.set_index("time")
    expected = select(CUMINC, case=case, group=group, cause=cause)
    rows = table.loc[expected["time"]]
    assert_close(rows["estimate"], expected["estimate"], f"{case} {group} {cause} cuminc est")
    assert_close(rows["cmprsk_var"], expected["var"], f"{case} {group} {cause} cuminc var")


@pytest.mark.parametrize(
    ("case", "rho", "cause"),
    list(GRAY[["case", "rho", "cause"]].itertuples(index=False, name=None)),
)
def test_gray_test_equals_cmprsk(case, rho, cause):
    data = read_fixture(f"data_cr_{case}.csv")
    expected = select(GRAY, case=case, rho=rho, cause=cause).iloc[0]
    strata = data["stratum"] if "stratum" in data else None
    test = gray_test(data["time"], data["status"], cause, data["group"], rho=rho, strata=strata)
    assert test.strata == (() if strata is None else tuple(sorted(set(strata))))
    assert_close(test.chisq, expected["chisq"], f"{case} {rho} {cause} chisq")
    assert test.df == expected["df"]
    # R's 1 - pchisq underflows to 0 where the survival function does not
    if expected["p_value"] > 0:
        assert_close(test.p_value, expected["p_value"], f"{case} {rho} {cause} p")
    else:
        assert test.p_value < 1e-40


def test_grouped_fit_carries_gray_test_and_group_tables():
    data = read_fixture("data_cr_mgus2_sex.csv")
    fit = cumulative_incidence(data["time"], data["status"], 1, group=data["group"])
    expected = select(GRAY, case="mgus2_sex", rho=0, cause=1).iloc[0]
    assert fit.groups == ("F", "M")
    assert_close(fit.gray_test.chisq, expected["chisq"], "grouped chisq")
    assert_close(fit.gray_test.p_value, expected["p_value"], "grouped p")
    assert fit.table.columns[0] == "group"
    for level in fit.groups:
        alone = cumulative_incidence(
            data.loc[data["group"] == level, "time"], data.loc[data["group"] == level, "status"], 1
        ).table
        part = fit.table[fit.table["group"] == level].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)
    at = fit.at([0, 100, 200])
    assert at.columns.tolist() == ["group", "time", "estimate", "std_err", "lower", "upper",
                                   "n_risk"]  # fmt: skip
    assert set(at["group"]) == {"F", "M"}


def test_hand_worked_example():
    # 4 subjects: cause 1 at t=1, cause 2 at t=2, censored at 2, cause 1 at 3.
    # S(1) = 3/4; F1 = 1/4 at 1; S(2) = 3/4 * 2/3 = 1/2; F1(3) = 1/4 + 1/2 * 1/1 = 3/4.
    fit = cumulative_incidence([1, 2, 2, 3], [1, 2, 0, 1], cause=1)
    np.testing.assert_allclose(fit.table["estimate"], [0.25, 0.25, 0.75])
    # first step: binomial SE sqrt(p (1 - p) / n) = sqrt(3 / 64)
    assert fit.table["std_err"].iloc[0] == pytest.approx(np.sqrt(3 / 64), rel=1e-12)
    assert fit.table["n_risk"].tolist() == [4, 3, 1]
    assert fit.n_events == 2 and fit.causes == (1, 2)


def test_json_round_trip():
    data = read_fixture("data_cr_tied.csv")
    fit = cumulative_incidence(data["time"], data["status"], 2, group=data["group"])
    document = json.loads(fit.to_json())
    assert document["method"] == "aalen-johansen" and document["cause"] == 2
    assert document["gray_test"]["df"] == 2
    assert len(document["table"]) == len(fit.table)
    assert fit.gray_test.to_dict()["chisq"] == pytest.approx(fit.gray_test.chisq)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(time=[1, 2, 3], status=[0, 1, 2], cause=3), "not among the event codes"),
        (dict(time=[1, 2, 3], status=[0, 1, 2], cause=0), "censoring code"),
        (dict(time=[1, -2, 3], status=[0, 1, 2], cause=1), "time >= 0"),
        (dict(time=[1, np.nan, 3], status=[0, 1, 2], cause=1), "NaN"),
        (dict(time=[1, 2, 3], status=[0, np.nan, 2], cause=1), "NaN"),
        (dict(time=[1, 2], status=[0, 1, 2], cause=1), "length mismatch"),
        (dict(time=[1, 2, 3], status=[0, 1, 2], cause=1, group=["a", "a", "a"]), "one level"),
        (dict(time=[1, 2, 3], status=[0, 1, 2], cause=1, conf_type="logit"), "conf_type"),
    ],
)
def test_bad_input_raises_stats_input_error(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        cumulative_incidence(**kwargs)


def test_gray_test_bad_input():
    with pytest.raises(StatsInputError, match="one level"):
        gray_test([1, 2, 3], [1, 2, 0], 1, ["a", "a", "a"])
    with pytest.raises(StatsInputError, match="not among"):
        gray_test([1, 2, 3], [1, 2, 0], 5, ["a", "b", "a"])


# property tests on random data

samples = st.lists(
    st.tuples(st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=3)),
    min_size=1,
    max_size=60,
).filter(lambda rows: any(status for _, status in rows))


def test_log_log_limits_where_the_estimate_reaches_one_equal_r():
    """Every patient has the event of interest by the last time: the estimate is 1 (ours a
    rounding above it), and R's log-log limits there are NA, never an infinite upper limit.
    R 4.x, survival: survfit(Surv(t, factor(s, 0:1)) ~ 1, conf.type = "log-log") with
    t = c(0, 0, 0, 0, 1, 1, 2), s = c(0, 0, 0, 1, 1, 1, 1)."""
    time = np.array([0, 0, 0, 0, 1, 1, 2])
    status = np.array([0, 0, 0, 1, 1, 1, 1])
    table = cumulative_incidence(time, status, 1, conf_type="log-log").table
    np.testing.assert_allclose(table["estimate"], [1 / 7, 5 / 7, 1.0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        table["lower"].iloc[:2], [0.0071238640762384597, 0.0970655225472416422], rtol=1e-9
    )
    np.testing.assert_allclose(
        table["upper"].iloc[:2], [0.46494135531550684, 0.95261908147101271], rtol=1e-9
    )
    assert np.isnan(table["lower"].iloc[2]) and np.isnan(table["upper"].iloc[2])


@settings(max_examples=150, deadline=None)
@given(samples)
def test_all_causes_plus_km_equals_one(rows):
    time, status = (np.array(v) for v in zip(*rows, strict=True))
    causes = np.unique(status[status != 0])
    total = kaplan_meier(time, status != 0).table["surv"].to_numpy()
    for cause in causes:
        total = total + cumulative_incidence(time, status, cause).table["estimate"].to_numpy()
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(samples, st.sampled_from(["log-log", "log", "plain"]))
def test_estimates_in_unit_interval_and_non_decreasing(rows, conf_type):
    time, status = (np.array(v) for v in zip(*rows, strict=True))
    for cause in np.unique(status[status != 0]):
        table = cumulative_incidence(time, status, cause, conf_type=conf_type).table
        estimate = table["estimate"].to_numpy()
        assert np.all((estimate >= 0) & (estimate <= 1 + 1e-12))
        assert np.all(np.diff(estimate) >= -1e-15)
        assert np.all(table["std_err"].to_numpy() >= 0)
        lower, upper = table["lower"].to_numpy(), table["upper"].to_numpy()
        ok = ~np.isnan(lower)
        assert np.all(lower[ok] >= 0) and np.all(lower[ok] <= estimate[ok] + 1e-12)
        ok = ~np.isnan(upper)
        assert np.all(upper[ok] <= 1 + 1e-12) and np.all(upper[ok] >= estimate[ok] - 1e-12)


@settings(max_examples=100, deadline=None)
@given(samples, st.randoms(use_true_random=False))
def test_permutation_invariance(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    time, status = zip(*rows, strict=True)
    time2, status2 = zip(*shuffled, strict=True)
    group = [i % 2 for i in range(len(rows))]
    group2 = [group[rows.index(row)] for row in shuffled] if len(set(rows)) == len(rows) else None
    cause = next(s for s in status if s)
    a = cumulative_incidence(time, status, cause)
    b = cumulative_incidence(time2, status2, cause)
    pd.testing.assert_frame_equal(a.table, b.table)
    if group2 is not None and len(set(group)) == 2:
        try:
            g1 = gray_test(time, status, cause, group)
        except StatsInputError:
            return
        g2 = gray_test(time2, status2, cause, group2)
        assert g1.chisq == pytest.approx(g2.chisq, rel=1e-9, abs=1e-12)
