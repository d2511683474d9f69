"""Survival curves from a Cox model, as R's ``survfit.coxph``: the baseline curve at the
covariate means (R's default centring) and curves for new covariate rows, with R's variance.

For each stratum and each distinct stop time t the hazard increment is Breslow's
``d / sum(w exp(eta))`` (``ties="breslow"``) or Efron's, which averages ``1 / (R - k/d E)`` over
the ``d`` tied events (``E``: their risk sum), as R's ``ctype`` follows the fit's ties. The
survival of a profile ``z`` is ``exp(-Lambda(t) r)`` with ``r = exp((z - mean) beta)``; the
variance of its cumulative hazard is ``r^2 (sum varhaz + D(t)' V D(t))`` with
``D(t) = Lambda(t) (z - mean) - sum h(s) xbar(s)`` (Tsiatis 1981), and V the model's variance
(robust when the fit was). Confidence limits are R's ``survfit`` ones (default ``log``).

References
----------
Tsiatis AA. A large sample study of Cox's regression model. Ann Stat 1981;9:93-108. Efron B.
JASA 1977;72:557-565. Therneau TM, Grambsch PM. Modeling Survival Data, Springer 2000, ch. 10.
Therneau T. survival package, ``survfit.coxph``, ``agsurv`` and C ``agsurv5``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import check_conf, check_labels
from oncorwe.stats._cox_fit import CoxFitData, new_design
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.confidence import survival_confint

ConfType = Literal["log", "log-log", "plain"]
COLUMNS = ["profile", "stratum", "time", "n_risk", "n_event", "n_censor", "surv", "cumhaz",
           "std_err", "lower", "upper"]  # fmt: skip


@dataclass(frozen=True, eq=False)
class CoxSurvival:
    """Survival curves of a Cox model.

    Attributes
    ----------
    table : DataFrame ``profile, stratum, time, n_risk, n_event, n_censor, surv, cumhaz, std_err,
        lower, upper``; ``profile`` 0 is the curve at the covariate means, 1..k the rows of
        ``newdata``; ``stratum`` is "" for an unstratified model. ``std_err`` is that of the
        cumulative hazard (R's ``std.err``). Counts are weighted.
    centring : ``"means"`` or ``"newdata"``. ties, conf_type, conf_level.
    """

    table: pd.DataFrame
    centring: str
    ties: str
    conf_type: str
    conf_level: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the options and the table."""
        return jsonable({"method": "cox model survival (R survfit.coxph)", **self.__dict__})

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _reverse_within(values: np.ndarray, stratum_end: np.ndarray) -> np.ndarray:
    """Suffix sums along rows, restarting at each stratum (``stratum_end``: one past its end)."""
    suffix = np.cumsum(values[::-1], axis=0)[::-1]
    tail = np.concatenate((suffix, np.zeros((1,) + values.shape[1:])))
    return suffix - tail[stratum_end]


def _hazard_terms(fit: CoxFitData, ties: str):
    """Per (stratum, distinct stop time): counts, hazard, its variance and hazard-weighted xbar."""
    rs, w, event = fit.risk_sets, fit.weights, fit.event
    x = rs.x
    risk = w * np.exp(x @ fit.beta)
    grid = np.unique(fit.time if fit.entry is None else np.r_[fit.time, fit.entry])
    span = grid.size + 1
    key = fit.stratum * span + np.searchsorted(grid, fit.time)
    keys, group = np.unique(key, return_inverse=True)
    stratum_of = keys // span
    stratum_end = np.searchsorted(stratum_of, stratum_of, side="right")

    def by_time(values):
        return np.stack([np.bincount(group, weights=v, minlength=keys.size) for v in values.T], 1)

    dead = event == 1
    sums = _reverse_within(by_time(np.column_stack((risk, w, risk[:, None] * x))), stratum_end)
    if fit.entry is not None:  # not yet entered at t: entry >= t (same rule as Kaplan-Meier)
        entry_key = fit.stratum * span + np.searchsorted(grid, fit.entry)
        order = np.argsort(entry_key, kind="stable")
        rows = np.column_stack((risk, w, risk[:, None] * x))[order]
        tail = np.vstack((np.cumsum(rows[::-1], axis=0)[::-1], np.zeros((1, rows.shape[1]))))
        first = np.searchsorted(entry_key[order], keys, side="left")
        last = np.searchsorted(entry_key[order], (stratum_of + 1) * span, side="left")
        sums = sums - (tail[first] - tail[last])
    n_risk_w, n_at_risk, xsum = sums[:, 0], sums[:, 1], sums[:, 2:]
    n_event = np.bincount(group, weights=w * dead, minlength=keys.size)
    n_censor = np.bincount(group, weights=w * ~dead, minlength=keys.size)
    deaths = np.bincount(group, weights=dead, minlength=keys.size).astype(np.int64)
    if ties == "breslow":
        with np.errstate(invalid="ignore", divide="ignore"):
            hazard = np.where(n_event > 0, n_event / n_risk_w, 0.0)
            varhaz = np.where(n_event > 0, n_event / n_risk_w**2, 0.0)
            xbar = np.where(n_event[:, None] > 0, xsum / n_risk_w[:, None], 0.0) * hazard[:, None]
    else:
        hazard, varhaz, xbar = _efron_terms(group, dead, risk, x, n_risk_w, xsum, n_event, deaths)
    return keys % span, stratum_of, stratum_end, n_at_risk, n_event, n_censor, hazard, varhaz, xbar


def _efron_terms(group, dead, risk, x, n_risk_w, xsum, n_event, deaths):
    """R's agsurv5: average over the d tied positions j of 1/(R - E j/d) and its square."""
    erisk = np.bincount(group[dead], weights=risk[dead], minlength=n_event.size)
    xsum2 = np.stack(
        [
            np.bincount(group[dead], weights=risk[dead] * c, minlength=n_event.size)
            for c in x[dead].T
        ],
        1,
    )
    owner = np.repeat(np.arange(n_event.size), deaths)  # one row per tie position
    start = np.cumsum(deaths) - deaths
    frac = (np.arange(owner.size) - start[owner]) / deaths[owner]
    inverse = 1 / (n_risk_w[owner] - erisk[owner] * frac)
    d = deaths[owner]
    sum1 = np.bincount(owner, weights=inverse / d, minlength=n_event.size)
    sum2 = np.bincount(owner, weights=inverse**2 / d, minlength=n_event.size)
    xpart = (xsum[owner] - xsum2[owner] * frac[:, None]) * (inverse**2 / d)[:, None]
    xbar = np.stack([np.bincount(owner, weights=c, minlength=n_event.size) for c in xpart.T], 1)
    return n_event * sum1, n_event * sum2, n_event[:, None] * xbar


def _within_cumsum(values: np.ndarray, stratum_of: np.ndarray) -> np.ndarray:
    """Cumulative sums along rows, restarting at each stratum."""
    total = np.cumsum(values, axis=0)
    first = np.searchsorted(stratum_of, stratum_of, side="left")
    before = np.concatenate((np.zeros((1,) + values.shape[1:]), total))[first]
    return total - before


def cox_survival(
    model,
    newdata: pd.DataFrame | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> CoxSurvival:
    """Survival curves of a fitted :func:`cox_ph` model, as R's ``survfit(fit, newdata = )``.

    Parameters
    ----------
    model : a :class:`CoxModel`.
    newdata : covariate rows (same columns as the fit; categorical values among the fit's levels).
        None gives the curve at the covariate means (R's default; for dummy-coded factors that is
        a "mean subject" that exists nowhere - prefer ``newdata``). For a stratified model each
        row must carry its stratum (the fit's strata column) and gets that stratum's curve.
    conf_type : ``"log"`` (R's default), ``"log-log"`` or ``"plain"``. conf_level : 0.95.

    Returns
    -------
    CoxSurvival

    Steps
    -----
    1. check; 2. per stratum and stop time: hazard, its variance and xbar terms; 3. per profile:
    survival, standard error of the cumulative hazard and confidence limits.

    References
    ----------
    Tsiatis AA 1981; Therneau TM, Grambsch PM 2000; R survival ``survfit.coxph``.
    """
    # step 1
    check_conf(conf_type, conf_level)
    fit: CoxFitData | None = getattr(model, "fit_data", None)
    if fit is None:
        raise StatsInputError("cox_survival: a model fitted by oncorwe.stats.cox_ph is needed")
    if newdata is None:
        profiles, profile_strata = np.zeros((1, fit.beta.size)), None
    else:
        profiles, profile_strata = new_design(fit, newdata), _profile_strata(fit, newdata)
    # step 2
    step, stratum_of, _, n_risk, n_event, n_censor, hazard, varhaz, xbar = _hazard_terms(
        fit, model.ties
    )
    grid = np.unique(fit.time if fit.entry is None else np.r_[fit.time, fit.entry])
    cumhaz = _within_cumsum(hazard, stratum_of)
    cum_var = _within_cumsum(varhaz, stratum_of)
    cum_xbar = _within_cumsum(xbar, stratum_of)
    levels = fit.strata_levels or ("",)
    # step 3
    blocks = []
    for k, z in enumerate(profiles):
        keep = np.ones(stratum_of.size, bool) if profile_strata is None else (
            stratum_of == profile_strata[k])  # fmt: skip
        relative = float(np.exp(z @ fit.beta))
        dt = cumhaz[keep, None] * z - cum_xbar[keep]
        var = (cum_var[keep] + np.einsum("ij,jk,ik->i", dt, model.variance, dt)) * relative**2
        surv = np.exp(-cumhaz[keep] * relative)
        std_err = np.sqrt(var)
        lower, upper = survival_confint(surv, std_err, conf_type, conf_level)
        blocks.append(pd.DataFrame({
            "profile": 0 if newdata is None else k + 1,
            "stratum": [str(levels[s]) if fit.strata_levels else "" for s in stratum_of[keep]],
            "time": grid[step[keep]], "n_risk": n_risk[keep], "n_event": n_event[keep],
            "n_censor": n_censor[keep], "surv": surv, "cumhaz": cumhaz[keep] * relative,
            "std_err": std_err, "lower": lower, "upper": upper,
        }))  # fmt: skip
    return CoxSurvival(
        table=pd.concat(blocks, ignore_index=True)[COLUMNS],
        centring="means" if newdata is None else "newdata",
        ties=model.ties,
        conf_type=conf_type,
        conf_level=float(conf_level),
    )


def _profile_strata(fit: CoxFitData, newdata: pd.DataFrame) -> np.ndarray | None:
    """Stratum code of each newdata row (None for an unstratified model)."""
    if not fit.strata_levels:
        return None
    column = fit.strata_column
    if column not in newdata:
        raise StatsInputError(f"newdata: the model is stratified; column {column!r} is needed")
    values = newdata[column].to_numpy()
    check_labels(column, values, len(values))
    lookup = {level: code for code, level in enumerate(fit.strata_levels)}
    unknown = [v for v in values if v not in lookup]
    if unknown:
        raise StatsInputError(f"newdata[{column!r}]: stratum {unknown[0]!r} is not in the fit")
    return np.array([lookup[v] for v in values])
