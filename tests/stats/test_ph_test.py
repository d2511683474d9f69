"""Proportional-hazards test against R's cox.zph(terms = FALSE) (fixtures from r/cox.R)."""

from __future__ import annotations

import json

import pytest
from stats_fixtures import assert_close, read_fixture
from test_cox import fit

from oncorwe.errors import StatsInputError
from oncorwe.stats import ph_test

TESTS = read_fixture("cox_zph_tests.csv")
RESIDUALS = read_fixture("cox_zph_residuals.csv")
CASES = sorted(set(zip(TESTS["case"], TESTS["ties"], TESTS["transform"], strict=True)))


def select(table, case, ties, transform):
    keep = (table["case"] == case) & (table["ties"] == ties) & (table["transform"] == transform)
    return table[keep]


@pytest.mark.parametrize(("case", "ties", "transform"), CASES)
def test_tests_equal_r_cox_zph(case, ties, transform):
    result = ph_test(fit(case, ties), transform)
    expected = select(TESTS, case, ties, transform)
    assert result.table.index.tolist() == expected["term"].tolist()
    for column in ["chisq", "df", "p"]:
        assert_close(result.table[column], expected[column], f"{case} {transform} {column}")


@pytest.mark.parametrize(("case", "ties", "transform"), [c for c in CASES if c[2] == "km"])
def test_scaled_schoenfeld_residuals_equal_r(case, ties, transform):
    result = ph_test(fit(case, ties), transform).residuals
    expected = select(RESIDUALS, case, ties, transform)
    for term, block in expected.groupby("term", sort=False):
        assert_close(result["time"], block["time"], f"{case} time")
        assert_close(result["transformed_time"], block["x"], f"{case} {transform} x")
        assert_close(result[term], block["residual"], f"{case} {transform} {term}")


def test_json_and_errors():
    result = ph_test(fit("aml", "efron"))
    payload = json.loads(result.to_json())
    assert payload["transform"] == "km" and payload["table"][-1]["term"] == "GLOBAL"
    with pytest.raises(StatsInputError, match="transform"):
        ph_test(fit("aml", "efron"), "log2")
    with pytest.raises(StatsInputError, match="cox_ph"):
        ph_test(None)
