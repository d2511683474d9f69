"""Binomial confidence intervals against R's binom.test and prop.test(correct = FALSE)."""

from __future__ import annotations

import pytest
from stats_fixtures import assert_close, read_fixture

from oncorwe.errors import StatsInputError
from oncorwe.stats import binomial_ci

BINOMIAL = read_fixture("binomial_ci.csv")


@pytest.mark.parametrize("row", list(BINOMIAL.itertuples()), ids=lambda r: f"{r.k}/{r.n}")
def test_equals_r(row):
    exact = binomial_ci(int(row.k), int(row.n), conf_level=row.conf_level)
    wilson = binomial_ci(int(row.k), int(row.n), method="wilson", conf_level=row.conf_level)
    assert_close([exact.lower, exact.upper], [row.exact_lower, row.exact_upper], "exact")
    assert_close([wilson.lower, wilson.upper], [row.wilson_lower, row.wilson_upper], "wilson")
    assert exact.estimate == row.k / row.n and exact.method == "exact"


def test_seed_study_orr():
    # 81 / 108 responders: R binom.test gives 0.6574881 - 0.8283356
    ci = binomial_ci(81, 108)
    assert (round(ci.lower, 7), round(ci.upper, 7)) == (0.6574881, 0.8283356)
    assert ci.to_dict()["n"] == 108


@pytest.mark.parametrize(("k", "n"), [(3, 2), (-1, 5), (1, 0), (1.5, 4)])
def test_bad_counts(k, n):
    with pytest.raises(StatsInputError):
        binomial_ci(k, n)


def test_bad_method():
    with pytest.raises(StatsInputError, match="method"):
        binomial_ci(1, 2, method="agresti")


def test_empty_gives_nan_when_asked():
    empty = binomial_ci(0, 0, when_empty="nan")
    assert (empty.k, empty.n) == (0, 0)
    assert all(v != v for v in (empty.estimate, empty.lower, empty.upper))
    with pytest.raises(StatsInputError):
        binomial_ci(0, 0)
    with pytest.raises(StatsInputError, match="when_empty"):
        binomial_ci(1, 2, when_empty="zero")
