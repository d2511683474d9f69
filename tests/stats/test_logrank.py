"""Log-rank / G-rho tests against R's survdiff (fixtures from tests/reference/r/logrank.R)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import StatsInputError
from oncorwe.stats import logrank

TESTS = read_fixture("logrank_tests.csv")
GROUPS = read_fixture("logrank_groups.csv")
PARAMS = [(row.case, row.rho) for row in TESTS.itertuples()]


def run_case(case, rho, folder=None):
    data = read_fixture(f"data_lr_{case}.csv", *([folder] if folder else []))
    strata = data["stratum"] if "stratum" in data else None
    return logrank(data["time"], data["event"], data["group"], strata=strata, rho=rho)


@pytest.mark.parametrize(("case", "rho"), PARAMS)
def test_equals_r_survdiff(case, rho):
    result = run_case(case, rho)
    expected = TESTS[(TESTS["case"] == case) & (TESTS["rho"] == rho)].iloc[0]
    assert result.df == expected["df"]
    assert_close([result.chisq, result.p_value], [expected["chisq"], expected["p_value"]], case)
    groups = GROUPS[(GROUPS["case"] == case) & (GROUPS["rho"] == rho)]
    assert result.table["group"].astype(str).tolist() == groups["group"].astype(str).tolist()
    for column in ["n", "observed", "expected"]:
        assert_close(result.table[column], groups[column], f"{case} {column}")
    assert_close(np.diag(result.variance), groups["variance"], f"{case} variance")


def test_hand_worked_two_groups():
    # group a: events at 1, 3; group b: event at 2, censored at 4
    # t=1: n=4 (a2, b2), d=1 -> E_a = 1/2, V = 1*3/(4*3) * (2/4)(2/4)... = 1/4
    # t=2: n=3 (a1, b2), d=1 -> E_a = 1/3, V = 2/9; t=3: n=2 (a1, b1), E_a = 1/2, V = 1/4
    result = logrank([1, 3, 2, 4], [1, 1, 1, 0], ["a", "a", "b", "b"])
    o_minus_e = 2 - (1 / 2 + 1 / 3 + 1 / 2)
    variance = 1 / 4 + 2 / 9 + 1 / 4
    assert result.chisq == pytest.approx(o_minus_e**2 / variance)
    assert result.method == "log-rank"
    assert json.loads(result.to_json())["df"] == 1


def test_errors():
    with pytest.raises(StatsInputError, match="only one level"):
        logrank([1, 2, 3], [1, 1, 0], ["a", "a", "a"])
    with pytest.raises(StatsInputError, match="missing"):
        logrank([1, 2, 3], [1, 1, 0], ["a", None, "b"])
    with pytest.raises(StatsInputError, match="length mismatch"):
        logrank([1, 2, 3], [1, 1, 0], ["a", "b"])
    with pytest.raises(StatsInputError, match="rho"):
        logrank([1, 2, 3], [1, 1, 0], ["a", "b", "b"], rho=-1)
