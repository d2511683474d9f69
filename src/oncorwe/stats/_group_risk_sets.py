"""Events and numbers at risk per group at each distinct event time, from one merge pass.

The log-rank test needs, at every time where someone has the event, the events and the number
at risk in each group. Each group's times are sorted by value (``np.sort`` of the time's bits
with the event flag in the lowest bit, as in ``stats/_counting.py``); one compiled pass then
walks the k sorted groups side by side, as the merge step of a merge sort: at each distinct
time the group's number at risk is how many of its times are still ahead of its cursor. The
numpy version of this walk needed a stable sort of all groups' times together and one more per
group to count those ahead (docs/benchmarks.md).

References
----------
Therneau T. survival package, ``survdiff`` (C routine ``survdiff2``), version 3.5.
"""

from __future__ import annotations

import numpy as np

from oncorwe.stats._compiled import compiled

ONE = np.uint64(1)


@compiled
def _merge(key, bounds, capacity):
    """Walk the sorted groups side by side: events and numbers at risk [k x P] at the P
    distinct times with at least one event (``capacity`` >= P)."""
    n_groups = bounds.size - 1
    cursor = bounds[:-1].copy()
    events = np.zeros((n_groups, capacity))
    at_risk = np.zeros((n_groups, capacity))
    row = 0
    while True:
        now, found = np.uint64(0), False  # the smallest time among the cursors (as bits)
        for g in range(n_groups):
            if cursor[g] < bounds[g + 1] and (not found or key[cursor[g]] >> ONE < now):
                now, found = key[cursor[g]] >> ONE, True
        if not found:
            break
        total = 0.0
        for g in range(n_groups):
            at_risk[g, row] = bounds[g + 1] - cursor[g]
            d = 0.0
            while cursor[g] < bounds[g + 1] and key[cursor[g]] >> ONE == now:
                d += np.float64(key[cursor[g]] & ONE)
                cursor[g] += 1
            events[g, row] = d
            total += d
        if total > 0:  # a time with events keeps its column; otherwise it is overwritten
            row += 1
    return events, at_risk, row


def group_risk_sets(time, event, group_code, n_groups):
    """Events and numbers at risk [k x P] at the P distinct event times, groups in code order.

    ``time`` must be checked (finite, >= 0), ``event`` 0/1, ``group_code`` 0..k-1 (int64).
    """
    # + 0.0 turns -0.0 into +0.0; the sign bit is then 0, so shifting left by one loses nothing
    key = (time + 0.0).view(np.uint64) << ONE
    key |= (event != 0).view(np.uint8).astype(np.uint64)
    # a stable sort of small integer codes is a radix sort in numpy
    order = np.argsort(group_code.astype(np.min_scalar_type(n_groups)), kind="stable")
    grouped = key[order]
    bounds = np.concatenate(([0], np.cumsum(np.bincount(group_code, minlength=n_groups))))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        grouped[lo:hi].sort()
    events, at_risk, size = _merge(grouped, bounds, int(np.count_nonzero(event)) + 1)
    return np.ascontiguousarray(events[:, :size]), np.ascontiguousarray(at_risk[:, :size])
