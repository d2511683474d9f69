"""Fine-Gray proportional subdistribution-hazards regression, as ``cmprsk::crr``.

References
----------
Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing risk.
J Am Stat Assoc 1999;94:496-509. Gray RJ. cmprsk package, ``crr`` (Fortran ``crrfsv``, ``crrf``,
``crrvv``), version 2.2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from oncorwe.errors import ConvergenceError, StatsInputError
from oncorwe.stats._competing_data import check_competing_risks
from oncorwe.stats._design import build_design
from oncorwe.stats._fine_gray_terms import RiskSets, build_risk_sets, likelihood, sandwich
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.confidence import normal_quantile

# cmprsk::crr defaults: maxiter = 10, gtol = 1e-6; Armijo step halving at most 20 times
MAX_ITERATIONS = 10
GRADIENT_TOLERANCE = 1e-6
ARMIJO_FACTOR = 1e-4
MAX_HALVINGS = 20


@dataclass(frozen=True, eq=False)
class FineGrayModel:
    """A fitted Fine-Gray model and the options that produced it.

    Attributes
    ----------
    summary : DataFrame indexed by term: ``coef, se, hr, hr_lower, hr_upper, z, p``; ``hr`` is
        the subdistribution hazard ratio, ``se`` cmprsk's sandwich standard error (which
        accounts for estimating the censoring distribution).
    loglik : (null, fitted) log pseudo-likelihoods, as ``crr``'s ``loglik.null``, ``loglik``.
    variance : covariance matrix of the coefficients (``crr``'s ``var``).
    information : observed information at the estimate (``crr``'s ``inf``).
    cause, n, n_events (events of ``cause``), n_competing, iterations, conf_level, references
    (categorical column -> reference level).
    """

    summary: pd.DataFrame
    loglik: tuple[float, float]
    variance: np.ndarray = field(repr=False)
    information: np.ndarray = field(repr=False)
    cause: Any = 1
    n: int = 0
    n_events: int = 0
    n_competing: int = 0
    iterations: int = 0
    conf_level: float = 0.95
    references: dict = field(default_factory=dict)

    @property
    def coef(self) -> pd.Series:
        """Coefficients (log subdistribution hazard ratios) by term."""
        return self.summary["coef"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of options, coefficients and log-likelihoods."""
        return jsonable(
            {
                "method": "fine-gray subdistribution hazards",
                "cause": self.cause,
                "conf_level": self.conf_level,
                "n": self.n,
                "n_events": self.n_events,
                "n_competing": self.n_competing,
                "iterations": self.iterations,
                "references": self.references,
                "loglik": list(self.loglik),
                "coefficients": self.summary.reset_index(),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _converged(minus_loglik: float, gradient: np.ndarray, beta: np.ndarray) -> bool:
    """crr's rule: max |gradient| * max(|b|, 1) < max(|-loglik|, 1) * gtol."""
    scaled = np.max(np.abs(gradient) * np.maximum(np.abs(beta), 1.0))
    return bool(scaled < max(abs(minus_loglik), 1.0) * GRADIENT_TOLERANCE)


def _newton(rs: RiskSets, p: int) -> tuple[np.ndarray, int]:
    """crr's iteration: Newton steps from 0 with Armijo step halving, R's stopping rule."""
    beta = np.zeros(p)
    for iteration in range(MAX_ITERATIONS + 1):
        loglik, score, info = likelihood(rs, beta, derivatives=True)
        # crr minimises -loglik: its gradient is -score
        if _converged(-loglik, -score, beta):
            return beta, iteration
        if iteration == MAX_ITERATIONS:
            break
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise ConvergenceError("fine_gray: the information matrix is singular") from None
        for _ in range(MAX_HALVINGS + 1):
            new_loglik = likelihood(rs, beta + step)[0]
            # Armijo: accept when -loglik falls by at least 1e-4 of the predicted decrease
            if np.isfinite(new_loglik) and -new_loglik <= -loglik - ARMIJO_FACTOR * (step @ score):
                break
            step = step / 2
        else:
            break
        beta = beta + step
    raise ConvergenceError(
        f"fine_gray: did not converge in {MAX_ITERATIONS} iterations; a coefficient may be "
        "infinite (separation) or the model ill-posed"
    )


def fine_gray(
    data: pd.DataFrame,
    time: str,
    status: str,
    cause: Any,
    covariates: list[str],
    reference: dict[str, Any] | None = None,
    conf_level: float = 0.95,
) -> FineGrayModel:
    """Fit a Fine-Gray subdistribution-hazards model for ``cause``, as ``cmprsk::crr``.

    Parameters
    ----------
    data : one row per subject.
    time, status : column names of follow-up time and status (0 = censored, other values =
        event types).
    cause : the event type of interest (``failcode``); other non-zero codes compete.
    covariates : column names; non-numeric columns become treatment contrasts against
        ``reference[column]`` (default: first level in sorted order), named ``column + level``,
        as :func:`cox_ph` does.
    conf_level : level of the hazard-ratio confidence limits.

    Returns
    -------
    FineGrayModel

    Steps
    -----
    1. check columns, time/status/cause and build the design; 2. Kaplan-Meier of the censoring
    distribution and the risk sets (one sort); 3. Newton-Raphson as ``crr``; 4. sandwich
    variance as ``crrvv``; 5. summary.

    Notes
    -----
    Censoring weights use a single censoring distribution (``crr`` without ``cengroup``);
    time-varying terms (``cov2``) are not supported. As ``crr``, the iteration stops when
    ``max |gradient| * max(|b|, 1) < 1e-6 * max(|loglik|, 1)``, so coefficients equal R's.

    References
    ----------
    Fine JP, Gray RJ. JASA 1999;94:496-509. Gray RJ, cmprsk package, ``crr``.
    """
    # step 1
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError("fine_gray: data must be a pandas DataFrame")
    absent = [f"{role}={name!r}" for role, name in (("time", time), ("status", status))
              if name not in data]  # fmt: skip
    if absent:
        raise StatsInputError(f"fine_gray: columns not in the data: {', '.join(absent)}")
    cr = check_competing_risks(data[time], data[status], cause)
    design = build_design(data, list(covariates), reference)
    x = design.matrix - design.matrix.mean(axis=0)  # centring leaves the likelihood unchanged
    # step 2
    rs = build_risk_sets(x, cr.time, cr.status, cr.cause)
    # step 3
    beta, iterations = _newton(rs, x.shape[1])
    # step 4
    loglik0 = likelihood(rs, np.zeros_like(beta))[0]
    loglik1, _, info = likelihood(rs, beta, derivatives=True)
    variance = sandwich(rs, beta, info)
    # step 5
    se = np.sqrt(np.diag(variance))
    z = normal_quantile(conf_level)
    summary = pd.DataFrame(
        {
            "coef": beta,
            "se": se,
            "hr": np.exp(beta),
            "hr_lower": np.exp(beta - z * se),
            "hr_upper": np.exp(beta + z * se),
            "z": beta / se,
            "p": 2 * norm.sf(np.abs(beta / se)),
        },
        index=pd.Index(design.terms, name="term"),
    )
    return FineGrayModel(
        summary=summary,
        loglik=(float(loglik0), float(loglik1)),
        variance=variance,
        information=info,
        cause=cause,
        n=int(cr.time.size),
        n_events=int(np.sum(cr.status == cr.cause)),
        n_competing=int(np.sum((cr.status != cr.cause) & (cr.status != 0))),
        iterations=iterations,
        conf_level=float(conf_level),
        references=design.references,
    )
