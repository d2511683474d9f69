"""Reading a step survival curve: quantiles with CI, and values at landmark times, as R does.

References
----------
Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics
1982;38:29-41. Therneau T. survival package, ``quantile.survfit`` (internal ``findq``) and
``summary.survfit(times = )`` (internal ``findrow``), version 3.5.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

# R's quantile.survfit default tolerance: sqrt(.Machine$double.eps)
QUANTILE_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


class QuantileEstimate(NamedTuple):
    """A survival-time quantile with its confidence limits; NaN when not reached."""

    estimate: float
    lower: float
    upper: float


def _approx_index(y: np.ndarray, p: float) -> float:
    """R's ``approx(y, seq_along(y), p, method = "constant", f = 1)$y`` (0-based, NaN if NA).

    ``approx`` drops NA pairs, sorts by ``y`` and returns the index of the smallest ``y >= p``;
    ``p`` outside ``[min(y), max(y)]`` gives NA.
    """
    index = np.flatnonzero(~np.isnan(y))
    if index.size == 0:
        return np.nan
    order = np.argsort(y[index], kind="stable")
    ys, index = y[index][order], index[order]
    if p < ys[0] or p > ys[-1]:
        return np.nan
    return float(index[np.searchsorted(ys, p, side="left")])


def find_quantile(x: np.ndarray, y: np.ndarray, p: float, tol: float = QUANTILE_TOLERANCE) -> float:
    """R's internal ``findq``: the time at which a rising curve ``y`` (= 1 - S) reaches ``p``.

    Parameters
    ----------
    x : times, starting with the curve's start time.
    y : 1 - survival at those times, starting with 0 (may contain NaN, as CI limits do).
    p : probability of the event (0.5 for the median).
    tol : tolerance for "the curve is flat at exactly p" (R: sqrt(machine eps)).

    Returns
    -------
    float : the quantile; the midpoint of the flat stretch when the curve is flat at p; NaN
    when the curve never reaches p.
    """
    if not np.any(y >= p):  # R: max(y, na.rm = TRUE) < min(p)
        return np.nan
    xmax = x[-1]
    # step: drop repeated y values (first occurrence kept; NaN counts as a repeat of NaN)
    keep = ~pd.Series(y).duplicated(keep="first").to_numpy()
    x, y = x[keep], y[keep]
    first = _approx_index(y + tol, p)
    last = _approx_index(y - tol, p)
    quant = np.nan
    if not (np.isnan(first) or np.isnan(last)):
        quant = (x[int(first)] + x[int(last)]) / 2
    if p == 0:
        quant = x[0]
    # step: a curve that ends flat at p -> midpoint of that stretch and the last time (R rule)
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = np.nan if np.isnan(first) else (x[int(first)] + xmax) / 2
    return float(quant)


def curve_quantile(
    time: np.ndarray,
    surv: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    p: float,
    start_time: float = 0.0,
) -> QuantileEstimate:
    """Quantile of a survival curve with the Brookmeyer-Crowley style CI as R computes it.

    The estimate is where ``1 - surv`` reaches ``p``; the confidence limits are where the lower
    and upper pointwise confidence curves reach it (R's ``quantile.survfit``).

    References
    ----------
    Brookmeyer R, Crowley J. Biometrics 1982;38:29-41. Therneau T, ``quantile.survfit``.
    """
    x = np.concatenate(([start_time], time))

    def reach(curve: np.ndarray) -> float:
        return find_quantile(x, np.concatenate(([0.0], 1 - curve)), p)

    return QuantileEstimate(reach(surv), reach(lower), reach(upper))


def curve_at(table: pd.DataFrame, times: np.ndarray, extend: bool = False) -> pd.DataFrame:
    """Survival, CI and number at risk at given times, as R's ``summary(fit, times = )``.

    Steps: add a row at time 0 with surv = lower = upper = 1 (R's ``survfit0``) unless the curve
    starts at 0; sort the times and drop those after the last time unless ``extend``; read
    surv/lower/upper from the last row at or before each time and ``n_risk`` from the first row
    at or after it (0 beyond the last time).
    """
    columns = ["time", "surv", "lower", "upper", "n_risk"]
    curve_time = table["time"].to_numpy(dtype=float)
    n_risk = table["n_risk"].to_numpy()
    values = {c: table[c].to_numpy(dtype=float) for c in ("surv", "lower", "upper")}
    # step: R's survfit0 adds a starting row at time 0
    if curve_time[0] != 0:
        curve_time = np.concatenate(([0.0], curve_time))
        n_risk = np.concatenate((n_risk[:1], n_risk))
        values = {c: np.concatenate(([1.0], v)) for c, v in values.items()}
    times = np.sort(np.asarray(times, dtype=float))
    times = times[np.isfinite(times)]
    if not extend:
        times = times[times <= curve_time[-1]]
    # step: last row at or before t (R: pmax(1, findInterval(t, time)))
    row_before = np.maximum(np.searchsorted(curve_time, times, side="right") - 1, 0)
    # step: first row at or after t; number at risk 0 beyond the curve
    row_after = np.searchsorted(curve_time, times, side="left")
    at_risk = np.concatenate((n_risk, np.zeros(1, dtype=n_risk.dtype)))[row_after]
    result = {"time": times}
    result.update({c: v[row_before] for c, v in values.items()})
    result["n_risk"] = at_risk
    return pd.DataFrame(result, columns=columns)
