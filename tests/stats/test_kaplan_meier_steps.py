"""The one-pass Kaplan-Meier steps against the same formulas as numpy array expressions."""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._kaplan_meier_steps import survival_steps


def steps_by_arrays(n_event, n_risk):
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        increment = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    return surv, np.sqrt(np.cumsum(increment))


@pytest.mark.parametrize("seed", range(4))
def test_same_bits_as_array_expressions(seed):
    rng = np.random.default_rng(seed)
    leaving = rng.integers(1, 4, 300).astype(float)
    if seed % 2:
        leaving = leaving * rng.uniform(0.5, 2, 300)  # case weights
    n_event = np.floor(leaving * rng.random(300) * 1.2)
    n_event = np.minimum(n_event, leaving)
    n_event[-1] = leaving[-1]  # everyone left fails: S = 0 and std.err = Inf
    n_risk = np.cumsum(leaving[::-1])[::-1]
    got, expected = survival_steps(n_event, n_risk), steps_by_arrays(n_event, n_risk)
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64))
