"""Inverse probability of treatment weighting (IPTW) and covariate balance.

The propensity score is a logistic regression of treatment on the covariates, fitted by
Newton-Raphson (as R's ``glm(family = binomial)``; categorical covariates dummy-coded as in
:func:`cox_ph`). Weights, with ``e`` the propensity and ``p`` the proportion treated:

* ``ATE``: ``T / e + (1 - T) / (1 - e)``; stabilised ``T p / e + (1 - T)(1 - p) / (1 - e)``
  (Robins, Hernan & Brumback 2000; Xu et al. 2010).
* ``ATT``: ``T + (1 - T) e / (1 - e)``; stabilised: the control weights times ``(1 - p) / p`` so
  that they sum, in expectation, to the number of controls.

Standardized mean differences (Austin 2009), treated minus control:

* continuous: ``(m1 - m0) / sqrt((s1^2 + s0^2) / 2)``;
* binary (a 0/1 column) and every level of a categorical column (its indicator):
  ``(p1 - p0) / sqrt((p1 (1 - p1) + p0 (1 - p0)) / 2)``.

With weights the means and proportions are weighted and the variances are the weighted ones of
Austin & Stuart 2015, ``sum(w) / (sum(w)^2 - sum(w^2)) * sum(w (x - m_w)^2)``.

References
----------
Rosenbaum PR, Rubin DB. The central role of the propensity score in observational studies for
causal effects. Biometrika 1983;70:41-55. Robins JM, Hernan MA, Brumback B. Marginal structural
models and causal inference in epidemiology. Epidemiology 2000;11:550-560. Xu S et al. Use of
stabilized inverse propensity scores as weights. Value Health 2010;13:273-277. Austin PC.
Balance diagnostics for comparing the distribution of baseline covariates between treatment
groups in propensity-score matched samples. Stat Med 2009;28:3083-3107. Austin PC, Stuart EA.
Moving towards best practice when using inverse probability of treatment weighting (IPTW) using
the propensity score. Stat Med 2015;34:3661-3679.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from oncorwe.errors import ConvergenceError, StatsInputError
from oncorwe.stats._check import as_float_array, check_event
from oncorwe.stats._design import build_design
from oncorwe.stats._serialise import jsonable, to_json

Estimand = Literal["ATE", "ATT"]
# R glm.control: epsilon = 1e-8 on the relative deviance change, maxit = 25; oncorwe iterates to
# a tighter tolerance (Newton converges quadratically, so this costs one or two steps)
DEVIANCE_TOLERANCE = 1e-12
MAX_ITERATIONS = 50
SEPARATION_PROBABILITY = 1e-10


@dataclass(frozen=True, eq=False)
class IPTW:
    """Propensity model, weights and balance.

    Attributes
    ----------
    weights : Series of weights aligned with the data's index.
    propensity : Series of fitted propensities ``P(T = 1 | x)``.
    coefficients : DataFrame indexed by term (``(Intercept)`` first): ``coef, se, z, p``.
    balance : DataFrame: ``variable, type, smd_unweighted, smd_weighted``.
    estimand, stabilized, treatment, iterations.
    """

    weights: pd.Series
    propensity: pd.Series
    coefficients: pd.DataFrame
    balance: pd.DataFrame
    estimand: str
    stabilized: bool
    treatment: str
    iterations: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the options, the propensity model and balance (no weights)."""
        return jsonable(
            {"method": "iptw (logistic propensity score)", "estimand": self.estimand,
             "stabilized": self.stabilized, "treatment": self.treatment,
             "coefficients": self.coefficients.reset_index(), "balance": self.balance}
        )  # fmt: skip

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def logistic_regression(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Maximum-likelihood logistic regression by Newton-Raphson (x includes the intercept).

    Returns (coefficients, covariance, iterations); raises ConvergenceError on separation.
    """
    beta, deviance, iterations, converged = np.zeros(x.shape[1]), np.inf, 0, False
    while not converged:
        iterations += 1
        if iterations > MAX_ITERATIONS:
            raise ConvergenceError(f"propensity model: no convergence in {MAX_ITERATIONS} steps")
        prob = expit(x @ beta)
        info = (x * (prob * (1 - prob))[:, None]).T @ x
        try:
            beta = beta + np.linalg.solve(info, x.T @ (y - prob))
        except np.linalg.LinAlgError:
            raise ConvergenceError("propensity model: singular information matrix") from None
        prob = expit(x @ beta)
        with np.errstate(divide="ignore"):
            new_deviance = -2 * float(np.sum(np.where(y == 1, np.log(prob), np.log1p(-prob))))
        converged = abs(new_deviance - deviance) / (abs(new_deviance) + 0.1) < DEVIANCE_TOLERANCE
        deviance = new_deviance
    if np.any(np.minimum(prob, 1 - prob) < SEPARATION_PROBABILITY):
        raise ConvergenceError(
            "propensity model: fitted probabilities of 0 or 1 (separation); a covariate "
            "predicts treatment perfectly - remove or coarsen it"
        )
    info = (x * (prob * (1 - prob))[:, None]).T @ x
    return beta, np.linalg.inv(info), iterations


def _weights(treated: np.ndarray, e: np.ndarray, estimand: str, stabilized: bool) -> np.ndarray:
    p = treated.mean()
    if estimand == "ATE":
        if stabilized:
            return treated * p / e + (1 - treated) * (1 - p) / (1 - e)
        return treated / e + (1 - treated) / (1 - e)
    control = e / (1 - e) * ((1 - p) / p if stabilized else 1.0)
    return treated + (1 - treated) * control


def iptw(
    data: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    estimand: Estimand = "ATE",
    stabilized: bool = True,
) -> IPTW:
    """Inverse-probability-of-treatment weights from a logistic propensity model.

    Parameters
    ----------
    data : one row per subject. treatment : column of 0/1 (or bool) treatment indicators.
    covariates : propensity-model columns (categorical ones dummy-coded, first level reference).
    estimand : ``"ATE"`` (whole population) or ``"ATT"`` (the treated).
    stabilized : multiply by the marginal treatment probabilities (see module docstring).

    Returns
    -------
    IPTW : weights to pass as case weights to :func:`kaplan_meier` / :func:`cox_ph` (use a robust
        variance with the Cox model: R's default for non-integer weights).

    Steps
    -----
    1. check; 2. propensity model (Newton-Raphson); 3. weights; 4. balance before and after.

    References
    ----------
    Rosenbaum & Rubin 1983; Robins, Hernan & Brumback 2000; Austin & Stuart 2015.
    """
    # step 1
    if not isinstance(data, pd.DataFrame) or treatment not in data:
        raise StatsInputError(f"iptw: data must be a DataFrame with a column {treatment!r}")
    if estimand not in ("ATE", "ATT"):
        raise StatsInputError(f"estimand: {estimand!r} is not one of 'ATE', 'ATT'")
    treated = check_event(treatment, data[treatment].astype(float))
    if treated.min() == treated.max():
        raise StatsInputError(f"{treatment}: every row has the same treatment; nothing to compare")
    design = build_design(data, list(covariates))
    x = np.column_stack((np.ones(len(data)), design.matrix))
    # step 2
    beta, covariance, iterations = logistic_regression(x, treated)
    se = np.sqrt(np.diag(covariance))
    coefficients = pd.DataFrame(
        {"coef": beta, "se": se, "z": beta / se, "p": 2 * norm.sf(np.abs(beta / se))},
        index=pd.Index(["(Intercept)", *design.terms], name="term"),
    )
    propensity = expit(x @ beta)
    # step 3
    weights = _weights(treated, propensity, estimand, stabilized)
    # step 4
    before = standardized_mean_differences(data, treatment, covariates)
    after = standardized_mean_differences(data, treatment, covariates, weights=weights)
    balance = before[["variable", "type"]].assign(
        smd_unweighted=before["smd"].to_numpy(), smd_weighted=after["smd"].to_numpy()
    )
    return IPTW(
        weights=pd.Series(weights, index=data.index, name="weight"),
        propensity=pd.Series(propensity, index=data.index, name="propensity"),
        coefficients=coefficients,
        balance=balance,
        estimand=estimand,
        stabilized=bool(stabilized),
        treatment=treatment,
        iterations=iterations,
    )


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean = float(w @ x / w.sum())
    variance = float(w.sum() / (w.sum() ** 2 - (w**2).sum()) * (w @ (x - mean) ** 2))
    return mean, variance


def _smd_row(variable, kind, x, treated, w) -> dict[str, Any]:
    m1, v1 = _weighted_mean_var(x[treated], w[treated])
    m0, v0 = _weighted_mean_var(x[~treated], w[~treated])
    if kind == "continuous":
        denominator = np.sqrt((v1 + v0) / 2)
    else:  # proportions (Austin 2009)
        denominator = np.sqrt((m1 * (1 - m1) + m0 * (1 - m0)) / 2)
    smd = (m1 - m0) / denominator if denominator > 0 else 0.0 if m1 == m0 else np.inf
    return {"variable": variable, "type": kind, "mean_treated": m1, "mean_control": m0, "smd": smd}


def standardized_mean_differences(
    data: pd.DataFrame, treatment: str, covariates: list[str], weights: Any = None
) -> pd.DataFrame:
    """Standardized mean differences (treated - control), optionally weighted (module docstring).

    Returns
    -------
    DataFrame ``variable, type, mean_treated, mean_control, smd`` with ``type`` one of
    ``continuous``, ``binary`` (a 0/1 column) or ``categorical`` (one row per level, named
    ``column + level``).

    References
    ----------
    Austin PC. Stat Med 2009;28:3083-3107. Austin PC, Stuart EA. Stat Med 2015;34:3661-3679.
    """
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError("standardized_mean_differences: data must be a pandas DataFrame")
    absent = [c for c in [treatment, *covariates] if c not in data]
    if absent:
        raise StatsInputError(f"standardized_mean_differences: columns not in the data: {absent}")
    treated = check_event(treatment, data[treatment].astype(float)) == 1
    w = np.ones(len(data)) if weights is None else as_float_array("weights", weights)
    if w.size != len(data) or np.any(w <= 0):
        raise StatsInputError("weights: one positive weight per row is needed")
    rows = []
    for name in covariates:
        series = data[name]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            values = series.astype(object).to_numpy()
            if pd.isna(series).any():
                raise StatsInputError(f"{name}: missing values; impute or drop them first")
            for level in sorted(series.unique().tolist(), key=str):
                indicator = (values == level).astype(float)
                rows.append(_smd_row(f"{name}{level}", "categorical", indicator, treated, w))
            continue
        x = as_float_array(name, series)
        kind = "binary" if np.isin(x, (0.0, 1.0)).all() else "continuous"
        rows.append(_smd_row(name, kind, x, treated, w))
    return pd.DataFrame(rows, columns=["variable", "type", "mean_treated", "mean_control", "smd"])
