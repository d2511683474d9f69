"""Compiled passes that build the risk-set index of a Cox fit from the one sort of the rows.

The rows are put in (stratum, time) order once (``_stable_order``); these passes then read the
design, weights and event flags in that order, rank the times, find the event-time groups and,
for each row, the range of groups whose risk set holds it: each a single pass over the rows
instead of gathers and binary searches. Integer work apart, they give the array formulation's
values to the last bit (tie fractions ``k / d`` and mean tie weights summed in numpy's order).

References
----------
Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-565.
Therneau T. survival package, C routine ``coxfit6``, version 3.5.
"""

from __future__ import annotations

import numpy as np

from oncorwe.stats._compiled import compiled
from oncorwe.stats._pairwise import segment_sum


@compiled
def sorted_rows(design, means, weights, event, order):
    """``(design - means)[order].T`` (p x n, contiguous), ``weights[order]`` and
    ``event[order] == 1``."""
    n, p = design.shape
    xt, w, is_event = np.empty((p, n)), np.empty(n), np.empty(n, dtype=np.bool_)
    for i in range(n):
        row = order[i]
        for j in range(p):
            xt[j, i] = design[row, j] - means[j]
        w[i], is_event[i] = weights[row], event[row] == 1
    return xt, w, is_event


@compiled
def sorted_ranks(time, order):
    """Rank of each sorted row's time among the distinct times (0 for the smallest)."""
    rank = np.empty(order.size, dtype=np.int64)
    current = 0
    for i in range(order.size):
        if i > 0 and time[order[i]] != time[order[i - 1]]:
            current += 1
        rank[i] = current
    return rank


@compiled
def sorted_index(key, is_event, span):
    """Event-time groups of rows sorted by ``key = stratum * span + time rank``.

    Returns ``event_pos`` (sorted position of each event), ``group`` (its group),
    ``group_start`` (first event of each group), ``time_lo`` / ``time_hi`` (first sorted row of
    the group's time / after its stratum), ``row_hi`` / ``row_lo`` (groups ``row_lo <= g <
    row_hi`` have each row in their risk set when there is no delayed entry) and ``dead_group``
    (group of each sorted row's own event, -1 if censored).
    """
    n = key.size
    n_events = 0
    for i in range(n):
        n_events += is_event[i]
    event_pos, group = np.empty(n_events, np.int64), np.empty(n_events, np.int64)
    group_start, time_lo = np.empty(n_events, np.int64), np.empty(n_events, np.int64)
    time_hi = np.empty(n_events, np.int64)
    row_hi, row_lo = np.empty(n, np.int64), np.empty(n, np.int64)
    dead_group = np.full(n, -1, np.int64)
    k = g = first_group = 0  # events, groups, and groups before the current stratum
    stratum = key[0] // span if n else 0
    i = 0
    while i < n:  # one run of equal keys (one time in one stratum) per step
        stop = i + 1
        while stop < n and key[stop] == key[i]:
            stop += 1
        if key[i] // span != stratum:
            time_hi[first_group:g] = i
            first_group, stratum = g, key[i] // span
        new_group = True
        for row in range(i, stop):
            if is_event[row]:
                if new_group:
                    group_start[g], time_lo[g], new_group = k, i, False
                event_pos[k], group[k], dead_group[row] = row, g, g
                k += 1
        g += 0 if new_group else 1
        row_hi[i:stop] = g
        row_lo[i:stop] = first_group
        i = stop
    time_hi[first_group:g] = n
    return event_pos, group, group_start[:g], time_lo[:g], time_hi[:g], row_hi, row_lo, dead_group


@compiled
def tie_weights(event_weights, group_start, efron):
    """Efron's tie fraction ``k / d`` of each event and its weight in the sums: the mean weight
    of its tie (Efron) or its own weight (Breslow)."""
    n_events = event_weights.size
    frac, factor = np.zeros(n_events), event_weights.copy()
    if not efron:
        return frac, factor
    for g in range(group_start.size):
        lo = group_start[g]
        hi = group_start[g + 1] if g + 1 < group_start.size else n_events
        mean = segment_sum(event_weights, lo, hi) / (hi - lo)
        for k in range(lo, hi):
            frac[k], factor[k] = (k - lo) / (hi - lo), mean
    return frac, factor


@compiled
def event_matrix(xt, event_pos):
    """The design rows of the events (events x p, contiguous), from the sorted design."""
    out = np.empty((event_pos.size, xt.shape[0]))
    for k in range(event_pos.size):
        for j in range(xt.shape[0]):
            out[k, j] = xt[j, event_pos[k]]
    return out
