"""RMST against R's survfit rmean and survRM2's formulas (fixtures: tests/reference/r/rmst.R)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import StatsInputError
from oncorwe.stats import rmst, rmst_difference

GROUPS = read_fixture("rmst_groups.csv")
COMPARISONS = read_fixture("rmst_comparisons.csv")
CASES = sorted(set(zip(GROUPS["case"], GROUPS["tau"], strict=True)))
COLUMNS = ["estimate", "se", "lower", "upper"]


def data(case):
    return read_fixture(f"data_rmst_{case}.csv")


@pytest.mark.parametrize(("case", "tau"), CASES)
def test_rmst_equals_r_rmean(case, tau):
    d = data(case)
    result = rmst(d["time"], d["event"], tau)
    expected = GROUPS[(GROUPS["case"] == case) & (GROUPS["tau"] == tau)].iloc[0]
    for column in COLUMNS:
        assert_close(getattr(result, column), expected[column], f"{case} {tau} {column}")


@pytest.mark.parametrize(("case", "tau"), CASES)
def test_difference_and_ratio_equal_survrm2_formulas(case, tau):
    d = data(case)
    result = rmst_difference(d["time"], d["event"], d["group"], tau)
    groups = GROUPS[(GROUPS["case"] == case) & (GROUPS["tau"] == tau) & (GROUPS["group"] != "")]
    assert result.groups.index.tolist() == groups["group"].tolist()
    for column in COLUMNS:
        assert_close(result.groups[column], groups[column], f"{case} groups {column}")
    expected = COMPARISONS[(COMPARISONS["case"] == case) & (COMPARISONS["tau"] == tau)]
    for column in [*COLUMNS, "p"]:
        assert_close(result.table[column], expected[column], f"{case} {tau} {column}")


def test_hand_worked_area():
    # S = 1 on [0,2), 4/5 on [2,4), 4/5 * 2/3 on [4,5]: area to 5 = 2 + 1.6 + 8/15
    result = rmst([2.0, 3, 4, 4, 6], [1, 0, 1, 0, 0], 5)
    assert result.estimate == pytest.approx(2 + 1.6 + 8 / 15)


def test_reference_level_flips_the_difference():
    d = data("aml")
    a = rmst_difference(d["time"], d["event"], d["group"], 40)
    b = rmst_difference(d["time"], d["event"], d["group"], 40, reference=a.other)
    assert np.isclose(a.table.loc["difference", "estimate"], -b.table.loc["difference", "estimate"])
    assert json.loads(a.to_json())["reference"] == a.reference


def test_errors():
    with pytest.raises(StatsInputError, match="tau"):
        rmst([1.0, 2], [1, 0], 0)
    with pytest.raises(StatsInputError, match="2 levels"):
        rmst_difference([1.0, 2, 3], [1, 0, 1], ["a", "b", "c"], 2)
    with pytest.raises(StatsInputError, match="reference"):
        rmst_difference([1.0, 2], [1, 0], ["a", "b"], 2, reference="z")


@given(
    st.lists(st.floats(0.1, 100, allow_nan=False), min_size=2, max_size=40),
    st.floats(0.5, 120),
)
@settings(max_examples=50, deadline=None)
def test_uncensored_rmst_is_mean_of_truncated_times(times, tau):
    # without censoring the Kaplan-Meier curve is the empirical survival function
    result = rmst(times, np.ones(len(times)), tau)
    assert result.estimate == pytest.approx(np.minimum(times, tau).mean(), rel=1e-12)
    assert 0 < result.estimate <= tau


@given(st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_rmst_grows_with_tau(seed):
    rng = np.random.default_rng(seed)
    time, event = rng.exponential(10, 30), rng.integers(0, 2, 30)
    small, large = rmst(time, event, 5).estimate, rmst(time, event, 15).estimate
    assert small <= large <= small + 10
