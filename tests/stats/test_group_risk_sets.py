"""Events and numbers at risk per group from the merge pass, against counting by definition."""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._group_risk_sets import group_risk_sets


@pytest.mark.parametrize("seed", range(6))
def test_counts_equal_their_definition(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 300)), int(rng.integers(1, 5))
    # ties within and across groups, a zero time, and groups that may be empty
    time = rng.integers(0, 40, n) / 4
    event = (rng.random(n) < 0.5).astype(float)
    group = rng.integers(0, k, n)
    events, at_risk = group_risk_sets(time, event, group, k)
    event_times = np.unique(time[event == 1])
    expected_events = [[np.sum((time == t) & (event == 1) & (group == g)) for t in event_times]
                       for g in range(k)]  # fmt: skip
    expected_risk = [[np.sum((time >= t) & (group == g)) for t in event_times] for g in range(k)]
    np.testing.assert_array_equal(events, np.reshape(expected_events, (k, -1)))
    np.testing.assert_array_equal(at_risk, np.reshape(expected_risk, (k, -1)))
