"""Log-rank and G-rho (Harrington-Fleming) tests for k groups, optionally stratified, as R's
``survival::survdiff``.

References
----------
Mantel N. Evaluation of survival data and two new rank order statistics arising in its
consideration. Cancer Chemother Rep 1966;50:163-170. Peto R, Peto J. Asymptotically efficient
rank invariant test procedures. J R Stat Soc A 1972;135:185-207. Harrington DP, Fleming TR. A
class of rank test procedures for censored survival data. Biometrika 1982;69:553-566. Therneau T.
survival package, ``survdiff`` (C routine ``survdiff2``), version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import check_labels, check_survival_data
from oncorwe.stats._counting import whole_times
from oncorwe.stats._serialise import jsonable, to_json


@dataclass(frozen=True, eq=False)
class LogRankTest:
    """Result of :func:`logrank`.

    Attributes
    ----------
    chisq, df, p_value : the chi-square statistic, its degrees of freedom (groups with expected
        > 0, minus 1) and p-value.
    rho : G-rho weight exponent (0 = log-rank, 1 = Peto-Peto / Gehan-Wilcoxon-like).
    table : DataFrame, one row per group: ``group, n, observed, expected, o_e_sq_over_e,
        o_e_sq_over_v`` (observed and expected are weighted by S(t-)^rho, as R reports them).
    variance : k x k variance matrix of observed - expected (summed over strata).
    strata : stratum levels (empty when unstratified).
    """

    chisq: float
    df: int
    p_value: float
    rho: float
    table: pd.DataFrame
    variance: np.ndarray = field(repr=False)
    strata: tuple = ()

    @property
    def method(self) -> str:
        """Name of the test that was computed."""
        name = "log-rank" if self.rho == 0 else f"G-rho (rho = {self.rho:g})"
        return f"stratified {name}" if self.strata else name

    def to_frame(self) -> pd.DataFrame:
        """Per-group table with the test statistic repeated on each row (tidy form)."""
        return self.table.assign(chisq=self.chisq, df=self.df, p_value=self.p_value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return jsonable(
            {
                "method": self.method,
                "rho": self.rho,
                "chisq": self.chisq,
                "df": self.df,
                "p_value": self.p_value,
                "strata": list(self.strata),
                "groups": self.table,
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _risk_sets(time, event, group_code, stratum_code, n_groups):
    """Per (stratum, distinct time): events and numbers at risk by group, sorted once.

    Returns (events [P x k], at_risk [P x k], stratum of each row, first row of each stratum).
    """
    order = np.lexsort((time, stratum_code))
    time, event = time[order], event[order]
    group_code, stratum_code = group_code[order], stratum_code[order]
    new_row = np.ones(time.size, dtype=bool)
    new_row[1:] = (time[1:] != time[:-1]) | (stratum_code[1:] != stratum_code[:-1])
    row = np.cumsum(new_row) - 1
    n_rows = int(row[-1]) + 1
    cell = row * n_groups + group_code
    events = np.bincount(cell, weights=event, minlength=n_rows * n_groups)
    leaving = np.bincount(cell, minlength=n_rows * n_groups).astype(float)
    events = events.reshape(n_rows, n_groups)
    leaving = leaving.reshape(n_rows, n_groups)
    row_stratum = stratum_code[new_row]
    # at risk within the stratum: reverse cumulative sum minus that of the following strata
    tail = np.vstack((np.cumsum(leaving[::-1], axis=0)[::-1], np.zeros((1, n_groups))))
    stratum_start = np.flatnonzero(np.r_[True, row_stratum[1:] != row_stratum[:-1]])
    stratum_end = np.r_[stratum_start[1:], n_rows]
    next_start = np.repeat(stratum_end, np.diff(np.r_[stratum_start, n_rows]))
    at_risk = tail[:-1] - tail[next_start]
    return events, at_risk, row_stratum, stratum_start


def _whole_time_risk_sets(whole, event, group_code, n_groups):
    """Events and numbers at risk [k x P] for whole-number times: one bincount of (time, group)."""
    size = (int(whole.max()) + 1) * n_groups
    cell = whole * n_groups + group_code
    leaving = np.bincount(cell, minlength=size).astype(float).reshape(-1, n_groups)
    events = np.bincount(cell, weights=event, minlength=size).reshape(-1, n_groups)
    at_risk = np.cumsum(leaving[::-1], axis=0)[::-1]
    rows = np.flatnonzero(events.any(axis=1))
    return np.ascontiguousarray(events[rows].T), np.ascontiguousarray(at_risk[rows].T)


def _event_time_risk_sets(time, event, group_code, n_groups):
    """Unstratified events and numbers at risk [k x P] at the distinct event times only.

    Rows where nobody has the event add nothing to observed, expected or variance, and leave the
    pooled Kaplan-Meier weight unchanged, so they are left out. Whole-number times in a small
    range are counted with one ``bincount``; other times without any pooled sort.
    """
    whole = whole_times(time)
    if whole is not None and (whole.max() + 1) * n_groups <= max(4 * time.size, 1 << 16):
        return _whole_time_risk_sets(whole, event, group_code, n_groups)
    # imported here: numba (about 0.3 s to import) loads only when this path runs
    from oncorwe.stats._group_risk_sets import group_risk_sets

    return group_risk_sets(time, event, group_code, n_groups)


def _left_km_weight(d, n, stratum_start, rho):
    """S(t-)^rho with S the pooled Kaplan-Meier within each stratum (left-continuous)."""
    if rho == 0:
        return np.ones(d.size)
    factor = 1 - d / n
    # a zero factor ends its stratum (nobody is left at risk), so it never weights a later row
    log_factor = np.log(np.where(factor > 0, factor, 1.0))
    inclusive = np.cumsum(log_factor)
    exclusive = inclusive - log_factor
    start_of_row = np.repeat(stratum_start, np.diff(np.r_[stratum_start, d.size]))
    offset = exclusive[start_of_row]
    return np.exp(rho * (exclusive - offset))


def logrank(time: Any, event: Any, group: Any, strata: Any = None, rho: float = 0) -> LogRankTest:
    """Test equality of survival curves in k >= 2 groups: log-rank (rho = 0) or G-rho.

    Parameters
    ----------
    time, event : follow-up times (>= 0) and event indicators (1 = event, 0 = censored).
    group : group labels (any sortable values; groups are reported in sorted order, as R's factor
        levels).
    strata : optional stratum labels; the test sums observed, expected and variance over strata.
    rho : G-rho weight exponent: each event time is weighted by S(t-)^rho, with S the pooled
        Kaplan-Meier within the stratum (rho = 1 is the Peto-Peto modification of Gehan's test).

    Returns
    -------
    LogRankTest, equal to R's ``survdiff(Surv(time, event) ~ group + strata(strata), rho = rho)``.

    Steps
    -----
    1. check the input; 2. count events and numbers at risk per group at each distinct time (one
    sort by stratum and time; unstratified: a sort within each group, or a bincount of whole-number
    times); 3. weights S(t-)^rho; 4. observed, expected and the hypergeometric variance summed over
    event times; 5. chi-square on the groups with expected > 0, dropping the first.

    References
    ----------
    Mantel N. 1966. Peto R, Peto J. 1972. Harrington DP, Fleming TR. Biometrika 1982;69:553-566.
    Therneau T. survival package, ``survdiff``.
    """
    # step 1
    data = check_survival_data(time, event)
    group_code, levels = check_labels("group", group, data.time.size)
    if levels.size < 2:
        raise StatsInputError(f"group: only one level ({levels[0]!r}); need at least two groups")
    stratum_levels: tuple = ()
    stratum_code = np.zeros(data.time.size, dtype=np.int64)
    if strata is not None:
        stratum_code, stratum_array = check_labels("strata", strata, data.time.size)
        stratum_levels = tuple(stratum_array.tolist())
    if not np.isfinite(rho) or rho < 0:
        raise StatsInputError(f"rho: {rho!r} must be a finite number >= 0")
    k = levels.size
    # step 2 (events and at_risk: one row per group, one column per time)
    stratum_start = np.zeros(1, dtype=np.int64)
    if strata is None:
        events, at_risk = _event_time_risk_sets(data.time, data.event, group_code, k)
    else:
        events, at_risk, _, stratum_start = _risk_sets(
            data.time, data.event, group_code, stratum_code, k
        )
        events, at_risk = np.ascontiguousarray(events.T), np.ascontiguousarray(at_risk.T)
    d, n = events.sum(axis=0), at_risk.sum(axis=0)
    # step 3
    weight = _left_km_weight(d, n, stratum_start, rho)
    # step 4
    observed = events @ weight
    expected = at_risk @ (weight * d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        kt = np.where(n > 1, weight**2 * d * (n - d) / (n * (n - 1)), 0.0)
    variance = np.diag(at_risk @ kt) - (at_risk * (kt / n)) @ at_risk.T
    # step 5
    chisq, df = _chisq(observed, expected, variance)
    diag = np.diag(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame(
            {
                "group": levels,
                "n": np.bincount(group_code, minlength=k),
                "observed": observed,
                "expected": expected,
                "o_e_sq_over_e": (observed - expected) ** 2 / expected,
                "o_e_sq_over_v": (observed - expected) ** 2 / diag,
            }
        )
    p_value = float(chi2.sf(chisq, df)) if df > 0 else 1.0
    return LogRankTest(float(chisq), df, p_value, float(rho), table, variance, stratum_levels)


def _chisq(observed: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> tuple[float, int]:
    """R's survdiff statistic: groups with expected > 0, the first one dropped."""
    keep = expected > 0
    df = int(keep.sum()) - 1
    if df < 1:
        raise StatsInputError(
            "logrank: fewer than two groups have anyone at risk at an event time; "
            "no comparison is possible"
        )
    difference = (observed - expected)[keep][1:]
    sub = variance[np.ix_(keep, keep)][1:, 1:]
    try:
        solved = np.linalg.solve(sub, difference)
    except np.linalg.LinAlgError:
        raise StatsInputError("logrank: the variance matrix is singular") from None
    return float(solved @ difference), df
