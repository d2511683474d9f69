"""Kaplan-Meier survival curves and median follow-up (reverse Kaplan-Meier), as R's ``survfit``.

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457-481. Greenwood M. The natural duration of cancer. Reports on Public Health and Medical
Subjects 1926;33:1-26. Schemper M, Smith TL. A note on quantifying follow-up in studies of failure
time. Control Clin Trials 1996;17:343-346 (reverse Kaplan-Meier). Therneau T. survival package,
``survfit.formula``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import SurvivalData, check_conf, check_probability, check_survival_data
from oncorwe.stats._counting import count_by_time
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.confidence import survival_confint
from oncorwe.stats.quantiles import QuantileEstimate, curve_at, curve_quantile

ConfType = Literal["log-log", "log", "plain"]
TABLE_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper"]


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier curve: its table and the options that produced it.

    Attributes
    ----------
    table : DataFrame with one row per distinct time (event or censoring, as R's ``survfit``):
        ``time, n_risk, n_event, n_censor, surv, std_err, lower, upper``. ``std_err`` is R's
        ``std.err``: the Greenwood standard error of the cumulative hazard,
        ``sqrt(cumsum(d / (n (n - d))))`` (Inf once the curve reaches 0, as in R).
    conf_type : ``"log-log"`` (oncorwe's default; R's default is ``"log"``), ``"log"``, ``"plain"``.
    conf_level : confidence level of ``lower``/``upper`` and of quantile CIs.
    n : number of observations (sum of weights when weighted).
    n_events : number of events (weighted).
    estimand : ``"survival"``, or ``"follow-up"`` for a reverse Kaplan-Meier curve.
    left_truncated, weighted : whether entry times / case weights were used.
    """

    table: pd.DataFrame
    conf_type: str
    conf_level: float
    n: float
    n_events: float
    estimand: str = "survival"
    left_truncated: bool = False
    weighted: bool = False

    def _column(self, name: str) -> np.ndarray:
        return self.table[name].to_numpy(dtype=float)

    def quantile(self, p: float) -> QuantileEstimate:
        """Time by which a fraction ``p`` has had the event, with CI, as R's ``quantile.survfit``.

        Returns ``QuantileEstimate(estimate, lower, upper)`` (a named tuple); each is NaN when the
        curve (or the confidence curve) does not reach ``1 - p``. When the curve is flat at exactly
        ``1 - p`` the estimate is the midpoint of the flat stretch (R's rule). The limits are read
        off the pointwise lower and upper curves (Brookmeyer-Crowley, as R does).
        """
        p = check_probability("p", p)
        return curve_quantile(
            self._column("time"),
            self._column("surv"),
            self._column("lower"),
            self._column("upper"),
            p,
        )

    @property
    def median(self) -> QuantileEstimate:
        """``quantile(0.5)``: the median with its CI, a named tuple ``(estimate, lower, upper)``."""
        return self.quantile(0.5)

    def at(self, times: Any, extend: bool = False) -> pd.DataFrame:
        """Survival, CI and number at risk at landmark times, as R's ``summary(fit, times = )``.

        Parameters
        ----------
        times : landmark times (sorted in the output, as R does).
        extend : as R: when False (R's default) times after the last observed time are left
            out; when True they are kept with the last survival value and ``n_risk = 0``.

        Returns
        -------
        DataFrame ``time, surv, lower, upper, n_risk``: survival and limits from the last curve
        time at or before ``t`` (1 before the first time); ``n_risk`` is the number at risk at
        ``t`` (that of the first curve time at or after ``t``), as R reports it.
        """
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if np.isnan(times).any():
            raise StatsInputError("times: landmark times must not contain NaN")
        return curve_at(self.table, times, extend=extend)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: options, counts, median with CI and the full table."""
        median = self.median
        return jsonable(
            {
                "method": "kaplan-meier",
                "estimand": self.estimand,
                "conf_type": self.conf_type,
                "conf_level": self.conf_level,
                "variance": "greenwood",
                "left_truncated": self.left_truncated,
                "weighted": self.weighted,
                "n": self.n,
                "n_events": self.n_events,
                "median": median._asdict(),
                "table": self.table,
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text (NaN written as null)."""
        return to_json(self.to_dict(), indent=indent)


def _counts(data: SurvivalData) -> dict[str, np.ndarray]:
    """Risk-set counts per distinct time (float arrays): one count pass, reverse cumulative sums."""
    times, n_event, leaving = count_by_time(data.time, data.event, data.weights)
    n_risk = np.cumsum(leaving[::-1])[::-1]
    if data.entry is not None:
        # not yet entered at t: entry >= t (R: at risk at t when entry < t <= time)
        weights = data.weights if data.weights is not None else np.ones_like(data.time)
        order = np.argsort(data.entry, kind="stable")
        entry_sorted = data.entry[order]
        tail = np.concatenate((np.cumsum(weights[order][::-1])[::-1], [0.0]))
        n_risk = n_risk - tail[np.searchsorted(entry_sorted, times, side="left")]
    return {"time": times, "n_risk": n_risk, "n_event": n_event, "n_censor": leaving - n_event}


def kaplan_meier(
    time: Any,
    event: Any,
    conf_type: ConfType = "log-log",
    conf_level: float = 0.95,
    entry: Any = None,
    weights: Any = None,
) -> KaplanMeier:
    """Kaplan-Meier estimate with Greenwood variance and pointwise confidence limits.

    Parameters
    ----------
    time : follow-up times (>= 0).
    event : 1 = event, 0 = censored (bool accepted).
    conf_type : ``"log-log"`` (default here; R's ``survfit`` default is ``"log"``), ``"log"``,
        ``"plain"``; limits as R's ``survfit`` (see :func:`survival_confint`).
    conf_level : confidence level (0.95).
    entry : optional delayed-entry (left-truncation) times, ``0 <= entry < time``; a subject is at
        risk at ``t`` when ``entry < t <= time``, as ``Surv(entry, time, event)`` in R.
    weights : optional positive case weights. The variance is the weighted Greenwood formula,
        equal to R's ``survfit(..., weights = w, robust = FALSE)``; note that R's default for
        non-integer weights is the robust (infinitesimal jackknife) variance.

    Returns
    -------
    KaplanMeier

    Steps
    -----
    1. check the input (one gate, ``stats/_check.py``);
    2. count at risk / events / censored per distinct time;
    3. survival = cumulative product of ``1 - d/n``; Greenwood SE of the cumulative hazard;
    4. pointwise confidence limits.

    References
    ----------
    Kaplan EL, Meier P. JASA 1958;53:457-481. Greenwood M. 1926. Therneau T, survival package.
    """
    # step 1
    check_conf(conf_type, conf_level)
    data = check_survival_data(time, event, entry=entry, weights=weights)
    # step 2
    counts = _counts(data)
    n_risk, n_event = counts["n_risk"], counts["n_event"]
    # step 3
    # imported here: numba (about 0.3 s to import) loads only when a curve is computed
    from oncorwe.stats._kaplan_meier_steps import survival_steps

    # Greenwood term; d = n gives d / 0 = Inf, as R's std.err
    surv, std_err = survival_steps(n_event, n_risk)
    # step 4
    lower, upper = survival_confint(surv, std_err, conf_type, conf_level)
    if data.weights is None:
        # unweighted counts are whole numbers held exactly in floats: show them as integers
        for column in ("n_risk", "n_event", "n_censor"):
            counts[column] = counts[column].astype(np.int64)
    columns = {**counts, "surv": surv, "std_err": std_err, "lower": lower, "upper": upper}
    # the arrays are new and not shared, so pandas may keep them without copying
    table = pd.DataFrame(columns, columns=TABLE_COLUMNS, copy=False)
    total_weight = data.weights.sum() if data.weights is not None else float(data.time.size)
    event_weight = data.event @ data.weights if data.weights is not None else data.event.sum()
    return KaplanMeier(
        table=table,
        conf_type=conf_type,
        conf_level=float(conf_level),
        n=float(total_weight),
        n_events=float(event_weight),
        left_truncated=data.entry is not None,
        weighted=data.weights is not None,
    )


def follow_up(
    time: Any,
    event: Any,
    conf_type: ConfType = "log-log",
    conf_level: float = 0.95,
    entry: Any = None,
    weights: Any = None,
) -> KaplanMeier:
    """Follow-up distribution by the reverse Kaplan-Meier method (censoring is the "event").

    Median follow-up is ``follow_up(time, event).median``, equal to R's
    ``survfit(Surv(time, 1 - event) ~ 1)`` median.

    References
    ----------
    Schemper M, Smith TL. Control Clin Trials 1996;17:343-346.
    """
    data = check_survival_data(time, event, entry=entry, weights=weights)
    fit = kaplan_meier(data.time, 1.0 - data.event, conf_type, conf_level, entry, weights)
    return KaplanMeier(
        table=fit.table,
        conf_type=fit.conf_type,
        conf_level=fit.conf_level,
        n=fit.n,
        n_events=fit.n_events,
        estimand="follow-up",
        left_truncated=fit.left_truncated,
        weighted=fit.weighted,
    )
