"""Per-row pair counts of the concordance sweeps against a plain loop over all pairs."""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._pair_counts import pair_counts
from oncorwe.stats.cox_concordance import _time_keys


def counts_by_pairs(time, event, entry, stratum, lp, weights):
    """Every ordered pair checked by its definition (R's concordance for a Cox model)."""
    n = time.size
    counts = np.zeros((n, 3))
    tied_events = 0.0
    for i in np.flatnonzero(event == 1):
        for j in range(n):
            if j == i or stratum[j] != stratum[i]:
                continue
            if event[j] == 1 and time[j] == time[i]:
                tied_events += weights[i] * weights[j] / 2
                continue
            later = time[j] > time[i] or (time[j] == time[i] and event[j] == 0)
            at_risk = entry is None or entry[j] < time[i]
            if later and at_risk:
                # concordant: the earlier event has the larger predictor
                column = 0 if lp[i] > lp[j] else 1 if lp[i] < lp[j] else 2
                counts[i, column] += weights[j]
                counts[j, column] += weights[i]
    return counts, tied_events


@pytest.mark.parametrize("seed", range(12))
def test_pair_counts_equal_a_loop_over_pairs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    # few distinct values: ties in time, in predictor and between time and entry
    time = rng.integers(1, 8, n).astype(float)
    event = (rng.random(n) < 0.6).astype(np.int64)
    entry = None
    if seed % 3 == 1:
        entry = np.floor(rng.random(n) * time)
    stratum = rng.integers(0, 1 + seed % 4, n)
    lp = rng.integers(0, 5, n) / 3
    weights = np.ones(n) if seed % 2 else rng.integers(1, 4, n).astype(float)
    key, order, entry_key, entry_row, span = _time_keys(time, event, entry, stratum)
    rank = np.unique(lp, return_inverse=True)[1].ravel().astype(np.int64)
    counts, tied = pair_counts(key, entry_key, entry_row, rank[order], weights[order], span)
    expected, expected_tied = counts_by_pairs(time, event, entry, stratum, lp, weights)
    np.testing.assert_allclose(counts, expected[order], atol=1e-12)
    assert tied == pytest.approx(expected_tied)
