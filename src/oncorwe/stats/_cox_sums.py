"""Compiled passes of the Cox partial likelihood over the rows sorted by (stratum, time).

``likelihood_terms`` computes, for one coefficient vector, the risk-set sums of each event-time
group, Efron's tie sums, the denominators and the per-row weights ``c_i`` of the information
matrix (``_cox_likelihood``'s docstring) in two passes over the rows, without the ``(1 + p) x n``
arrays, gathers and cumulative sums of the array formulation. The arithmetic is that
formulation's, operation by operation and in the same order, so the values are the same to the
last bit: the running sums go from the last row backwards (as ``np.cumsum`` over the reversed
rows) and sums over the events of one tie follow numpy's pairwise order (as
``np.add.reduceat``); ``tests/stats/test_cox_sums.py`` checks this.

References
----------
Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-565.
Therneau T. survival package, C routine ``coxfit6`` (sums over the sorted rows), version 3.5.
"""

from __future__ import annotations

import numpy as np

from oncorwe.stats._compiled import compiled
from oncorwe.stats._pairwise import segment_sum


@compiled
def _suffix_differences(xt, risk, order, lo, hi, out):
    """``suffix[:, lo] - suffix[:, hi]`` of the values ``(risk, x * risk)`` of the sorted rows
    taken in ``order`` (as sorted when ``order`` is empty), written group by group into ``out``
    (groups x (1 + p)); ``suffix[:, j]`` sums the rows from ``j`` on, accumulated from the last
    row backwards. ``lo <= hi``, both ascending."""
    p, n = xt.shape
    total = np.full(p + 1, -0.0)  # -0.0 + v is v to the bit, as cumsum's first value
    a = b = lo.size - 1
    while b >= 0 and hi[b] == n:  # suffix[:, n] is 0, and v - 0.0 is v
        b -= 1
    while a >= 0 and lo[a] == n:
        out[a] = 0.0
        a -= 1
    for i in range(n - 1, -1, -1):
        row = order[i] if order.size else i
        r = risk[row]
        total[0] += r
        for j in range(p):
            total[j + 1] += xt[j, row] * r
        while b >= 0 and hi[b] == i:  # hi[g] >= lo[g]: met first, kept until lo[g]
            out[b] = total
            b -= 1
        while a >= 0 and lo[a] == i:
            if hi[a] == n:
                out[a] = total
            else:
                for j in range(p + 1):
                    out[a, j] = total[j] - out[a, j]
            a -= 1


@compiled
def _tie_sums(xt, risk, event_pos, group_start, dead):
    """Sums of ``(risk, x * risk)`` over the events of each group (Efron's tie sums) into
    ``dead`` ((1 + p) x groups)."""
    n_events, n_groups = event_pos.size, group_start.size
    values = np.empty(n_events)
    for g in range(n_groups):
        lo = group_start[g]
        m = (group_start[g + 1] if g + 1 < n_groups else n_events) - lo
        for j in range(dead.shape[0]):
            for k in range(m):
                pos = event_pos[lo + k]
                values[k] = risk[pos] if j == 0 else xt[j - 1, pos] * risk[pos]
            dead[j, g] = segment_sum(values, 0, m)


@compiled
def _group_sums(totals, dead, frac, factor, group_start, ties, denom, sums):
    """Per event the denominator; per group (rows of ``sums``) the hazard ``h = factor /
    denom`` summed, Efron's own share ``sum h frac``, and ``a = h / denom`` summed with weights
    1, frac and frac^2 (pairwise within the group, as ``np.add.reduceat``)."""
    n_events, n_groups = frac.size, group_start.size
    size = 1
    for g in range(n_groups):
        size = max(size, (group_start[g + 1] if g + 1 < n_groups else n_events) - group_start[g])
    hazard, a, product = np.empty(size), np.empty(size), np.empty(size)
    for g in range(n_groups):
        lo = group_start[g]
        m = (group_start[g + 1] if g + 1 < n_groups else n_events) - lo
        if m == 1:  # one event: its own values are the sums (frac is 0)
            d = totals[0, g]
            denom[lo] = d
            h = factor[lo] / d
            sums[0, g], sums[1, g], sums[2, g] = h, h * frac[lo], h / d
            sums[3, g], sums[4, g] = sums[2, g] * frac[lo], sums[2, g] * (frac[lo] * frac[lo])
            continue
        for k in range(m):
            d = totals[0, g] - frac[lo + k] * dead[0, g] if ties else totals[0, g]
            denom[lo + k] = d
            hazard[k] = factor[lo + k] / d
            a[k] = hazard[k] / d
        sums[0, g], sums[2, g] = segment_sum(hazard, 0, m), segment_sum(a, 0, m)
        if ties:
            for k in range(m):
                product[k] = hazard[k] * frac[lo + k]
            sums[1, g] = segment_sum(product, 0, m)
            for k in range(m):
                product[k] = a[k] * frac[lo + k]
            sums[3, g] = segment_sum(product, 0, m)
            for k in range(m):
                product[k] = a[k] * (frac[lo + k] * frac[lo + k])
            sums[4, g] = segment_sum(product, 0, m)


@compiled
def _row_weights(sums, risk, row_hi, row_lo, dead_group, ties, cumulative, weight, xt, weighted):
    """``c_i = risk_i (H_i - A_i)``: the groups' hazards summed over each row's risk range
    less its own tie's Efron share; and ``weighted = xt * c``."""
    n_groups = sums.shape[1]
    cumulative[0], cumulative[1] = 0.0, sums[0, 0]
    for g in range(1, n_groups):
        cumulative[g + 1] = cumulative[g] + sums[0, g]
    for i in range(risk.size):
        w = cumulative[row_hi[i]]
        if row_lo.size:
            w -= cumulative[row_lo[i]]
        if ties and dead_group[i] >= 0:
            w -= sums[1, dead_group[i]]
        weight[i] = w * risk[i]
        for j in range(xt.shape[0]):
            weighted[j, i] = xt[j, i] * weight[i]


@compiled
def likelihood_terms(xt, risk, index, entry, frac, factor, ties, work):
    """Risk-set sums, tie sums, denominators, row weights and information factors at one beta.

    ``xt`` (p x n) and ``risk`` (``w exp(eta)``) are in sorted order; ``index`` is
    ``(event_pos, group, group_start, time_lo, time_hi, row_hi, row_lo, dead_group)`` with
    ``row_lo`` empty when it is 0 for every row; ``entry`` is ``(entry_order, entry_lo,
    entry_hi)``, empty without delayed entry; ``ties`` says whether Efron's tie fractions are
    used. ``work`` holds the outputs, reused between iterations (fresh large arrays cost page
    faults): ``by_group`` (groups x (1 + p): the risk-set sums, read as ``by_group.T``),
    ``dead`` ((1 + p) x groups: the tie sums, when ``ties``), ``denom`` (per event), ``weight``
    (per row), ``sums`` (5 x groups: hazard, Efron share, ``a = h / denom`` times 1, frac,
    frac^2, summed per group), ``cumulative`` (groups + 1) and ``weighted`` (p x n:
    ``xt * weight``).
    """
    event_pos, group, group_start, time_lo, time_hi, row_hi, row_lo, dead_group = index
    entry_order, entry_lo, entry_hi = entry
    by_group, dead, denom, weight, sums, cumulative, weighted = work
    _suffix_differences(xt, risk, np.empty(0, np.int64), time_lo, time_hi, by_group)
    if entry_order.size:
        entered = np.empty_like(by_group)
        _suffix_differences(xt, risk, entry_order, entry_lo, entry_hi, entered)
        by_group -= entered
    totals = by_group.T
    if ties:
        _tie_sums(xt, risk, event_pos, group_start, dead)
    _group_sums(totals, dead, frac, factor, group_start, ties, denom, sums)
    _row_weights(sums, risk, row_hi, row_lo, dead_group, ties, cumulative, weight, xt, weighted)
