"""Test of proportional hazards by scaled Schoenfeld residuals, as R's ``cox.zph(terms = FALSE)``.

For each coefficient the test is the score test of adding ``x g(t)`` to the fitted model, with
``g`` the centred transformed time (Kaplan-Meier ``1 - S(t-)``, rank or identity) evaluated at
``(beta, 0)``: with ``u`` the score of the ``x g(t)`` columns and ``I`` the information of the
expanded model, ``chisq = u' (I_kk)^-1 u`` over the rows/columns ``k`` of all model terms plus the
one tested; GLOBAL uses all of them (Grambsch & Therneau 1994, score form of survival 3.x). The
scaled Schoenfeld residuals are ``beta + d V^-1 r`` (r: Schoenfeld residual of an event, V: the
information, d: number of events), which plotted against ``g(t)`` show ``beta(t)``.

References
----------
Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
residuals. Biometrika 1994;81:515-526. Schoenfeld D. Partial residuals for the proportional
hazards regression model. Biometrika 1982;69:239-241. Therneau T. survival package, ``cox.zph``
and C ``zph1``/``zph2``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

from oncorwe.errors import StatsInputError
from oncorwe.stats._cox_fit import CoxFitData
from oncorwe.stats._cox_likelihood import risk_set_sums
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.kaplan_meier import kaplan_meier

Transform = Literal["km", "rank", "identity"]
TRANSFORMS = ("km", "rank", "identity")


@dataclass(frozen=True, eq=False)
class PHTest:
    """Proportional-hazards test of a Cox model.

    Attributes
    ----------
    table : DataFrame indexed by term (then ``GLOBAL``) with ``chisq, df, p``.
    residuals : DataFrame with one row per event: ``time``, ``transformed_time`` (R's ``x``),
        ``stratum`` and one column per term of scaled Schoenfeld residuals (R's ``y``).
    transform : ``"km"``, ``"rank"`` or ``"identity"``.
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    transform: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the transform and the test table (residuals left out)."""
        return jsonable(
            {"method": "cox.zph score test", "transform": self.transform,
             "table": self.table.reset_index()}
        )  # fmt: skip

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _transformed_time(fit: CoxFitData, transform: str) -> np.ndarray:
    """R's ``ttimes``: identity, average ranks of all stop times, or left-continuous 1 - KM."""
    if transform == "identity":
        return fit.time
    if transform == "rank":
        return rankdata(fit.time)
    curve = kaplan_meier(fit.time, fit.event, conf_type="plain", entry=fit.entry).table
    times, surv = curve["time"].to_numpy(float), curve["surv"].to_numpy(float)
    before = np.searchsorted(times, fit.time, side="left")  # curve times strictly before t
    return 1 - np.r_[1.0, surv][before]


def _event_moments(fit: CoxFitData):
    """Per event row (Efron tie position): mean and covariance of x over its risk set."""
    rs = fit.risk_sets
    x, n, p = rs.x, rs.x.shape[0], rs.x.shape[1]
    risk = rs.weights * np.exp(x @ fit.beta)
    values = np.hstack(
        (
            risk[:, None],
            risk[:, None] * x,
            (risk[:, None, None] * x[:, :, None] * x[:, None, :]).reshape(n, p * p),
        )
    )
    totals = risk_set_sums(rs, values)
    dead_totals = np.add.reduceat(values[rs.event_rows], rs.group_start, axis=0)
    sums = totals[rs.group] - rs.frac[:, None] * dead_totals[rs.group]
    mean = sums[:, 1 : 1 + p] / sums[:, :1]
    second = (sums[:, 1 + p :] / sums[:, :1]).reshape(-1, p, p)
    return mean, second - mean[:, :, None] * mean[:, None, :]


def ph_test(model, transform: Transform = "km") -> PHTest:
    """Score test of proportional hazards per coefficient and globally, as R's ``cox.zph``.

    Parameters
    ----------
    model : a :class:`CoxModel` from :func:`cox_ph`.
    transform : time scale of the test: ``"km"`` (R's default), ``"rank"`` or ``"identity"``.

    Returns
    -------
    PHTest

    Steps
    -----
    1. check; 2. transformed, centred event times ``g``; 3. score and information of the model
    expanded by ``x g(t)``; 4. tests; 5. scaled Schoenfeld residuals.

    References
    ----------
    Grambsch PM, Therneau TM. Biometrika 1994;81:515-526. R survival ``cox.zph``.
    """
    # step 1
    fit: CoxFitData | None = getattr(model, "fit_data", None)
    if fit is None:
        raise StatsInputError("ph_test: a model fitted by oncorwe.stats.cox_ph is needed")
    if transform not in TRANSFORMS:
        raise StatsInputError(f"transform: {transform!r} is not one of {', '.join(TRANSFORMS)}")
    # step 2
    ttimes = _transformed_time(fit, transform)
    g_all = ttimes - ttimes[fit.event == 1].mean()
    rs = fit.risk_sets
    rows, factor = rs.event_rows, rs.factor
    g = g_all[rows]
    # step 3
    mean, cov = _event_moments(fit)
    p = mean.shape[1]
    weighted_cov = factor[:, None, None] * cov
    info = np.zeros((2 * p, 2 * p))
    info[:p, :p] = weighted_cov.sum(0)
    info[:p, p:] = info[p:, :p] = np.tensordot(g, weighted_cov, axes=1)
    info[p:, p:] = np.tensordot(g**2, weighted_cov, axes=1)
    score = (rs.weights[rows] * g) @ rs.x[rows] - (factor * g) @ mean
    # step 4
    tests = []
    for j in range(p):
        keep = np.r_[np.arange(p), p + j]
        u = np.r_[np.zeros(p), score[j]]
        tests.append(float(u @ np.linalg.solve(info[np.ix_(keep, keep)], u)))
    u = np.r_[np.zeros(p), score]
    tests.append(float(u @ np.linalg.solve(info, u)))
    df = np.r_[np.ones(p), p]
    terms = list(model.summary.index)
    table = pd.DataFrame(
        {"chisq": tests, "df": df.astype(int), "p": chi2.sf(tests, df)},
        index=pd.Index([*terms, "GLOBAL"], name="term"),
    )
    # step 5
    residuals = _scaled_residuals(fit, mean, info[:p, :p], ttimes, terms)
    return PHTest(table=table, residuals=residuals, transform=transform)


def _scaled_residuals(fit: CoxFitData, mean, info, ttimes, terms) -> pd.DataFrame:
    """R's ``cox.zph`` ``y``: ``beta + V_mean^-1 r`` with ``V_mean = info / used``."""
    rs = fit.risk_sets
    size = np.diff(np.r_[rs.group_start, rs.event_rows.size])
    tie_mean = np.add.reduceat(mean, rs.group_start, axis=0) / size[:, None]
    schoenfeld = rs.x[rs.event_rows] - tie_mean[rs.group]
    # events per stratum whose covariate varies within the stratum (R's `used`)
    n_strata = int(fit.stratum.max()) + 1
    deaths = np.bincount(fit.stratum, weights=fit.event, minlength=n_strata)
    varies = np.array([[np.ptp(c[fit.stratum == s]) > 0 for c in rs.x.T] for s in range(n_strata)])
    used = deaths[:, None] * varies
    weight = sum(np.minimum.outer(u, u) for u in used)
    v_mean = info / np.where(weight == 0, 1, weight)
    scaled = np.linalg.solve(v_mean, schoenfeld.T).T + fit.beta
    # R orders events by stratum then time (ties in data order; reversed for entry data)
    key = rs.key_time[rs.event_rows]
    if fit.entry is None:
        order = np.argsort(key, kind="stable")
    else:
        order = np.argsort(-key, kind="stable")[::-1]
    rows = rs.event_rows[order]
    levels = fit.strata_levels or ("",)
    frame = pd.DataFrame(
        {"time": fit.time[rows], "transformed_time": ttimes[rows],
         "stratum": [str(levels[s]) for s in fit.stratum[rows]]}
    )  # fmt: skip
    return pd.concat([frame, pd.DataFrame(scaled[order], columns=terms)], axis=1)
