"""Restricted mean survival time (RMST) and its two-group difference and ratio.

RMST(tau) is the area under the Kaplan-Meier curve from 0 to ``tau``, as R's
``print(survfit(...), rmean = tau)``; its variance is R's ``survmean`` one,
``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` over event times ``t_j <= tau`` with ``A_j`` the area
under the curve from ``t_j`` to ``tau`` (0 where n_j = d_j). A time ``tau`` after the last
observation carries the last value of the curve forward (R; survRM2 refuses such a ``tau``).

Two groups are compared as survRM2's ``rmst2`` does: the difference ``RMST_1 - RMST_0`` with
standard error ``sqrt(se_1^2 + se_0^2)`` and a normal (Wald) CI; the ratio ``RMST_1 / RMST_0``
on the log scale by the delta method, ``se(log ratio) = sqrt(se_1^2/RMST_1^2 + se_0^2/RMST_0^2)``,
CI ``exp(log ratio +- z se)``; two-sided normal p-values. The CI of one RMST is ``estimate +-
z se`` (survRM2; R prints no CI).

References
----------
Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio for
the design and analysis of randomized trials with a time-to-event outcome. BMC Med Res Methodol
2013;13:152. Uno H, Claggett B, Tian L, et al. Moving beyond the hazard ratio in quantifying the
between-group difference in survival analysis. J Clin Oncol 2014;32:2380-2385. Uno H et al.
survRM2 package, ``rmst2``. Therneau T. survival package, ``survmean``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import check_labels, check_survival_data
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.confidence import normal_quantile
from oncorwe.stats.kaplan_meier import kaplan_meier


@dataclass(frozen=True)
class RMST:
    """Restricted mean survival time up to ``tau`` with its standard error and normal CI."""

    estimate: float
    se: float
    lower: float
    upper: float
    tau: float
    conf_level: float
    n: int
    n_events: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the method."""
        return jsonable({"method": "rmst (area under kaplan-meier, R survmean)", **self.__dict__})


@dataclass(frozen=True, eq=False)
class RMSTComparison:
    """Two-group RMST comparison.

    Attributes
    ----------
    groups : DataFrame indexed by group (reference first): ``estimate, se, lower, upper, n,
        n_events``.
    table : DataFrame indexed by ``difference`` (other - reference) and ``ratio`` (other /
        reference): ``estimate, se, lower, upper, p``; the ratio's ``se`` is that of its log.
    tau, conf_level, reference (group level), other (group level).
    """

    groups: pd.DataFrame
    table: pd.DataFrame
    tau: float
    conf_level: float
    reference: Any
    other: Any

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the options, the per-group RMSTs and the comparison."""
        return jsonable(
            {"method": "rmst difference and ratio (survRM2)", "tau": self.tau,
             "conf_level": self.conf_level, "reference": self.reference, "other": self.other,
             "groups": self.groups.reset_index(), "table": self.table.reset_index()}
        )  # fmt: skip

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _check_tau(tau: Any) -> float:
    try:
        value = float(tau)
    except (TypeError, ValueError):
        raise StatsInputError(f"tau: {tau!r} is not a number") from None
    if not np.isfinite(value) or value <= 0:
        raise StatsInputError(f"tau: {tau!r} must be a positive finite time")
    return value


def _area(time: np.ndarray, event: np.ndarray, tau: float) -> tuple[float, float]:
    """RMST and its variance from one Kaplan-Meier curve (R's survmean, start time 0)."""
    table = kaplan_meier(time, event).table
    times = table["time"].to_numpy(float)
    keep = times <= tau
    n_risk = table["n_risk"].to_numpy(float)[keep]
    n_event = table["n_event"].to_numpy(float)[keep]
    surv = table["surv"].to_numpy(float)[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(n_risk == n_event, 0.0, n_event / (n_risk * (n_risk - n_event)))
    # rectangles between successive curve times (and tau) under the step function
    edges = np.r_[0.0, times[keep], tau]
    heights = np.r_[1.0, surv]
    rectangles = np.diff(edges) * heights
    # area after each curve time t_j up to tau
    after = np.cumsum(rectangles[::-1])[::-1][1:]
    return float(rectangles.sum()), float(np.sum(after**2 * hazard_var))


def rmst(time: Any, event: Any, tau: float, conf_level: float = 0.95) -> RMST:
    """Restricted mean survival time up to ``tau``, as R's ``print(survfit, rmean = tau)``.

    Parameters
    ----------
    time, event : follow-up times (>= 0) and event indicators (1/0).
    tau : restriction time (> 0).
    conf_level : level of the normal confidence interval ``estimate +- z se``.

    Returns
    -------
    RMST

    References
    ----------
    Royston P, Parmar MKB 2013; Therneau T, survival ``survmean``.
    """
    tau = _check_tau(tau)
    data = check_survival_data(time, event)
    if not 0 < conf_level < 1:
        raise StatsInputError(f"conf_level: {conf_level!r} must lie strictly in (0, 1)")
    estimate, variance = _area(data.time, data.event, tau)
    se = float(np.sqrt(variance))
    z = normal_quantile(conf_level)
    return RMST(estimate, se, estimate - z * se, estimate + z * se, tau, float(conf_level),
                int(data.time.size), float(data.event.sum()))  # fmt: skip


def rmst_difference(
    time: Any, event: Any, group: Any, tau: float, reference: Any = None, conf_level: float = 0.95
) -> RMSTComparison:
    """RMST of two groups, their difference and ratio with CIs, as survRM2's ``rmst2``.

    Parameters
    ----------
    time, event : follow-up times and event indicators.
    group : two-level group labels. reference : the level subtracted / divided by (default:
        the first level in sorted order); the other level is the "treated" arm (survRM2 arm 1).
    tau : restriction time. conf_level : level of all CIs.

    Returns
    -------
    RMSTComparison

    Steps
    -----
    1. check; 2. RMST and variance per group; 3. difference (normal CI) and ratio (log scale,
    delta method), two-sided p-values.

    References
    ----------
    Uno H et al. J Clin Oncol 2014;32:2380-2385; survRM2 ``rmst2``.
    """
    # step 1
    tau = _check_tau(tau)
    data = check_survival_data(time, event)
    codes, levels = check_labels("group", group, data.time.size)
    if levels.size != 2:
        raise StatsInputError(f"group: needs exactly 2 levels, found {levels.size}: {list(levels)}")
    ref_code = 0 if reference is None else _level_code(levels, reference)
    order = [ref_code, 1 - ref_code]
    # step 2
    rows = []
    for code in order:
        member = codes == code
        one = rmst(data.time[member], data.event[member], tau, conf_level)
        rows.append((levels[code], one.estimate, one.se, one.lower, one.upper, one.n,
                     one.n_events))  # fmt: skip
    groups = pd.DataFrame(
        rows, columns=["group", "estimate", "se", "lower", "upper", "n", "n_events"]
    ).set_index("group")
    # step 3
    (m0, m1), (s0, s1) = groups["estimate"].to_numpy(), groups["se"].to_numpy()
    z = normal_quantile(conf_level)
    difference, difference_se = m1 - m0, np.hypot(s0, s1)
    log_ratio, log_ratio_se = np.log(m1) - np.log(m0), np.sqrt((s1 / m1) ** 2 + (s0 / m0) ** 2)
    table = pd.DataFrame(
        {
            "estimate": [difference, np.exp(log_ratio)],
            "se": [difference_se, log_ratio_se],
            "lower": [difference - z * difference_se, np.exp(log_ratio - z * log_ratio_se)],
            "upper": [difference + z * difference_se, np.exp(log_ratio + z * log_ratio_se)],
            "p": 2 * norm.sf(np.abs([difference / difference_se, log_ratio / log_ratio_se])),
        },
        index=pd.Index(["difference", "ratio"], name="measure"),
    )
    return RMSTComparison(groups, table, tau, float(conf_level), levels[order[0]], levels[order[1]])


def _level_code(levels: np.ndarray, reference: Any) -> int:
    matches = [i for i, level in enumerate(levels) if level == reference]
    if not matches:
        raise StatsInputError(f"reference: {reference!r} is not a group level ({list(levels)})")
    return matches[0]
