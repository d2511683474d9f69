"""Pseudo-likelihood, derivatives and sandwich variance of the Fine-Gray model, vectorised.

cmprsk's Fortran (``crrfsv``, ``crrf``, ``crrvv``) loops over every failure and every subject
(O(n^2)). The same sums are computed here from one sort and cumulative sums: at a failure time
u the risk set is everyone still under observation (t >= u), plus those who had a competing
event before u, weighted by G(u-) / G(t-), with G the Kaplan-Meier estimate of the censoring
distribution. So S_r(u) = A_r(u) + G(u-) B_r(u), with A a reverse cumulative sum over subjects
and B a cumulative sum over earlier competing events of r x^r / G(t-).

References
----------
Fine JP, Gray RJ. JASA 1999;94:496-509. Gray RJ, cmprsk package 2.2, ``src/crr.f``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# R's crr evaluates G at ftime * (1 - 100 eps): the left limit G(t-) for t > 0
LEFT_LIMIT = 1 - 100 * np.finfo(float).eps


@dataclass(frozen=True, eq=False)
class RiskSets:
    """Sorted data and the index arithmetic shared by likelihood and variance.

    x : centred design (n x p), sorted by time. competing, failed, censored : masks (sorted).
    g_left : G(t_i-) per subject. fail_start : first subject with t >= u_k per distinct failure
    time u_k; fail_count : d_k; g_fail : G(u_k-); fail_index : per subject, number of failure
    times <= t_i. block_start, at_risk, n_censored : per distinct time (all subjects).
    block_of : per subject, its distinct-time index; fails_before_block : number of failure
    times < that time.
    """

    x: np.ndarray
    competing: np.ndarray
    failed: np.ndarray
    censored: np.ndarray
    g_left: np.ndarray
    fail_start: np.ndarray
    fail_count: np.ndarray
    g_fail: np.ndarray
    fail_index: np.ndarray
    block_start: np.ndarray
    at_risk: np.ndarray
    n_censored: np.ndarray
    block_of: np.ndarray
    fails_before_block: np.ndarray


def build_risk_sets(x: np.ndarray, time: np.ndarray, status: np.ndarray, cause: float):
    """Sort once; Kaplan-Meier of censoring; locate each failure time's risk set."""
    order = np.argsort(time, kind="stable")
    time, status, x = time[order], status[order], x[order]
    failed, censored = status == cause, status == 0
    times, block_of, counts = np.unique(time, return_inverse=True, return_counts=True)
    block_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    at_risk = (time.size - block_start).astype(float)
    n_censored = np.bincount(block_of, weights=censored, minlength=times.size)
    # censoring Kaplan-Meier, read at t * (1 - 100 eps) as crr does (R's approx, f = 0)
    g = np.cumprod(1 - n_censored / at_risk)
    position = np.searchsorted(times, time * LEFT_LIMIT, side="right") - 1
    g_left = np.where(position >= 0, g[np.maximum(position, 0)], 1.0)
    fail_times, fail_count = np.unique(time[failed], return_counts=True)
    fail_start = np.searchsorted(time, fail_times, side="left")
    return RiskSets(
        x=x,
        competing=~failed & ~censored,
        failed=failed,
        censored=censored,
        g_left=g_left,
        fail_start=fail_start,
        fail_count=fail_count.astype(float),
        g_fail=g_left[fail_start],
        fail_index=np.searchsorted(fail_times, time, side="right"),
        block_start=block_start,
        at_risk=at_risk,
        n_censored=n_censored,
        block_of=block_of,
        fails_before_block=np.searchsorted(fail_times, times, side="left"),
    )


def _risk_sums(rs: RiskSets, values: np.ndarray) -> np.ndarray:
    """Weighted risk-set sums of ``values`` (n x ...) at each failure time."""
    tail = np.cumsum(values[::-1], axis=0)[::-1]
    competing = np.where(_expand(rs.competing, values), values, 0.0) / _expand(rs.g_left, values)
    head = np.concatenate((np.zeros_like(values[:1]), np.cumsum(competing, axis=0)))
    return tail[rs.fail_start] + _expand(rs.g_fail, values) * head[rs.fail_start]


def _expand(vector: np.ndarray, like: np.ndarray) -> np.ndarray:
    return vector.reshape(vector.shape + (1,) * (like.ndim - 1))


def likelihood(rs: RiskSets, beta: np.ndarray, derivatives: bool = False):
    """Log pseudo-likelihood at ``beta``; with ``derivatives``, also score and information.

    Returns (loglik, score, information) (score and information None without derivatives).
    """
    eta = rs.x @ beta
    risk = np.exp(eta)
    s0 = _risk_sums(rs, risk)
    loglik = float(eta[rs.failed].sum() - rs.fail_count @ np.log(s0))
    if not derivatives:
        return loglik, None, None
    s1 = _risk_sums(rs, risk[:, None] * rs.x)
    s2 = _risk_sums(rs, risk[:, None, None] * rs.x[:, :, None] * rs.x[:, None, :])
    xbar = s1 / s0[:, None]
    score = rs.x[rs.failed].sum(axis=0) - rs.fail_count @ xbar
    info = np.einsum("k,kij->ij", rs.fail_count, s2 / s0[:, None, None]) - np.einsum(
        "k,ki,kj->ij", rs.fail_count, xbar, xbar
    )
    return loglik, score, info


def _with_zero(values: np.ndarray) -> np.ndarray:
    """Cumulative sum with a leading zero row (index j = sum of the first j rows)."""
    return np.concatenate((np.zeros_like(values[:1]), np.cumsum(values, axis=0)))


def sandwich(rs: RiskSets, beta: np.ndarray, info: np.ndarray) -> np.ndarray:
    """cmprsk's variance ``I^-1 (sum_i e_i e_i') I^-1`` (``crrvv``), e_i = eta_i + psi_i.

    eta_i is subject i's score residual; psi_i the term for estimating the censoring
    distribution. Both are built from cumulative sums over failure and censoring times.
    """
    x, risk = rs.x, np.exp(rs.x @ beta)
    s0 = _risk_sums(rs, risk)
    xbar = _risk_sums(rs, risk[:, None] * x) / s0[:, None]
    d_over_s0 = rs.fail_count / s0
    # step: eta_i, the score residual
    h0, h1 = _with_zero(d_over_s0), _with_zero(d_over_s0[:, None] * xbar)
    k0 = _with_zero(d_over_s0 * rs.g_fail)
    k1 = _with_zero((d_over_s0 * rs.g_fail)[:, None] * xbar)
    j = rs.fail_index
    eta = -risk[:, None] * (x * h0[j][:, None] - h1[j])
    later = risk / rs.g_left * rs.competing
    eta -= later[:, None] * (x * (k0[-1] - k0[j])[:, None] - (k1[-1] - k1[j]))
    failed = rs.failed
    eta[failed] += x[failed] - xbar[j[failed] - 1]
    # step: psi_i, from the Kaplan-Meier estimate of censoring (q(u) of crrvv)
    weighted = np.where(rs.competing, risk / rs.g_left, 0.0)
    c0 = _with_zero(weighted)[rs.block_start]
    c1 = _with_zero(weighted[:, None] * x)[rs.block_start]
    after = rs.fails_before_block
    r0, r1 = k0[-1] - k0[after], k1[-1] - k1[after]
    q = c1 * r0[:, None] - c0[:, None] * r1
    ss2 = -np.cumsum(q * (rs.n_censored / rs.at_risk**2)[:, None], axis=0)
    block = rs.block_of
    psi = ss2[block] + np.where(rs.censored, 1 / rs.at_risk[block], 0.0)[:, None] * q[block]
    residual = eta + psi
    inverse = np.linalg.inv(info)
    return inverse @ (residual.T @ residual) @ inverse.T
