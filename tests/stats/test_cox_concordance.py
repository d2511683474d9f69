"""Concordance of Cox models against R's coxph (fixture cox_fits.csv, tests/reference/r/cox.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from stats_fixtures import assert_close, read_fixture
from test_cox import PARAMS, fit

from oncorwe.errors import StatsInputError
from oncorwe.stats import concordance, cox_ph

FITS = read_fixture("cox_fits.csv")


@pytest.mark.parametrize(("case", "ties"), PARAMS)
def test_concordance_equals_r(case, ties):
    result = concordance(fit(case, ties))
    expected = FITS[(FITS["case"] == case) & (FITS["ties"] == ties)].iloc[0]
    assert_close(result.estimate, expected["concordance"], f"{case} concordance")
    assert_close(result.std_err, expected["concordance_se"], f"{case} concordance se")


def test_hand_worked_pairs():
    # events at 1 (x=3), 2 (x=1), 4 (x=2); censored 3 (x=0), 5 (x=2)
    data = pd.DataFrame({"t": [1.0, 2, 3, 4, 5], "e": [1, 1, 0, 1, 0], "x": [3.0, 1, 0, 2, 2]})
    model = cox_ph(data, "t", "e", ["x"])
    assert model.coef["x"] > 0  # higher x, earlier event: concordant means larger lp dies first
    result = concordance(model)
    # pairs (i event, j later): (1,2)c (1,3)c (1,4)c (1,5)c (2,3)c (2,4)d (2,5)d (4,5)tie
    assert (result.concordant, result.discordant, result.tied_x) == (5, 2, 1)
    assert result.estimate == pytest.approx((5 + 0.5) / 8)


def test_permutation_invariant():
    model = fit("lung", "efron")
    data = read_fixture("data_cox_lung.csv").sample(frac=1, random_state=3)
    shuffled = cox_ph(data, "time", "event", ["age", "sex", "ph.ecog"])
    a, b = concordance(model), concordance(shuffled)
    assert np.isclose(a.estimate, b.estimate, rtol=1e-12)
    assert np.isclose(a.std_err, b.std_err, rtol=1e-10)


def test_needs_a_cox_model():
    with pytest.raises(StatsInputError, match="cox_ph"):
        concordance(object())
