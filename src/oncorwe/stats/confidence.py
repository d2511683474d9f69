"""Pointwise confidence intervals for a survival curve, exactly as R's ``survival``.

References
----------
Therneau T. survival: A Package for Survival Analysis in R, ``survfit_confint`` (R code),
version 3.5. Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data, 2nd ed.,
Wiley 2002 (log-log transform). Borgan O, Liestol K. A note on confidence intervals and bands for
the survival function based on transformations. Scand J Stat 1990;17:35-41.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def normal_quantile(conf_level: float) -> float:
    """Two-sided standard normal quantile ``z`` for a confidence level (1.96 for 0.95)."""
    return float(norm.ppf(1 - (1 - conf_level) / 2))


def survival_confint(
    surv: np.ndarray, std_err: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper pointwise limits of a survival curve.

    Parameters
    ----------
    surv : survival estimates.
    std_err : standard error of the cumulative hazard (R's ``std.err``, ``logse = TRUE``).
    conf_type : ``"log-log"``, ``"log"`` or ``"plain"``.
    conf_level : confidence level, e.g. 0.95.

    Returns
    -------
    (lower, upper) : float arrays; NaN where R gives NA.

    Notes
    -----
    As R's ``survfit_confint``: ``plain`` is clipped to [0, 1]; ``log`` has its upper limit
    clipped at 1 and is NA where surv = 0; ``log-log`` is NA where surv is 0 or 1.

    References
    ----------
    Therneau T. survival package, ``survfit_confint``, version 3.5.
    """
    z = normal_quantile(conf_level)
    surv = np.asarray(surv, dtype=float)
    std_err = np.asarray(std_err, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = std_err * surv * z
            # np.maximum (not fmax) so that NaN propagates as R's pmax does
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            half = z * std_err
            return np.exp(np.log(xx) - half), np.minimum(np.exp(np.log(xx) + half), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        log_surv = np.log(xx)
        # R: exp(-exp(log(-log(S)) -/+ half)), rewritten as exp(log(S) * exp(-/+ half)) to
        # need one log and three exps instead of two logs and four exps (same value)
        scale = np.exp(z * std_err / log_surv)
        return np.exp(log_surv / scale), np.exp(log_surv * scale)
