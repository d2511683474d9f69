"""Cumulative incidence under competing risks (Aalen-Johansen), as R's ``survfit`` multi-state
and ``cmprsk::cuminc``, with Gray's K-sample test when grouped.

References
----------
Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains based on
censored observations. Scand J Stat 1978;5:141-150. Kalbfleisch JD, Prentice RL. The Statistical
Analysis of Failure Time Data, 2nd ed. Wiley 2002, section 8.2. Gray RJ. A class of K-sample tests
for comparing the cumulative incidence of a competing risk. Ann Stat 1988;16:1141-1154. Therneau T.
survival package, ``survfit.formula`` multi-state (``survfitCI``) and ``survfit_confint``,
version 3.5. Gray RJ. cmprsk package, ``cuminc`` (Fortran ``cinc``), version 2.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import check_conf, check_labels
from oncorwe.stats._competing_data import CompetingRisksData, check_competing_risks
from oncorwe.stats._counting import count_causes_by_time
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.confidence import normal_quantile
from oncorwe.stats.gray_test import GrayTest, gray_test

ConfType = Literal["log-log", "log", "plain"]
TABLE_COLUMNS = [
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "estimate",
    "std_err",
    "lower",
    "upper",
    "cmprsk_var",
]
AT_COLUMNS = ["time", "estimate", "std_err", "lower", "upper", "n_risk"]


@dataclass(frozen=True, eq=False)
class CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of one cause: its table and the options used.

    Attributes
    ----------
    table : DataFrame, one row per distinct time (events of any type and censorings, as R's
        ``survfit``), per group when grouped (then a leading ``group`` column):
        ``time, n_risk, n_event, n_censor, estimate, std_err, lower, upper, cmprsk_var``.
        ``n_event`` counts events of ``cause``; ``n_censor`` censorings. ``std_err`` is R
        ``survfit``'s standard error of the estimate (infinitesimal jackknife, which for
        unweighted data is the Aalen-Johansen / delta-method variance); ``lower``/``upper`` are
        R's pointwise limits for it. ``cmprsk_var`` is the variance that ``cmprsk::cuminc``
        reports (Gray's delta-method formula; it changes only at events of ``cause``).
    cause : the event code of interest. causes : all event codes seen (0 = censored excluded).
    conf_type, conf_level : the confidence-interval options.
    groups : group levels (empty when ungrouped).
    gray_test : Gray's K-sample test of equal cumulative incidence across groups (None when
        ungrouped), as ``cmprsk::cuminc``'s ``Tests``.
    n, n_events : number of observations and of events of ``cause``.
    """

    table: pd.DataFrame
    cause: Any
    causes: tuple
    conf_type: str
    conf_level: float
    n: int
    n_events: int
    groups: tuple = ()
    gray_test: GrayTest | None = None

    def at(self, times: Any, extend: bool = False) -> pd.DataFrame:
        """Estimate, SE, CI and number at risk at landmark times, as R's ``summary(fit, times=)``.

        Parameters
        ----------
        times : landmark times (sorted in the output, as R does).
        extend : when False (R's default) times after a curve's last time are left out; when
            True they keep the last value with ``n_risk = 0``.

        Returns
        -------
        DataFrame ``time, estimate, std_err, lower, upper, n_risk`` (``group`` first when
        grouped): values from the last curve time at or before ``t`` (0 before the first time,
        as R's ``survfit0``), ``n_risk`` from the first curve time at or after ``t``.
        """
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if np.isnan(times).any():
            raise StatsInputError("times: landmark times must not contain NaN")
        if not self.groups:
            return _curve_at(self.table, times, extend)
        parts = [
            _curve_at(part, times, extend).assign(group=level)
            for level, part in self.table.groupby("group", sort=False)
        ]
        return pd.concat(parts, ignore_index=True)[["group", *AT_COLUMNS]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: options, counts, Gray's test and the full table."""
        return jsonable(
            {
                "method": "aalen-johansen",
                "cause": self.cause,
                "causes": list(self.causes),
                "conf_type": self.conf_type,
                "conf_level": self.conf_level,
                "variance": "infinitesimal jackknife (R survfit)",
                "n": self.n,
                "n_events": self.n_events,
                "groups": list(self.groups),
                "gray_test": self.gray_test.to_dict() if self.gray_test else None,
                "table": self.table,
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text (NaN written as null)."""
        return to_json(self.to_dict(), indent=indent)


def _reverse_cumsum(values: np.ndarray) -> np.ndarray:
    return np.cumsum(values[::-1])[::-1]


def pstate_confint(p, std_err, conf_type: str, conf_level: float):
    """Pointwise limits of a state probability as R's ``survfit_confint(logse = FALSE)``.

    The standard error of log(p) is ``std_err / p``; ``log`` and ``log-log`` limits are NA
    (NaN) where R gives NA (p = 0, and p = 1 or above for log-log); ``plain`` is clipped to
    [0, 1].
    """
    z = normal_quantile(conf_level)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        se = np.where(std_err == 0, 0.0, std_err / p)
        if conf_type == "plain":
            half = se * p * z
            return np.maximum(p - half, 0.0), np.minimum(p + half, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0, np.nan, p)
            return np.exp(np.log(xx) - z * se), np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        # R's log(-log(p)) is NA at p = 0 and p = 1 and NaN above 1 (an estimate a rounding
        # above 1, where R's sums give exactly 1): no limits there, never an infinite one
        xx = np.where((p <= 0) | (p >= 1), np.nan, p)
        log_p = np.log(xx)
        # R: exp(-exp(log(-log(p)) -/+ half)) = exp(log(p) * exp(-/+ half)), fewer logs and exps
        scale = np.exp(z * se / log_p)
        return np.exp(log_p / scale), np.exp(log_p * scale)


def _one_curve(time, status, cause, conf_type, conf_level) -> pd.DataFrame:
    """Aalen-Johansen table of one group: one count pass per time, cumulative sums."""
    # imported here: numba (about 0.3 s to import) loads only when a curve is computed
    from oncorwe.stats._competing_variance import cmprsk_variance, ij_std_err

    times, leaving, d_all, d_cause = count_causes_by_time(time, status, cause)
    n_censor = leaving - d_all
    n_risk = _reverse_cumsum(leaving)
    after = n_risk - leaving
    # all-cause Kaplan-Meier, left-continuous, and the cumulative incidence of the cause
    surv = np.cumprod(1 - d_all / n_risk)
    surv_left = np.concatenate(([1.0], surv[:-1]))
    estimate = np.cumsum(surv_left * d_cause / n_risk)
    # at a time where everyone at risk fails the coefficient 1 / (n - d) multiplies
    # F(t) - F(u) = 0, so it is taken as 0
    remaining = n_risk - d_all
    inv_nd = np.divide(1.0, remaining, out=np.zeros(times.size), where=remaining > 0)
    std_err = ij_std_err(d_all, d_cause, n_censor, after, n_risk, surv_left, estimate, inv_nd)
    lower, upper = pstate_confint(estimate, std_err, conf_type, conf_level)
    # the arrays are new and not shared, so pandas may keep them without copying
    return pd.DataFrame(
        {
            "time": times,
            "n_risk": n_risk.astype(np.int64),
            "n_event": d_cause.astype(np.int64),
            "n_censor": n_censor.astype(np.int64),
            "estimate": estimate,
            "std_err": std_err,
            "lower": lower,
            "upper": upper,
            "cmprsk_var": cmprsk_variance(d_all, d_cause, n_risk, surv_left, surv, estimate),
        },
        columns=TABLE_COLUMNS,
        copy=False,
    )


def _curve_at(table: pd.DataFrame, times: np.ndarray, extend: bool) -> pd.DataFrame:
    """R's ``summary(survfit, times = )`` for a rising curve that starts at 0 (``survfit0``)."""
    curve_time = table["time"].to_numpy(dtype=float)
    n_risk = table["n_risk"].to_numpy()
    values = {c: table[c].to_numpy(dtype=float) for c in ("estimate", "std_err", "lower", "upper")}
    if curve_time[0] != 0:  # survfit0 adds a starting row: estimate = SE = limits = 0
        curve_time = np.concatenate(([0.0], curve_time))
        n_risk = np.concatenate((n_risk[:1], n_risk))
        values = {c: np.concatenate(([0.0], v)) for c, v in values.items()}
    times = np.sort(times[np.isfinite(times)])
    if not extend:
        times = times[times <= curve_time[-1]]
    row_before = np.maximum(np.searchsorted(curve_time, times, side="right") - 1, 0)
    row_after = np.searchsorted(curve_time, times, side="left")
    result = {"time": times, **{c: v[row_before] for c, v in values.items()}}
    result["n_risk"] = np.concatenate((n_risk, np.zeros(1, dtype=n_risk.dtype)))[row_after]
    return pd.DataFrame(result, columns=AT_COLUMNS)


def cumulative_incidence(
    time: Any,
    status: Any,
    cause: Any,
    group: Any = None,
    conf_type: ConfType = "log-log",
    conf_level: float = 0.95,
    rho: float = 0,
) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of ``cause`` with competing events, by group.

    Parameters
    ----------
    time : follow-up times (>= 0).
    status : 0 = censored, any other value = the type of event that ended follow-up.
    cause : the event type of interest (a non-zero value present in ``status``); all other
        non-zero values are competing events.
    group : optional group labels; each group gets its own curve, and Gray's test compares them.
    conf_type : ``"log-log"`` (default here; R's ``survfit`` default is ``"log"``), ``"log"``
        or ``"plain"``, applied to the estimate itself as R's ``survfit`` multi-state does.
    conf_level : confidence level (0.95).
    rho : exponent of Gray's weight ``(1 - F(t-))^rho`` (0, cmprsk's default).

    Returns
    -------
    CumulativeIncidence; estimates equal R's ``survfit(Surv(time, factor(status)) ~ 1)``
    ``pstate`` and ``cmprsk::cuminc``; ``std_err``, ``lower``, ``upper`` equal R survfit's.

    Steps
    -----
    1. check the input (one gate); 2. per group: sort once, count events by type and censorings
    per distinct time; 3. all-cause Kaplan-Meier S(t-) and F(t) = cumsum S(t-) d_cause / n;
    4. infinitesimal-jackknife SE (closed form in cumulative sums) and cmprsk's variance;
    5. pointwise limits; 6. Gray's test when grouped.

    References
    ----------
    Aalen OO, Johansen S. Scand J Stat 1978;5:141-150. Gray RJ. Ann Stat 1988;16:1141-1154.
    Therneau T, survival package (``survfitCI``); Gray RJ, cmprsk package (``cuminc``).
    """
    # step 1
    check_conf(conf_type, conf_level)
    data: CompetingRisksData = check_competing_risks(time, status, cause)
    levels: tuple = ()
    if group is not None:
        codes, level_array = check_labels("group", group, data.time.size)
        if level_array.size < 2:
            raise StatsInputError(
                f"group: only one level ({level_array[0]!r}); leave group out for one curve"
            )
        levels = tuple(level_array.tolist())
    # steps 2-5
    if not levels:
        table = _one_curve(data.time, data.status, data.cause, conf_type, conf_level)
        test = None
    else:
        parts = []
        for code, level in enumerate(levels):
            keep = codes == code
            part = _one_curve(data.time[keep], data.status[keep], data.cause, conf_type,
                              conf_level)  # fmt: skip
            parts.append(part.assign(group=level))
        table = pd.concat(parts, ignore_index=True)[["group", *TABLE_COLUMNS]]
        # step 6
        test = gray_test(data.time, data.status, data.cause, group, rho=rho)
    return CumulativeIncidence(
        table=table,
        cause=data.cause_label,
        causes=data.causes,
        conf_type=conf_type,
        conf_level=float(conf_level),
        n=int(data.time.size),
        n_events=int(np.sum(data.status == data.cause)),
        groups=levels,
        gray_test=test,
    )
