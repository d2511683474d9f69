"""Kaplan-Meier against R survival (fixtures from tests/reference/r/kaplan_meier.R) and by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stats_fixtures import assert_close, fit_case, read_fixture

from oncorwe.errors import StatsInputError
from oncorwe.stats import follow_up, kaplan_meier

TABLES = read_fixture("km_tables.csv")
QUANTILES = read_fixture("km_quantiles.csv")
AT = read_fixture("km_at.csv")
AT_TIMES = read_fixture("km_at_times.csv")
FOLLOW_UP = read_fixture("km_follow_up.csv")
CASES = sorted(TABLES["case"].unique())
CONF_TYPES = ["log-log", "log", "plain"]
PARAMS = [(case, conf) for case in CASES for conf in CONF_TYPES]
TABLE_NUMBERS = ["time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"]


def _subset(frame, case, conf_type):
    return frame[(frame["case"] == case) & (frame["conf_type"] == conf_type)]


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
def test_table_equals_r_survfit(case, conf_type):
    expected = _subset(TABLES, case, conf_type)
    fit = fit_case(case, conf_type)
    assert list(fit.table.columns) == TABLE_NUMBERS
    for column in TABLE_NUMBERS:
        assert_close(fit.table[column], expected[column], f"{case} {conf_type} {column}")


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
def test_quantiles_equal_r_quantile_survfit(case, conf_type):
    fit = fit_case(case, conf_type)
    for row in _subset(QUANTILES, case, conf_type).itertuples():
        got = fit.quantile(row.p)
        assert_close(got, [row.estimate, row.lower, row.upper], f"{case} {conf_type} p={row.p}")


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
@pytest.mark.parametrize("extend", [False, True])
def test_at_equals_r_summary_times(case, conf_type, extend):
    fit = fit_case(case, conf_type)
    times = AT_TIMES.loc[AT_TIMES["case"] == case, "time"].to_numpy()
    expected = _subset(AT, case, conf_type)
    expected = expected[expected["extend"] == extend]
    got = fit.at(times, extend=extend)
    assert list(got.columns) == ["time", "surv", "lower", "upper", "n_risk"]
    for column in got.columns:
        assert_close(got[column], expected[column], f"{case} {conf_type} {column}")


@pytest.mark.parametrize(("case", "conf_type"), PARAMS)
def test_follow_up_equals_r_reverse_km(case, conf_type):
    data = read_fixture(f"data_{case}.csv")
    fit = follow_up(
        data["time"],
        data["event"],
        conf_type=conf_type,
        entry=data["entry"] if "entry" in data else None,
        weights=data["weight"] if "weight" in data else None,
    )
    assert fit.estimand == "follow-up"
    for row in _subset(FOLLOW_UP, case, conf_type).itertuples():
        assert_close(fit.quantile(row.p), [row.estimate, row.lower, row.upper], f"{case} p")
    expected = _subset(FOLLOW_UP, case, conf_type)
    assert_close(fit.median, expected[expected["p"] == 0.5].iloc[0, 3:6].to_numpy(float))


def test_hand_worked_example():
    # 6 patients: censored at 1; event at 2, censored at 2; event at 3; two events at 4
    fit = kaplan_meier([1, 2, 2, 3, 4, 4], [0, 1, 0, 1, 1, 1], conf_type="log")
    assert fit.table["n_risk"].tolist() == [6, 5, 3, 2]
    assert fit.table["surv"].tolist() == pytest.approx([1, 0.8, 0.8 * 2 / 3, 0])
    # Greenwood: sqrt(1/(5*4)) then sqrt(1/20 + 1/(3*2)); Inf once everyone has died (R)
    assert fit.table["std_err"].iloc[1] == pytest.approx(np.sqrt(1 / 20))
    assert fit.table["std_err"].iloc[2] == pytest.approx(np.sqrt(1 / 20 + 1 / 6))
    assert np.isinf(fit.table["std_err"].iloc[3])
    assert fit.median.estimate == 4.0
    assert np.isnan(fit.median.upper)  # the upper curve never reaches 0.5


def test_flat_at_half_gives_midpoint():
    fit = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    assert fit.median.estimate == 2.5
    assert fit.quantile(0.25).estimate == 1.5


def test_options_are_recorded_and_serialised():
    fit = kaplan_meier([5, 8, 8, 12], [1, 0, 1, 1], conf_type="plain", conf_level=0.9)
    assert (fit.conf_type, fit.conf_level, fit.n, fit.n_events) == ("plain", 0.9, 4.0, 3.0)
    payload = json.loads(fit.to_json())
    assert payload["conf_type"] == "plain" and payload["variance"] == "greenwood"
    # S = 0.5 on [8, 12): the median is the midpoint, 10 (R's rule)
    assert payload["median"]["estimate"] == 10.0
    assert len(payload["table"]) == 3


def test_default_conf_type_is_log_log():
    assert kaplan_meier([1, 2], [1, 1]).conf_type == "log-log"


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1, -2, 3], [1, 0, 1], "time >= 0"),
        ([1, np.nan, 3], [1, 0, 1], "NaN"),
        ([1, 2, 3], [1, 2, 1], "0 or 1"),
        ([1, 2, 3], [1, 0], "length mismatch"),
        ([], [], "empty"),
    ],
)
def test_bad_input_raises_one_error(time, event, message):
    with pytest.raises(StatsInputError, match=message):
        kaplan_meier(time, event)


def test_bad_options_raise():
    with pytest.raises(StatsInputError, match="conf_type"):
        kaplan_meier([1, 2], [1, 1], conf_type="logit")
    with pytest.raises(StatsInputError, match="conf_level"):
        kaplan_meier([1, 2], [1, 1], conf_level=95)
    with pytest.raises(StatsInputError, match="entry < time"):
        kaplan_meier([1, 2], [1, 1], entry=[0, 2])
    with pytest.raises(StatsInputError, match="weights > 0"):
        kaplan_meier([1, 2], [1, 1], weights=[1, 0])
    with pytest.raises(StatsInputError, match="NaN"):
        kaplan_meier([1, 2], [1, 1]).at([np.nan])
