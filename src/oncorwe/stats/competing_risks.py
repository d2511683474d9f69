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


def _ij_variance(counts: dict, n_risk, surv_left, estimate, inv_nd) -> np.ndarray:
    """Sum over subjects of the squared influence of each on the estimate (R's IJ variance).

    The influence of subject i on F(t) is ``F(t) a_i(t) + b_i(t)``, where ``a_i`` and ``b_i``
    depend on t only through ``min(t, t_i)``; subjects still at risk after t share one value,
    those who left at u share one value per (u, type), so the sum of squares is a cumulative
    sum over distinct times (no loop over subjects).
    """
    # The products go into three reused buffers (``out=``): with one entry per distinct time
    # (1e6 at N = 1e6), fresh temporaries cost more than the arithmetic. Each line computes the
    # formula in its comment with the same operations in the same order: the same bits.
    d_all, d_cause, censored, after = (counts[k] for k in ("d_all", "d_cause", "n_censor", "after"))
    x, y, z = np.empty_like(estimate), np.empty_like(estimate), np.empty_like(estimate)
    # c1 = cumsum(d_all / n_risk * inv_nd)
    np.divide(d_all, n_risk, out=x)
    c1 = np.cumsum(np.multiply(x, inv_nd, out=x))
    # c2 = cumsum(estimate * d_all / n_risk * inv_nd + surv_left * d_cause / n_risk**2)
    np.multiply(estimate, d_all, out=x)
    np.divide(x, n_risk, out=x)
    np.multiply(x, inv_nd, out=x)
    np.multiply(surv_left, d_cause, out=y)
    np.divide(y, np.square(n_risk, out=z), out=y)
    c2 = np.cumsum(np.add(x, y, out=x))
    # (a, b) of those who left at u, by type: censored (c1, -c2); an event of the cause
    # (a_event, b_other + S(u-)/n); a competing event (a_event, b_other). Both event types share
    # a_event, so their terms are summed before the cumulative sums.
    a_event = c1 - inv_nd
    b_other = np.subtract(estimate * inv_nd, c2)
    cause_step = surv_left / n_risk
    # aa = cumsum(censored * c1 * c1 + d_all * a_event * a_event)
    np.multiply(np.multiply(censored, c1, out=x), c1, out=x)
    np.multiply(np.multiply(d_all, a_event, out=y), a_event, out=y)
    aa = np.cumsum(np.add(x, y, out=x))
    # ab = cumsum(a_event * (d_all * b_other + d_cause * cause_step) - censored * c1 * c2)
    np.multiply(d_all, b_other, out=x)
    np.add(x, np.multiply(d_cause, cause_step, out=y), out=x)
    np.multiply(a_event, x, out=x)
    np.multiply(np.multiply(censored, c1, out=y), c2, out=y)
    ab = np.cumsum(np.subtract(x, y, out=x))
    # b_cause = b_other + cause_step
    b_cause = np.add(b_other, cause_step, out=cause_step)
    # bb = cumsum(censored * c2 * c2 + (d_all - d_cause) * b_other**2 + d_cause * b_cause**2)
    np.multiply(np.multiply(censored, c2, out=x), c2, out=x)
    np.multiply(np.subtract(d_all, d_cause, out=y), np.square(b_other, out=z), out=y)
    np.add(x, y, out=x)
    np.multiply(d_cause, np.square(b_cause, out=y), out=y)
    bb = np.cumsum(np.add(x, y, out=x))
    # variance = estimate**2 * (aa + after * c1**2) + 2 * estimate * (ab - after * c1 * c2)
    #            + (bb + after * c2**2)
    np.add(aa, np.multiply(after, np.square(c1, out=x), out=x), out=x)
    np.multiply(np.square(estimate, out=y), x, out=x)
    np.multiply(np.multiply(after, c1, out=y), c2, out=y)
    np.multiply(np.multiply(2, estimate, out=z), np.subtract(ab, y, out=y), out=y)
    np.add(x, y, out=x)
    np.add(bb, np.multiply(after, np.square(c2, out=y), out=y), out=y)
    variance = np.add(x, y, out=x)
    return np.sqrt(np.maximum(variance, 0.0, out=variance), out=variance)


def _cmprsk_variance(counts: dict, n_risk, surv_left, surv, estimate) -> np.ndarray:
    """The variance of ``cmprsk::cuminc`` (Fortran ``cinc``), a step function that changes
    only at events of the cause of interest (0 before the first)."""
    d_cause = counts["d_cause"]
    d_other = counts["d_all"] - d_cause
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_surv = np.where(surv > 0, 1.0 / surv, 0.0)
        left_squared, risk_squared = np.square(surv_left), np.square(n_risk)
        tied = counts["d_all"].max(initial=0) > 1

        def term(d):  # cinc's t6, surv_left**2 * t5 * d / n_risk**2, with the tie correction t5
            if not tied:  # t5 = 1 everywhere, and x * 1.0 is x: the same value, fewer passes
                return np.divide(left_squared * d, risk_squared)
            t5 = np.where(d > 1, 1 - (d - 1) / (n_risk - 1), 1.0)
            return left_squared * t5 * d / risk_squared

        # term(d) is finite and 0 where d = 0, so only S(t) = 0 needs its own zero
        t6_other = np.where(surv > 0, term(d_other), 0.0)
        t6_cause = term(d_cause)
    t4_other, t4_cause = estimate * inv_surv, 1 + inv_surv * estimate
    x, y = np.empty_like(estimate), np.empty_like(estimate)
    # v1 = cumsum(t4_other**2 * t6_other + t4_cause**2 * t6_cause), as v2 and v3 in buffers
    np.multiply(np.square(t4_other, out=x), t6_other, out=x)
    np.add(x, np.multiply(np.square(t4_cause, out=y), t6_cause, out=y), out=x)
    v1 = np.cumsum(x)
    # v2 = cumsum(inv_surv * t4_other * t6_other + inv_surv * t4_cause * t6_cause)
    np.multiply(np.multiply(inv_surv, t4_other, out=x), t6_other, out=x)
    np.multiply(np.multiply(inv_surv, t4_cause, out=y), t6_cause, out=y)
    v2 = np.cumsum(np.add(x, y, out=x))
    # v3 = cumsum(inv_surv**2 * (t6_other + t6_cause))
    np.multiply(np.square(inv_surv, out=x), np.add(t6_other, t6_cause, out=y), out=x)
    v3 = np.cumsum(x)
    # variance = v1 + estimate**2 * v3 - 2 * estimate * v2
    np.add(v1, np.multiply(np.square(estimate, out=x), v3, out=x), out=x)
    variance = np.subtract(x, np.multiply(np.multiply(2, estimate, out=y), v2, out=y), out=x)
    # recorded at events of the cause only: carry the last recorded value forward
    recorded = np.where(d_cause > 0, np.arange(d_cause.size), -1)
    last = np.maximum.accumulate(recorded)
    return np.where(last >= 0, variance[np.maximum(last, 0)], 0.0)


def pstate_confint(p, std_err, conf_type: str, conf_level: float):
    """Pointwise limits of a state probability as R's ``survfit_confint(logse = FALSE)``.

    The standard error of log(p) is ``std_err / p``; ``log`` and ``log-log`` limits are NA
    (NaN) where R gives NA (p = 0, and p = 1 for log-log); ``plain`` is clipped to [0, 1].
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
        xx = np.where((p == 0) | (p == 1), np.nan, p)
        log_p = np.log(xx)
        # R: exp(-exp(log(-log(p)) -/+ half)) = exp(log(p) * exp(-/+ half)), fewer logs and exps
        scale = np.exp(z * se / log_p)
        return np.exp(log_p / scale), np.exp(log_p * scale)


def _one_curve(time, status, cause, conf_type, conf_level) -> pd.DataFrame:
    """Aalen-Johansen table of one group: one count pass per time, cumulative sums."""
    times, leaving, d_all, d_cause = count_causes_by_time(time, status, cause)
    size = times.size
    counts = {"d_all": d_all, "d_cause": d_cause}
    counts["n_censor"] = leaving - counts["d_all"]
    n_risk = _reverse_cumsum(leaving)
    counts["after"] = n_risk - leaving
    # all-cause Kaplan-Meier, left-continuous, and the cumulative incidence of the cause
    surv = np.cumprod(1 - counts["d_all"] / n_risk)
    surv_left = np.concatenate(([1.0], surv[:-1]))
    estimate = np.cumsum(surv_left * counts["d_cause"] / n_risk)
    # at a time where everyone at risk fails the coefficient 1 / (n - d) multiplies
    # F(t) - F(u) = 0, so it is taken as 0
    remaining = n_risk - counts["d_all"]
    inv_nd = np.divide(1.0, remaining, out=np.zeros(size), where=remaining > 0)
    std_err = _ij_variance(counts, n_risk, surv_left, estimate, inv_nd)
    lower, upper = pstate_confint(estimate, std_err, conf_type, conf_level)
    # the arrays are new and not shared, so pandas may keep them without copying
    return pd.DataFrame(
        {
            "time": times,
            "n_risk": n_risk.astype(np.int64),
            "n_event": counts["d_cause"].astype(np.int64),
            "n_censor": counts["n_censor"].astype(np.int64),
            "estimate": estimate,
            "std_err": std_err,
            "lower": lower,
            "upper": upper,
            "cmprsk_var": _cmprsk_variance(counts, n_risk, surv_left, surv, estimate),
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
