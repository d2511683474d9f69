"""Cox partial likelihood, score and information for Efron or Breslow ties, vectorised.

Risk sets are handled with one sort: each risk-set sum is a difference of suffix cumulative sums
(rows with ``time >= t`` minus rows with ``entry >= t``, within the stratum), so strata, delayed
entry and case weights cost nothing extra. Efron's correction expands each tied event time into
its ``d`` tie positions ``k = 0..d-1`` (one row per event), so no Python loop over times is needed.

References
----------
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220. Efron B. The
efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-565. Breslow N.
Covariance analysis of censored survival data. Biometrics 1974;30:89-99. Therneau T. survival
package, C routines ``coxfit6`` and ``agfit4``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class RiskSets:
    """Index structure of the risk sets, independent of the coefficients.

    Attributes: ``x`` centred covariates (n x p); ``weights``; ``order_time``/``order_entry``
    row orders; ``event_rows`` event rows sorted by event-time group; ``group`` event-time group of
    each event row; ``group_start`` first event row of each group; ``frac`` Efron tie fraction
    k/d; ``factor`` event weight in the sums (mean weight of the tie for Efron, own weight for
    Breslow); ``time_lo/time_hi/entry_lo/entry_hi`` suffix-sum bounds of each group;
    ``key_time``/``key_entry``/``stratum_key`` each row's (stratum, time rank) sort keys.
    """

    x: np.ndarray
    weights: np.ndarray
    order_time: np.ndarray
    order_entry: np.ndarray | None
    event_rows: np.ndarray
    group: np.ndarray
    group_start: np.ndarray
    frac: np.ndarray
    factor: np.ndarray
    time_lo: np.ndarray
    time_hi: np.ndarray
    entry_lo: np.ndarray | None
    entry_hi: np.ndarray | None
    key_time: np.ndarray
    key_entry: np.ndarray | None
    stratum_key: np.ndarray


def build_risk_sets(x, time, event, stratum, weights, entry, ties) -> RiskSets:
    """Sort once and locate every event time's risk set (see module docstring)."""
    grid = np.unique(time if entry is None else np.concatenate((time, entry)))
    span = grid.size + 1
    key_time = stratum * span + np.searchsorted(grid, time)
    order_time = np.argsort(key_time, kind="stable")
    sorted_time_key = key_time[order_time]
    event_rows = np.flatnonzero(event == 1)
    event_rows = event_rows[np.argsort(key_time[event_rows], kind="stable")]
    event_key = key_time[event_rows]
    new_group = np.r_[True, event_key[1:] != event_key[:-1]]
    group = np.cumsum(new_group) - 1
    group_start = np.flatnonzero(new_group)
    group_key = event_key[group_start]
    group_end_key = (group_key // span + 1) * span
    size = np.diff(np.r_[group_start, event_rows.size])
    position = np.arange(event_rows.size) - group_start[group]
    if ties == "efron":
        frac = position / size[group]
        mean_weight = np.add.reduceat(weights[event_rows], group_start) / size
        factor = mean_weight[group]
    else:
        frac = np.zeros(event_rows.size)
        factor = weights[event_rows]
    order_entry = entry_lo = entry_hi = key_entry = None
    if entry is not None:
        key_entry = stratum * span + np.searchsorted(grid, entry)
        order_entry = np.argsort(key_entry, kind="stable")
        sorted_entry_key = key_entry[order_entry]
        entry_lo = np.searchsorted(sorted_entry_key, group_key, side="left")
        entry_hi = np.searchsorted(sorted_entry_key, group_end_key, side="left")
    return RiskSets(
        x=x,
        weights=weights,
        order_time=order_time,
        order_entry=order_entry,
        event_rows=event_rows,
        group=group,
        group_start=group_start,
        frac=frac,
        factor=factor,
        time_lo=np.searchsorted(sorted_time_key, group_key, side="left"),
        time_hi=np.searchsorted(sorted_time_key, group_end_key, side="left"),
        entry_lo=entry_lo,
        entry_hi=entry_hi,
        key_time=key_time,
        key_entry=key_entry,
        stratum_key=stratum * span,
    )


def _suffix(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Suffix cumulative sums of ``values[order]`` with a trailing zero row."""
    ordered = values[order]
    out = np.zeros((ordered.shape[0] + 1, ordered.shape[1]))
    out[:-1] = np.cumsum(ordered[::-1], axis=0)[::-1]
    return out


def risk_set_sums(rs: RiskSets, values: np.ndarray) -> np.ndarray:
    """For each event-time group, the sum of ``values`` (n x k) over its risk set."""
    suffix = _suffix(values, rs.order_time)
    sums = suffix[rs.time_lo] - suffix[rs.time_hi]
    if rs.order_entry is not None:
        suffix = _suffix(values, rs.order_entry)
        sums -= suffix[rs.entry_lo] - suffix[rs.entry_hi]
    return sums


def partial_likelihood(rs: RiskSets, beta: np.ndarray, information: bool = True):
    """Log partial likelihood, score vector and information matrix at ``beta``.

    Returns (loglik, score, information) with information None when not requested.
    """
    x, w = rs.x, rs.weights
    n, p = x.shape
    eta = x @ beta
    risk = w * np.exp(eta)
    columns = [risk[:, None], risk[:, None] * x]
    if information:
        columns.append((risk[:, None, None] * x[:, :, None] * x[:, None, :]).reshape(n, p * p))
    values = np.hstack(columns)
    totals = risk_set_sums(rs, values)
    dead = values[rs.event_rows]
    dead_totals = np.add.reduceat(dead, rs.group_start, axis=0)
    # Efron: the k-th of d tied events sees the risk set less k/d of the tied events' sum
    sums = totals[rs.group] - rs.frac[:, None] * dead_totals[rs.group]
    denom = sums[:, 0]
    mean_x = sums[:, 1 : 1 + p] / denom[:, None]
    rows, factor = rs.event_rows, rs.factor
    loglik = float(w[rows] @ eta[rows] - factor @ np.log(denom))
    score = w[rows] @ x[rows] - factor @ mean_x
    info = None
    if information:
        second = sums[:, 1 + p :] / denom[:, None]
        info = (factor @ second).reshape(p, p) - (mean_x * factor[:, None]).T @ mean_x
    return loglik, score, info
