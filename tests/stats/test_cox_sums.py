"""The compiled Cox passes against the array formulation they replace, bit for bit.

``array_partial_likelihood`` is the numpy formulation (suffix cumulative sums, column gathers,
``np.add.reduceat`` over the ties, binary searches for the risk ranges); the compiled passes
must give the same log-likelihood, score and information to the last bit, with and without
ties, strata, delayed entry and case weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._cox_likelihood import build_risk_sets, partial_likelihood


def bits(values) -> np.ndarray:
    return np.atleast_1d(np.asarray(values, dtype=float)).view(np.uint64)


def suffix_sums(values, order, lo, hi):
    suffix = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values[:, order][:, ::-1], axis=1, out=suffix[:, -2::-1])
    return suffix[:, lo] - suffix[:, hi]


def array_partial_likelihood(rs, beta):
    """The numpy formulation of ``partial_likelihood`` (loglik, score, information)."""
    xt = rs.xt_sorted
    eta = beta @ xt
    risk = np.exp(eta)
    risk *= rs.w_sorted
    values = np.vstack((risk, xt * risk))
    totals = suffix_sums(values, np.arange(xt.shape[1]), rs.time_lo, rs.time_hi)
    if rs.entry_order_sorted is not None:
        totals -= suffix_sums(values, rs.entry_order_sorted, rs.entry_lo, rs.entry_hi)
    dead = np.add.reduceat(values[:, rs.event_pos], rs.group_start, axis=1)
    denom = totals[0, rs.group]
    if rs.tie_fractions:
        denom = denom - rs.frac * dead[0, rs.group]
    loglik = float(rs.w_sorted[rs.event_pos] @ eta[rs.event_pos] - rs.factor @ np.log(denom))
    hazard = rs.factor / denom
    cumulative = np.concatenate(([0.0], np.cumsum(np.add.reduceat(hazard, rs.group_start))))
    weight = cumulative[rs.row_hi]
    if rs.row_lo is not None:
        weight -= cumulative[rs.row_lo]
    if rs.tie_fractions:
        own_share = np.add.reduceat(hazard * rs.frac, rs.group_start)
        weight -= np.concatenate((own_share, [0.0]))[rs.dead_group]
    weight *= risk
    score = rs.event_x_sum - xt @ weight
    a = hazard / denom
    s1 = totals[1:]
    info = (xt * weight) @ xt.T - (s1 * np.add.reduceat(a, rs.group_start)) @ s1.T
    if rs.tie_fractions:
        d1 = dead[1:]
        cross = (s1 * np.add.reduceat(a * rs.frac, rs.group_start)) @ d1.T
        info += cross + cross.T - (d1 * np.add.reduceat(a * rs.frac**2, rs.group_start)) @ d1.T
    return loglik, score, info


def survival_rows(seed, n=800, whole_days=True, strata=False, entry=False, weights=False):
    rng = np.random.default_rng(seed)
    design = rng.standard_normal((n, 3)) + [2.0, -1.0, 0.5]
    design[:, 2] = rng.integers(0, 2, n)  # a dummy column
    time = rng.exponential(20, n)
    time = np.ceil(time) if whole_days else time
    event = (rng.random(n) < 0.7).astype(float)
    stratum = rng.integers(0, 3, n) if strata else np.zeros(n, dtype=np.int64)
    start = None
    if entry:
        start = np.where(rng.random(n) < 0.5, 0.0, np.floor(time * rng.random(n) * 0.9))
        start = np.minimum(start, np.maximum(time - 1, 0))
        start[time <= 1] = 0.0
    w = rng.uniform(0.5, 2.0, n) if weights else np.ones(n)
    return design, time, event, stratum, w, start


CASES = [
    dict(whole_days=False),
    dict(whole_days=True),
    dict(whole_days=True, strata=True),
    dict(whole_days=True, entry=True),
    dict(whole_days=False, strata=True, entry=True, weights=True),
    dict(whole_days=True, strata=True, weights=True),
]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(k for k, v in c.items() if v))
def test_same_bits_as_array_formulation(case, ties):
    design, time, event, stratum, w, start = survival_rows(7, **case)
    means = w @ design / w.sum()
    rs = build_risk_sets(design, means, time, event, stratum, w, start, ties)
    for beta in (np.zeros(3), np.array([0.3, -0.2, 0.5])):
        got = partial_likelihood(rs, beta)
        expected = array_partial_likelihood(rs, beta)
        for a, b in zip(got, expected, strict=True):
            assert np.array_equal(bits(a), bits(b))
