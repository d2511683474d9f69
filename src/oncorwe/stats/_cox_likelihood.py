"""Cox partial likelihood, score and information for Efron or Breslow ties, vectorised.

Risk sets are handled with one sort: each risk-set sum is a difference of suffix cumulative sums
(rows with ``time >= t`` minus rows with ``entry >= t``, within the stratum), so strata, delayed
entry and case weights cost nothing extra. Efron's correction expands each tied event time into
its ``d`` tie positions ``k = 0..d-1`` (one row per event), so no Python loop over times is needed.

Speed (N = 1e6): the design is sorted once (``x_sorted``), and the information matrix never forms
per-row outer products: ``sum_e f_e S2_e / S0_e = X' diag(c) X`` with ``c_i = risk_i (H_i - A_i)``,
``H_i`` the sum of ``f_e / S0_e`` over the event positions whose risk set holds row i (a cumulative
sum over event times) and ``A_i`` the Efron share ``k/d`` of row i's own tie. The same ``c`` gives
the score's ``sum_e f_e S1_e / S0_e = c' X``. Per iteration this is one cumulative sum of
``n x (1 + p)`` values and one ``X' diag(c) X`` product.

References
----------
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220. Efron B. The
efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-565. Breslow N.
Covariance analysis of censored survival data. Biometrics 1974;30:89-99. Therneau T. survival
package, C routines ``coxfit6`` and ``agfit4``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    Sorted copies for the fast path: ``xt_sorted`` (p x n) / ``w_sorted`` (``order_time``),
    ``event_pos`` (sorted position of each event row), ``entry_order_sorted`` (entry order of the
    sorted rows), ``row_hi``/``row_lo`` (range of event-time groups whose risk set holds each
    sorted row; ``row_lo`` None when it is 0 for every row), ``dead_group`` (group of each
    sorted row's own event, -1 if censored),
    ``event_x_sum`` (``sum_e w_e x_e``), ``tie_fractions`` (Efron with tied events: else the
    tie corrections are skipped), ``scratch`` (work arrays reused between iterations).
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
    xt_sorted: np.ndarray
    w_sorted: np.ndarray
    event_pos: np.ndarray
    entry_order_sorted: np.ndarray | None
    row_hi: np.ndarray
    row_lo: np.ndarray | None
    dead_group: np.ndarray
    event_x_sum: np.ndarray
    tie_fractions: bool
    scratch: dict = field(default_factory=dict, repr=False)


def _time_keys(time, stratum, entry):
    """Row keys ``stratum * span + time rank`` (ranks on the grid of stop and entry times), the
    stable (stratum, time) row order and ``span``; one sort when there is no delayed entry."""
    if entry is not None:
        grid = np.unique(np.concatenate((time, entry)))
        span = grid.size + 1
        key = stratum * span + np.searchsorted(grid, time)
        return key, np.argsort(key, kind="stable"), span
    by_time = np.argsort(time, kind="stable")
    sorted_time = time[by_time]
    rank_sorted = np.cumsum(np.r_[False, sorted_time[1:] != sorted_time[:-1]])
    rank = np.empty(time.size, dtype=np.int64)
    rank[by_time] = rank_sorted
    span = int(rank_sorted[-1]) + 2
    if not stratum.any():
        return rank, by_time, span
    key = stratum * span + rank
    return key, by_time[np.argsort(stratum[by_time], kind="stable")], span


def build_risk_sets(x, time, event, stratum, weights, entry, ties) -> RiskSets:
    """Sort once and locate every event time's risk set (see module docstring)."""
    key_time, order_time, span = _time_keys(time, stratum, entry)
    sorted_time_key = key_time[order_time]
    # event rows in (stratum, time) order, ties in data order: read off the one sort
    event_sorted = event[order_time] == 1
    event_rows = order_time[event_sorted]
    event_key = sorted_time_key[event_sorted]
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
        grid = np.unique(np.concatenate((time, entry)))
        key_entry = stratum * span + np.searchsorted(grid, entry)
        order_entry = np.argsort(key_entry, kind="stable")
        sorted_entry_key = key_entry[order_entry]
        entry_lo = np.searchsorted(sorted_entry_key, group_key, side="left")
        entry_hi = np.searchsorted(sorted_entry_key, group_end_key, side="left")
    xt_sorted, w_sorted = np.ascontiguousarray(x[order_time].T), weights[order_time]
    key_sorted = sorted_time_key
    # groups whose risk set holds a row: time_g <= time_i (and entry_i < time_g), same stratum
    row_hi = np.searchsorted(group_key, key_sorted, side="right")
    if entry is None:
        row_lo = None
        if stratum.any():
            row_lo = np.searchsorted(group_key, (key_sorted // span) * span, side="left")
        entry_order_sorted = None
    else:
        row_lo = np.searchsorted(group_key, key_entry[order_time], side="right")
        entry_order_sorted = np.argsort(key_entry[order_time], kind="stable")
    dead_group = np.full(order_time.size, -1)
    dead_group[event_sorted] = group
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
        xt_sorted=xt_sorted,
        w_sorted=w_sorted,
        event_pos=np.flatnonzero(event_sorted),
        entry_order_sorted=entry_order_sorted,
        row_hi=row_hi,
        row_lo=row_lo,
        dead_group=dead_group,
        event_x_sum=weights[event_rows] @ x[event_rows],
        tie_fractions=bool(frac.any()),
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


def _scratch(rs: RiskSets, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A work array kept between Newton iterations (fresh large arrays cost page faults)."""
    array = rs.scratch.get(name)
    if array is None or array.shape != shape:
        array = rs.scratch[name] = np.empty(shape)
    return array


def _sorted_risk_sums(rs: RiskSets, values: np.ndarray) -> np.ndarray:
    """Risk-set sums per event-time group of ``values`` ((1 + p) x n, rows in sorted order)."""
    # suffix sums as contiguous 1-d cumulative sums over the reversed rows (accurate at the end
    # of follow-up, unlike "total minus prefix")
    suffix = _scratch(rs, "suffix", (values.shape[0], values.shape[1] + 1))
    suffix[:, -1] = 0.0
    np.cumsum(values[:, ::-1], axis=1, out=suffix[:, -2::-1])
    sums = suffix[:, rs.time_lo] - suffix[:, rs.time_hi]
    if rs.entry_order_sorted is not None:
        np.cumsum(values[:, rs.entry_order_sorted][:, ::-1], axis=1, out=suffix[:, -2::-1])
        sums -= suffix[:, rs.entry_lo] - suffix[:, rs.entry_hi]
    return sums


def partial_likelihood(rs: RiskSets, beta: np.ndarray, information: bool = True):
    """Log partial likelihood, score vector and information matrix at ``beta``.

    Returns (loglik, score, information) with information None when not requested.
    """
    xt = rs.xt_sorted  # p x n, contiguous rows: every pass below is over contiguous memory
    p = xt.shape[0]
    eta = beta @ xt
    risk = np.exp(eta)
    risk *= rs.w_sorted
    values = _scratch(rs, "values", (1 + p, xt.shape[1]))
    values[0] = risk
    np.multiply(xt, risk, out=values[1:])
    # per event-time group: risk-set sums S and (Efron) the tied events' sums D
    totals = _sorted_risk_sums(rs, values)
    single = rs.group_start.size == rs.frac.size  # no tied events: positions are the groups
    denom = totals[0] if single else totals[0, rs.group]
    if rs.tie_fractions:
        # Efron: the k-th of d tied events sees the risk set less k/d of the tied events' sum
        dead = np.add.reduceat(values[:, rs.event_pos], rs.group_start, axis=1)
        denom = denom - rs.frac * dead[0, rs.group]
    factor = rs.factor
    loglik = float(rs.w_sorted[rs.event_pos] @ eta[rs.event_pos] - factor @ np.log(denom))
    # c_i = risk_i (H_i - A_i): see the module docstring
    hazard = factor / denom
    group_hazard = hazard if single else np.add.reduceat(hazard, rs.group_start)
    cumulative = np.concatenate(([0.0], np.cumsum(group_hazard)))
    weight = cumulative[rs.row_hi]
    if rs.row_lo is not None:
        weight -= cumulative[rs.row_lo]
    if rs.tie_fractions:
        own_share = np.add.reduceat(hazard * rs.frac, rs.group_start)
        weight -= np.concatenate((own_share, [0.0]))[rs.dead_group]  # -1 (censored) -> 0
    weight *= risk
    score = rs.event_x_sum - xt @ weight
    info = None
    if information:
        # sum_k f_k m_k m_k' with m_k = (S1 - frac_k D1) / denom_k, expanded per group so that
        # only scalars are computed per event
        a = hazard / denom
        s1 = totals[1:]
        if single:
            info = (xt * weight) @ xt.T - (s1 * a) @ s1.T
        else:
            a_group = np.add.reduceat(a, rs.group_start)
            info = (xt * weight) @ xt.T - (s1 * a_group) @ s1.T
            if rs.tie_fractions:
                d1 = dead[1:]
                b_group = np.add.reduceat(a * rs.frac, rs.group_start)
                c_group = np.add.reduceat(a * rs.frac**2, rs.group_start)
                cross = (s1 * b_group) @ d1.T
                info += cross + cross.T - (d1 * c_group) @ d1.T
    return loglik, score, info
