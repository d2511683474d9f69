"""The risk-set index built by compiled passes, against binary searches and a hand example."""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._cox_likelihood import build_risk_sets


def risk_ranges(rs):
    """Bounds of each group's risk set and each row's range of groups, by binary search."""
    key = rs.sorted_key
    stratum = rs.stratum_key[rs.order_time]  # sorted rows: strata first, so it ascends
    first_event = rs.event_pos[rs.group_start]
    group_key, group_stratum = key[first_event], stratum[first_event]
    time_lo = np.searchsorted(key, group_key, side="left")
    time_hi = np.searchsorted(stratum, group_stratum, side="right")
    row_hi = np.searchsorted(group_key, key, side="right")
    row_lo = np.searchsorted(group_stratum, stratum, side="left")
    return time_lo, time_hi, row_hi, row_lo


def survival_rows(seed, whole_days, strata, n=800):
    rng = np.random.default_rng(seed)
    design = rng.standard_normal((n, 2))
    time = rng.exponential(20, n)
    time = np.ceil(time) if whole_days else time
    event = (rng.random(n) < 0.7).astype(float)
    stratum = rng.integers(0, 3, n) if strata else np.zeros(n, dtype=np.int64)
    return design, time, event, stratum


@pytest.mark.parametrize(
    ("whole_days", "strata"), [(False, False), (True, False), (True, True)],
    ids=["continuous", "days", "strata"],
)  # fmt: skip
def test_risk_ranges_equal_binary_searches(whole_days, strata):
    design, time, event, stratum = survival_rows(3, whole_days, strata)
    rs = build_risk_sets(design, design.mean(axis=0), time, event, stratum, np.ones(time.size),
                         None, "efron")  # fmt: skip
    assert np.array_equal(rs.order_time, np.lexsort((time, stratum)))
    time_lo, time_hi, row_hi, row_lo = risk_ranges(rs)
    assert np.array_equal(rs.time_lo, time_lo) and np.array_equal(rs.time_hi, time_hi)
    assert np.array_equal(rs.row_hi, row_hi)
    assert rs.row_lo is None if not strata else np.array_equal(rs.row_lo, row_lo)


def test_index_of_a_small_tied_example():
    # times 2, 2, 5, 5, 5, 9 with events 1, 1, 0, 1, 1, 0: groups at 2 (two events) and 5
    time = np.array([5.0, 2.0, 9.0, 5.0, 2.0, 5.0])
    event = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    design = np.arange(6.0)[:, None]
    rs = build_risk_sets(design, np.zeros(1), time, event, np.zeros(6, dtype=np.int64),
                         np.ones(6), None, "efron")  # fmt: skip
    assert rs.order_time.tolist() == [1, 4, 0, 3, 5, 2]
    assert rs.event_rows.tolist() == [1, 4, 3, 5]
    assert rs.group.tolist() == [0, 0, 1, 1] and rs.group_start.tolist() == [0, 2]
    assert rs.frac.tolist() == [0.0, 0.5, 0.0, 0.5]
    assert rs.time_lo.tolist() == [0, 2] and rs.time_hi.tolist() == [6, 6]
    assert rs.row_hi.tolist() == [1, 1, 2, 2, 2, 2]
    assert rs.dead_group.tolist() == [0, 0, -1, 1, 1, -1]
    assert rs.key_time.tolist() == [1, 0, 2, 1, 0, 1]
    assert rs.xt_sorted.tolist() == [[1.0, 4.0, 0.0, 3.0, 5.0, 2.0]]
