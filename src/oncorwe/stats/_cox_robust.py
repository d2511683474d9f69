"""Score residuals and the robust (sandwich) variance of a Cox model, as R's ``coxph``.

References
----------
Lin DY, Wei LJ. The robust inference for the Cox proportional hazards model. JASA
1989;84:1074-1078. Therneau TM, Grambsch PM. Modeling Survival Data, Springer 2000, ch. 7.
Therneau T. survival package, C routines ``coxscore2`` / ``agscore3`` (Efron ties), version 3.5.
"""

from __future__ import annotations

import numpy as np

from oncorwe.stats._cox_likelihood import RiskSets, risk_set_sums


def score_residuals(rs: RiskSets, beta: np.ndarray) -> np.ndarray:
    """Weighted score residuals ``w_i L_i`` (n x p), Efron or Breslow as the risk sets say.

    ``L_i = event_i (x_i - mean of xbar over the tie) - exp(eta_i) sum_e c_ie h_e (x_i - xbar_e)``
    over the event rows ``e`` whose time lies in subject i's risk interval, with hazard
    ``h_e = factor_e / denom_e`` and ``c_ie = 1 - k/d`` when i is one of the tied events (Efron).
    """
    x, w = rs.x, rs.weights
    n, p = x.shape
    eta = x @ beta
    risk = w * np.exp(eta)
    totals = risk_set_sums(rs, np.hstack((risk[:, None], risk[:, None] * x)))
    dead = np.hstack((risk[:, None], risk[:, None] * x))[rs.event_rows]
    dead_totals = np.add.reduceat(dead, rs.group_start, axis=0)
    sums = totals[rs.group] - rs.frac[:, None] * dead_totals[rs.group]
    xbar = sums[:, 1:] / sums[:, :1]
    hazard = rs.factor / sums[:, 0]
    # per event-time group: hazard and hazard-weighted mean covariates, for survivors and events
    group_hazard = np.add.reduceat(hazard, rs.group_start)
    group_hx = np.add.reduceat(hazard[:, None] * xbar, rs.group_start, axis=0)
    own = (1 - rs.frac) * hazard
    own_hazard = np.add.reduceat(own, rs.group_start)
    own_hx = np.add.reduceat(own[:, None] * xbar, rs.group_start, axis=0)
    size = np.diff(np.r_[rs.group_start, rs.event_rows.size])
    mean_xbar = np.add.reduceat(xbar, rs.group_start, axis=0) / size[:, None]
    # cumulative sums over groups (sorted by stratum, time): a subject's risk interval is a range
    cum_h = np.r_[0.0, np.cumsum(group_hazard)]
    cum_hx = np.vstack((np.zeros((1, p)), np.cumsum(group_hx, axis=0)))
    group_key = rs.key_time[rs.event_rows][rs.group_start]
    hi = np.searchsorted(group_key, rs.key_time, side="right")
    if rs.key_entry is None:
        lo = np.searchsorted(group_key, rs.stratum_key, side="left")
    else:
        lo = np.searchsorted(group_key, rs.key_entry, side="right")
    h = cum_h[hi] - cum_h[lo]
    hx = cum_hx[hi] - cum_hx[lo]
    # events: their own tie counts with weight (1 - k/d) instead of 1
    by_row = np.argsort(rs.event_rows)
    rows, g = rs.event_rows[by_row], rs.group[by_row]
    h[rows] += own_hazard[g] - group_hazard[g]
    hx[rows] += own_hx[g] - group_hx[g]
    residual = -np.exp(eta)[:, None] * (x * h[:, None] - hx)
    residual[rows] += x[rows] - mean_xbar[g]
    return w[:, None] * residual


def robust_variance(rs: RiskSets, beta, naive, cluster) -> np.ndarray:
    """Sandwich variance ``D'D`` with ``D`` the dfbeta residuals summed within clusters."""
    dfbeta = score_residuals(rs, beta) @ naive
    if cluster is not None:
        collapsed = np.zeros((int(cluster.max()) + 1, dfbeta.shape[1]))
        np.add.at(collapsed, cluster, dfbeta)
        dfbeta = collapsed
    return dfbeta.T @ dfbeta


def robust_score_test(rs: RiskSets, cluster) -> float:
    """R's robust score test at beta = 0: ``U' (L'L)^-1 U`` with clustered score residuals."""
    residual = score_residuals(rs, np.zeros(rs.x.shape[1]))
    if cluster is not None:
        collapsed = np.zeros((int(cluster.max()) + 1, residual.shape[1]))
        np.add.at(collapsed, cluster, residual)
        residual = collapsed
    score = residual.sum(axis=0)
    return float(score @ np.linalg.solve(residual.T @ residual, score))
