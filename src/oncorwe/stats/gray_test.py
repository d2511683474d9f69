"""Gray's K-sample test for equal cumulative incidence of one cause, as ``cmprsk::cuminc``.

References
----------
Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing risk.
Ann Stat 1988;16:1141-1154. Gray RJ. cmprsk package, ``cuminc`` (Fortran ``crstm``/``crst``),
version 2.2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import chi2

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import check_labels
from oncorwe.stats._competing_data import check_competing_risks
from oncorwe.stats._serialise import jsonable, to_json


@dataclass(frozen=True, eq=False)
class GrayTest:
    """Result of :func:`gray_test`.

    Attributes
    ----------
    chisq, df, p_value : the statistic ``s' V^-1 s``, its degrees of freedom (groups - 1) and
        p-value (chi-square).
    cause, rho : the event code tested and the weight exponent.
    groups : group levels (sorted); strata : stratum levels (empty when unstratified).
    score : scores of the first k - 1 groups; variance : their (k-1) x (k-1) covariance.
    """

    chisq: float
    df: int
    p_value: float
    cause: Any
    rho: float
    groups: tuple
    strata: tuple = ()
    score: np.ndarray = field(default=None, repr=False)
    variance: np.ndarray = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return jsonable(
            {
                "method": "gray k-sample test",
                "cause": self.cause,
                "rho": self.rho,
                "chisq": self.chisq,
                "df": self.df,
                "p_value": self.p_value,
                "groups": list(self.groups),
                "strata": list(self.strata),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _shift(values: np.ndarray, first: float) -> np.ndarray:
    """Left-continuous version of a per-time array (row t holds the value of row t - 1)."""
    return np.concatenate((np.full((1, *values.shape[1:]), first), values[:-1]))


def _stratum_score(time, m, group_code, n_groups, rho):
    """Score and variance of one stratum: cmprsk's ``crst`` with its per-time loop replaced by
    cumulative sums over distinct event times (m: 0 censored, 1 cause, 2 competing)."""
    times, position = np.unique(time, return_inverse=True)
    cell = position * n_groups + group_code
    size = times.size * n_groups

    def count(mask):
        return np.bincount(cell, weights=mask, minlength=size).reshape(-1, n_groups)

    d1, d2, leaving = count(m == 1), count(m == 2), count(np.ones_like(m))
    at_risk = np.cumsum(leaving[::-1], axis=0)[::-1]
    rows = (d1 + d2).sum(axis=1) > 0  # crst skips times without events
    d1, d2, rs = d1[rows], d2[rows], at_risk[rows]
    alive = rs > 0
    safe_rs = np.where(alive, rs, 1.0)
    # per-group all-cause Kaplan-Meier (skm, left: skmm) and cumulative incidence (f1m)
    skm = np.cumprod(np.where(alive, (rs - d1 - d2) / safe_rs, 1.0), axis=0)
    skmm = _shift(skm, 1.0)
    f1m = _shift(np.cumsum(np.where(alive, skmm * d1 / safe_rs, 0.0), axis=0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(alive, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(alive, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        f = np.cumsum(nd1 / tr)
        fm = _shift(f, 0.0)
        fb = (1 - fm) ** rho
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(n_groups) - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c = np.cumsum(a * (nd1 / (tr * (1 - fm)))[:, None, None], axis=0)
        score = np.where(alive, fb[:, None] * (d1 - nd1[:, None] * t1 * (1 - f1m) / tq[:, None]), 0)
        # events of the cause: t4, t5, t3 of crst (zero weight where nobody is at risk)
        t4 = np.where(skm > 0, 1 - (1 - f[:, None]) / skm, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(alive & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0)
        # competing events
        u4 = np.where(skm > 0, (1 - f[:, None]) / skm, 0.0)
        u5 = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        u3 = np.where((skm > 0) & (d2 > 0), u5 * skmm**2 * d2 / rs**2, 0.0)
    t3, u3 = np.nan_to_num(t3), np.nan_to_num(u3)
    b = a - t4[:, None, :] * c  # [time, i, k]
    v3 = (t4**2 * t3 + u4**2 * u3).sum(axis=0)
    v2 = np.einsum("tik,tk->ik", b, t4 * t3) - np.einsum("tik,tk->ik", c, u4**2 * u3)
    v = np.einsum("tik,tjk,tk->ij", b, b, t3) + np.einsum("tik,tjk,tk->ij", c, c, u4**2 * u3)
    final = c[-1]
    v += (final * v3) @ final.T + final @ v2.T + v2 @ final.T
    k1 = n_groups - 1
    return score.sum(axis=0)[:k1], v[:k1, :k1]


def gray_test(
    time: Any, status: Any, cause: Any, group: Any, rho: float = 0, strata: Any = None
) -> GrayTest:
    """Gray's test that the cumulative incidence of ``cause`` is equal in k >= 2 groups.

    Parameters
    ----------
    time, status, cause : as :func:`cumulative_incidence` (status 0 = censored).
    group : group labels (reported in sorted order, as R's factor levels).
    rho : weight exponent: the score at t is weighted by ``(1 - F(t-))^rho``, F the pooled
        cumulative incidence (cmprsk's default 0).
    strata : optional stratum labels; scores and variances are summed over strata.

    Returns
    -------
    GrayTest, equal to ``cmprsk::cuminc(time, status, group, strata, rho)$Tests``.

    Steps
    -----
    1. check the input; 2. per stratum, sort once and count events of the cause, competing
    events and censorings per distinct time and group; 3. group and pooled Kaplan-Meier and
    cumulative incidence; 4. score and variance as cmprsk's ``crst``; 5. chi-square.

    References
    ----------
    Gray RJ. Ann Stat 1988;16:1141-1154. Gray RJ, cmprsk package, ``crstm``.
    """
    # step 1
    data = check_competing_risks(time, status, cause)
    n = data.time.size
    group_code, levels = check_labels("group", group, n)
    if levels.size < 2:
        raise StatsInputError(f"group: only one level ({levels[0]!r}); need at least two groups")
    if not np.isfinite(rho):
        raise StatsInputError(f"rho: {rho!r} must be a finite number")
    stratum_code, stratum_levels = np.zeros(n, dtype=np.int64), ()
    if strata is not None:
        stratum_code, stratum_array = check_labels("strata", strata, n)
        stratum_levels = tuple(stratum_array.tolist())
    k = levels.size
    m = np.where(data.status == data.cause, 1, np.where(data.status == 0, 0, 2))
    # steps 2-4
    score, variance = np.zeros(k - 1), np.zeros((k - 1, k - 1))
    for stratum in range(max(len(stratum_levels), 1)):
        keep = stratum_code == stratum
        s, v = _stratum_score(data.time[keep], m[keep], group_code[keep], k, float(rho))
        score, variance = score + s, variance + v
    # step 5
    if not np.all(np.isfinite(variance)) or np.linalg.matrix_rank(variance) < k - 1:
        raise StatsInputError(
            "gray_test: the variance matrix is singular (a group may have no one at risk "
            "at any event time); no test is possible"
        )
    chisq = float(score @ np.linalg.solve(variance, score))
    return GrayTest(
        chisq=chisq,
        df=int(k - 1),
        p_value=float(chi2.sf(chisq, k - 1)),
        cause=data.cause_label,
        rho=float(rho),
        groups=tuple(levels.tolist()),
        strata=stratum_levels,
        score=score,
        variance=variance,
    )
