"""Cox proportional-hazards regression (Efron or Breslow ties) as R's ``survival::coxph``.

References
----------
Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220. Efron B. JASA
1977;72:557-565. Breslow N. Biometrics 1974;30:89-99. Lin DY, Wei LJ. The robust inference for
the Cox proportional hazards model. JASA 1989;84:1074-1078. Therneau TM, Grambsch PM. Modeling
Survival Data: Extending the Cox Model. Springer 2000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from oncorwe.errors import ConvergenceError, StatsInputError
from oncorwe.stats._check import check_labels, check_survival_data
from oncorwe.stats._cox_fit import CoxFitData, term_columns
from oncorwe.stats._cox_likelihood import build_risk_sets, partial_likelihood
from oncorwe.stats._cox_robust import robust_score_test, robust_variance
from oncorwe.stats._design import build_design
from oncorwe.stats._serialise import jsonable, to_json
from oncorwe.stats.confidence import normal_quantile

Ties = Literal["efron", "breslow"]
# R coxph.control defaults: eps = 1e-9, iter.max = 20, toler.inf = sqrt(eps)
CONVERGENCE_EPS = 1e-9
MAX_ITERATIONS = 20
INFINITE_TOLERANCE = float(np.sqrt(CONVERGENCE_EPS))
NOT_CENTRED = (-1.0, 0.0, 1.0)  # R coxph(nocenter = c(-1, 0, 1))


@dataclass(frozen=True, eq=False)
class CoxModel:
    """A fitted Cox model and the options that produced it.

    Attributes
    ----------
    summary : DataFrame indexed by term: ``coef, se, hr, hr_lower, hr_upper, z, p`` (``se`` is the
        robust SE when ``robust``; then ``naive_se`` is added).
    loglik : (null, fitted) log partial likelihoods.
    tests : DataFrame indexed by ``likelihood_ratio, wald, score`` (plus ``robust_score`` when
        robust) with ``chisq, df, p``; the Wald test uses the robust variance when robust (R).
    variance : covariance matrix of the coefficients (robust when ``robust``).
    n, n_events (unweighted counts, as R), iterations, ties, robust, conf_level, strata,
    references (categorical column -> reference level), means (covariate means, as R centres).
    fit_data : the arrays that concordance, survival curves and ``ph_test`` need after the fit.
    """

    summary: pd.DataFrame
    loglik: tuple[float, float]
    tests: pd.DataFrame
    variance: np.ndarray = field(repr=False)
    n: int = 0
    n_events: float = 0.0
    iterations: int = 0
    ties: str = "efron"
    robust: bool = False
    conf_level: float = 0.95
    strata: tuple = ()
    references: dict = field(default_factory=dict)
    means: np.ndarray = field(default=None, repr=False)
    fit_data: CoxFitData | None = field(default=None, repr=False)

    @property
    def coef(self) -> pd.Series:
        """Coefficients (log hazard ratios) by term."""
        return self.summary["coef"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of options, coefficients, log-likelihoods and tests."""
        return jsonable(
            {
                "method": "cox proportional hazards",
                "ties": self.ties,
                "robust": self.robust,
                "conf_level": self.conf_level,
                "n": self.n,
                "n_events": self.n_events,
                "strata": list(self.strata),
                "references": self.references,
                "loglik": list(self.loglik),
                "coefficients": self.summary.reset_index(),
                "tests": self.tests.reset_index(),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return to_json(self.to_dict(), indent=indent)


def _newton_raphson(rs, p: int):
    """R's coxfit6 iteration: Newton steps from 0, step halving, |1 - l_old/l_new| <= 1e-9.

    Returns (beta, information at beta, loglik at 0, loglik at beta, score test, iterations).
    """
    beta = np.zeros(p)
    loglik0, score0, info0 = partial_likelihood(rs, beta)
    score_test = float(score0 @ _solve(info0, score0))
    loglik, step = loglik0, _solve(info0, score0)
    new_beta, halving = beta + step, False
    for iteration in range(1, MAX_ITERATIONS + 1):
        new_loglik, score, info = partial_likelihood(rs, new_beta)
        if abs(1 - loglik / new_loglik) <= CONVERGENCE_EPS and not halving:
            return new_beta, info, score, loglik0, new_loglik, score_test, iteration
        if not np.isfinite(new_loglik) or new_loglik < loglik:
            halving = True
            new_beta = (new_beta + beta) / 2
        else:
            halving, loglik, beta = False, new_loglik, new_beta
            new_beta = beta + _solve(info, score)
    raise ConvergenceError(
        f"cox_ph: did not converge in {MAX_ITERATIONS} iterations (log-likelihood "
        f"{loglik:.6g}); a coefficient may be infinite (separation) or the model ill-posed"
    )


def _solve(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(matrix, vector)
    except np.linalg.LinAlgError:
        raise ConvergenceError("cox_ph: the information matrix is singular") from None


def _check_columns(data: pd.DataFrame, **columns: str | None) -> None:
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError("cox_ph: data must be a pandas DataFrame")
    absent = [f"{role}={name!r}" for role, name in columns.items() if name and name not in data]
    if absent:
        raise StatsInputError(f"cox_ph: columns not in the data: {', '.join(absent)}")


def cox_ph(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: list[str],
    ties: Ties = "efron",
    strata: str | None = None,
    robust: bool | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    entry: str | None = None,
    reference: dict[str, Any] | None = None,
    conf_level: float = 0.95,
) -> CoxModel:
    """Fit a Cox proportional-hazards model by Newton-Raphson, as R's ``coxph``.

    Parameters
    ----------
    data : one row per subject (or per interval with ``entry``).
    time, event : column names of follow-up time and event indicator (1/0).
    covariates : column names; non-numeric columns become treatment contrasts against
        ``reference[column]`` (default: first level in sorted order), named ``column + level``.
    ties : ``"efron"`` (R's default) or ``"breslow"``.
    strata : column whose levels get separate baseline hazards (``strata()`` in R).
    robust, cluster : sandwich (Lin-Wei) variance; ``cluster`` groups rows of one subject
        (implies robust), as ``coxph(..., robust = TRUE, cluster = id)``. ``robust=None`` follows
        R's default: robust when a cluster is given or the weights are not whole numbers.
    weights : column of positive case weights. entry : column of entry times (left truncation,
        ``Surv(entry, time, event)``).
    conf_level : level of the hazard-ratio confidence limits.

    Returns
    -------
    CoxModel

    Steps
    -----
    1. check columns and build the design; 2. locate risk sets (one sort); 3. Newton-Raphson as
    R's ``coxfit6``; 4. variance (inverse information, or sandwich); 5. summary and tests.

    References
    ----------
    Cox DR 1972; Efron B 1977; Breslow N 1974; Lin DY, Wei LJ 1989; Therneau TM, Grambsch PM 2000.
    """
    # step 1
    _check_columns(data, time=time, event=event, strata=strata, cluster=cluster,
                   weights=weights, entry=entry)  # fmt: skip
    if ties not in ("efron", "breslow"):
        raise StatsInputError(f"ties: {ties!r} is not one of 'efron', 'breslow'")
    surv = check_survival_data(
        data[time],
        data[event],
        entry=data[entry] if entry else None,
        weights=data[weights] if weights else None,
    )
    if surv.event.sum() == 0:
        raise StatsInputError("cox_ph: there are no events; a Cox model cannot be fitted")
    design = build_design(data, list(covariates), reference)
    n = surv.time.size
    stratum_code, stratum_levels = np.zeros(n, dtype=np.int64), ()
    if strata:
        stratum_code, levels = check_labels("strata", data[strata].to_numpy(), n)
        stratum_levels = tuple(levels.tolist())
    case_weights = surv.weights if surv.weights is not None else np.ones(n)
    # R centres covariates at their weighted means (the likelihood does not change) except columns
    # whose values all lie in {-1, 0, 1} (coxph's nocenter); survfit's default curve uses these
    means = np.where(
        _not_centred(design.matrix), 0.0, case_weights @ design.matrix / case_weights.sum()
    )
    # step 2
    rs = build_risk_sets(design.matrix, means, surv.time, surv.event, stratum_code,
                         case_weights, surv.entry, ties)  # fmt: skip
    # step 3
    beta, info, score, loglik0, loglik1, score_test, iterations = _newton_raphson(rs, means.size)
    # step 4
    naive = np.linalg.inv(info)
    _check_infinite(beta, score, naive, design.terms)
    if robust is None:  # R's default
        robust = bool(cluster) or not np.all(case_weights == np.round(case_weights))
    variance, robust_score, groups = naive, None, None
    if robust or cluster:
        robust = True
        groups = check_labels("cluster", data[cluster].to_numpy(), n)[0] if cluster else None
        variance = robust_variance(rs, beta, naive, groups)
        robust_score = robust_score_test(rs, groups)
    # step 5
    summary = _summary(design.terms, beta, variance, naive, conf_level, robust)
    tests = _tests(beta, variance, loglik0, loglik1, score_test, robust_score)
    return CoxModel(
        summary=summary,
        loglik=(loglik0, loglik1),
        tests=tests,
        variance=variance,
        n=n,
        n_events=float(surv.event.sum()),  # unweighted count, as R's nevent
        iterations=iterations,
        ties=ties,
        robust=robust,
        conf_level=float(conf_level),
        strata=stratum_levels,
        references=design.references,
        means=means,
        fit_data=CoxFitData(
            risk_sets=rs,
            beta=beta,
            means=means,
            time=surv.time,
            event=surv.event,
            entry=surv.entry,
            weights=case_weights,
            stratum=stratum_code,
            cluster=groups,
            strata_levels=stratum_levels,
            strata_column=strata,
            term_columns=term_columns(data, list(covariates), design.terms, design.references),
            references=design.references,
        ),
    )


def _not_centred(matrix: np.ndarray) -> np.ndarray:
    """Columns whose values all lie in {-1, 0, 1}; a column's first values are looked at
    first, so that a continuous covariate is rejected without a pass over all rows."""
    return np.array(
        [
            bool(np.isin(column[:64], NOT_CENTRED).all() and np.isin(column, NOT_CENTRED).all())
            for column in matrix.T
        ],
        dtype=bool,
    )


def _check_infinite(beta, score, variance, terms) -> None:
    """R's check after coxfit: |U V| large relative to |beta| flags an infinite coefficient."""
    flag = np.abs(score @ variance)
    infinite = (flag > CONVERGENCE_EPS) & (flag > INFINITE_TOLERANCE * np.abs(beta))
    if infinite.any():
        name = terms[int(np.flatnonzero(infinite)[0])]
        raise ConvergenceError(
            f"cox_ph: the coefficient of {name!r} may be infinite (separation: the log-likelihood "
            "converged before the coefficient did); check for a covariate level without events"
        )


def _summary(terms, beta, variance, naive, conf_level, robust) -> pd.DataFrame:
    se = np.sqrt(np.diag(variance))
    z = normal_quantile(conf_level)
    table = pd.DataFrame(
        {
            "coef": beta,
            "se": se,
            "hr": np.exp(beta),
            "hr_lower": np.exp(beta - z * se),
            "hr_upper": np.exp(beta + z * se),
            "z": beta / se,
            "p": 2 * norm.sf(np.abs(beta / se)),
        },
        index=pd.Index(terms, name="term"),
    )
    if robust:
        table["naive_se"] = np.sqrt(np.diag(naive))
    return table


def _tests(beta, variance, loglik0, loglik1, score_test, robust_score) -> pd.DataFrame:
    """LR, Wald (robust variance when robust, as R) and score tests; R's robust score test."""
    df = beta.size
    wald = float(beta @ np.linalg.solve(variance, beta))
    names = ["likelihood_ratio", "wald", "score"]
    chisq = [2 * (loglik1 - loglik0), wald, score_test]
    if robust_score is not None:
        names.append("robust_score")
        chisq.append(robust_score)
    chisq = np.array(chisq)
    return pd.DataFrame(
        {"chisq": chisq, "df": df, "p": chi2.sf(chisq, df)},
        index=pd.Index(names, name="test"),
    )
