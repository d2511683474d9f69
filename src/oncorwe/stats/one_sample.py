"""One-sample tests against published results: a response rate and a reference survival curve.

* :func:`binomial_test` - exact two-sided binomial test of ``k / n`` against a reference rate, as
  R's ``binom.test(k, n, p)`` (scipy's ``binomtest`` uses the same rule and tolerance).
* :func:`reference_curve` - a survival curve rebuilt from a published median and landmark rates:
  piecewise exponential through (0, 1) and the given points (constant hazard between points,
  the last interval's hazard extrapolated beyond the last point).
* :func:`one_sample_logrank` - observed deaths against those expected under the reference curve,
  ``(O - E)^2 / E`` on 1 df, as R's ``survdiff(Surv(time, event) ~ offset(S0(time)))``.
* :func:`landmark_test` - a Kaplan-Meier rate at a fixed time against a reference rate, on the
  complementary log-log scale with the Greenwood variance.

References
----------
Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (exact binomial). Breslow NE. Analysis of
survival data under the proportional hazards model. Int Stat Rev 1975;43:45-58 (one-sample
log-rank). Finkelstein DM, Muzikansky A, Schoenfeld DA. Comparing survival of a sample to that of
a standard population. J Natl Cancer Inst 2003;95:1434-1439. Klein JP, Logan B, Harhoff M,
Andersen PK. Analyzing survival curves at a fixed point in time. Stat Med 2007;26:4505-4519.
Therneau T. survival package, ``survdiff`` (one-sample form with ``offset``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.stats import binomtest, chi2, norm

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import as_float_array, check_probability, check_survival_data
from oncorwe.stats._serialise import SerialisableResult, jsonable


@dataclass(frozen=True)
class BinomialTest(SerialisableResult):
    """Exact binomial test of ``k`` successes in ``n`` against ``p0`` (two-sided)."""

    k: int
    n: int
    p0: float
    estimate: float
    p_value: float
    method: str = "exact binomial test (two-sided, R binom.test)"


def binomial_test(k: int, n: int, p0: float) -> BinomialTest:
    """Exact two-sided binomial test of ``k / n`` against the reference proportion ``p0``.

    The p-value sums P(X = x) over all x no more likely than the observed ``k`` (relative
    tolerance 1e-7), which is R's ``binom.test(k, n, p0)$p.value``.

    References
    ----------
    Clopper CJ, Pearson ES. Biometrika 1934;26:404-413. R ``stats::binom.test``.
    """
    if int(k) != k or int(n) != n or n < 1 or not 0 <= k <= n:
        raise StatsInputError(f"binomial_test: need whole 0 <= k <= n, n >= 1; got k={k}, n={n}")
    p0 = check_probability("p0", p0)
    result = binomtest(int(k), int(n), p0, alternative="two-sided")
    return BinomialTest(int(k), int(n), p0, int(k) / int(n), float(result.pvalue))


@dataclass(frozen=True, eq=False)
class ReferenceCurve:
    """Piecewise-exponential survival through (0, 1) and published points ``(time, surv)``.

    Attributes
    ----------
    times, surv : knots, starting with (0, 1), times increasing, survival non-increasing.
    hazards : constant hazard on each interval between knots; the last one also applies
        beyond the last knot (extrapolation).
    """

    times: np.ndarray = field(repr=False)
    surv: np.ndarray = field(repr=False)
    hazards: np.ndarray = field(repr=False)

    def cumulative_hazard(self, t: Any) -> np.ndarray:
        """H0(t): linear between knots in -log S, the last hazard extrapolated."""
        t = np.asarray(t, dtype=float)
        knots_h = -np.log(self.surv)
        inside = np.interp(t, self.times, knots_h)
        beyond = knots_h[-1] + self.hazards[-1] * (t - self.times[-1])
        return np.where(t > self.times[-1], beyond, inside)

    def survival(self, t: Any) -> np.ndarray:
        """S0(t) = exp(-H0(t))."""
        return np.exp(-self.cumulative_hazard(t))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: knots and interval hazards."""
        return jsonable(
            {
                "method": "piecewise exponential through (0, 1) and the published points",
                "times": self.times.tolist(),
                "surv": self.surv.tolist(),
                "hazards": self.hazards.tolist(),
            }
        )


def reference_curve(times: Any, surv: Any) -> ReferenceCurve:
    """Reference survival curve from published points, e.g. a median and landmark rates.

    Parameters
    ----------
    times : times of the published points (> 0, distinct), e.g. ``[median, 12, 24]``.
    surv : survival at those times, in (0, 1): 0.5 for a median, the landmark rates.

    Returns
    -------
    ReferenceCurve with knots (0, 1) and the points sorted by time; hazard on each interval
    ``log(S_(k-1) / S_k) / (t_k - t_(k-1))``; beyond the last point the last hazard goes on. A
    median alone gives an exponential curve with hazard log(2) / median.

    References
    ----------
    docs/methods/reporting_statistics.md (reconstructing reference curves from medians and
    landmark rates);
    Finkelstein DM, et al. J Natl Cancer Inst 2003;95:1434-1439.
    """
    t = as_float_array("times", times)
    s = as_float_array("surv", surv)
    if t.size != s.size:
        raise StatsInputError(f"length mismatch: times={t.size}, surv={s.size}")
    if (t <= 0).any() or np.unique(t).size != t.size:
        raise StatsInputError(f"times: {t.tolist()} must be distinct and > 0")
    if ((s <= 0) | (s >= 1)).any():
        raise StatsInputError(f"surv: {s.tolist()} must lie strictly between 0 and 1")
    order = np.argsort(t)
    knots_t = np.r_[0.0, t[order]]
    knots_s = np.r_[1.0, s[order]]
    if (np.diff(knots_s) > 0).any():
        raise StatsInputError(
            f"surv: published points at times {t[order].tolist()} are {s[order].tolist()}: they "
            "increase with time, which a survival curve cannot (check median and landmarks)"
        )
    hazards = -np.diff(np.log(knots_s)) / np.diff(knots_t)
    return ReferenceCurve(knots_t, knots_s, hazards)


@dataclass(frozen=True)
class OneSampleLogRank(SerialisableResult):
    """Observed events against those expected under a reference curve."""

    observed: float
    expected: float
    chisq: float
    p_value: float
    df: int = 1
    method: str = "one-sample log-rank (R survdiff with offset)"

    @property
    def ratio(self) -> float:
        """Observed / expected (a standardised mortality ratio)."""
        return self.observed / self.expected

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field and the O/E ratio."""
        return jsonable({**asdict(self), "ratio": self.ratio})


def one_sample_logrank(time: Any, event: Any, curve: ReferenceCurve) -> OneSampleLogRank:
    """One-sample log-rank test of right-censored data against a reference survival curve.

    ``E = sum_i H0(t_i)`` (each patient's cumulative reference hazard up to their time),
    ``O = sum_i d_i``, ``chisq = (O - E)^2 / E`` on 1 df; equals R's
    ``survdiff(Surv(time, event) ~ offset(S0))`` with ``S0 = curve.survival(time)``.

    References
    ----------
    Breslow NE. Int Stat Rev 1975;43:45-58. Finkelstein DM, et al. JNCI 2003;95:1434-1439.
    """
    data = check_survival_data(time, event)
    expected = float(curve.cumulative_hazard(data.time).sum())
    observed = float(data.event.sum())
    if expected <= 0:
        raise StatsInputError("one_sample_logrank: no follow-up time, so no expected events")
    chisq = (observed - expected) ** 2 / expected
    return OneSampleLogRank(observed, expected, float(chisq), float(chi2.sf(chisq, 1)))


@dataclass(frozen=True)
class LandmarkTest(SerialisableResult):
    """A Kaplan-Meier rate at one time against a reference rate (two-sided z test)."""

    surv: float
    reference: float
    z: float
    p_value: float
    method: str = "landmark test, complementary log-log scale (Klein et al. 2007)"


def landmark_test(surv: float, std_err: float, reference: float) -> LandmarkTest:
    """Test S(t) = reference at a fixed t from a Kaplan-Meier estimate and its standard error.

    ``std_err`` is the Greenwood standard error of the cumulative hazard (R's ``std.err`` of
    ``survfit``, the ``std_err`` column of :func:`oncorwe.stats.kaplan_meier`). On the cloglog
    scale, ``z = (log(-log S) - log(-log S0)) * |log S| / std_err``.

    References
    ----------
    Klein JP, Logan B, Harhoff M, Andersen PK. Stat Med 2007;26:4505-4519.
    """
    s, s0 = check_probability("surv", surv), check_probability("reference", reference)
    if not 0 < s < 1 or not 0 < s0 < 1:
        raise StatsInputError(f"landmark_test: surv={surv} and reference={reference} need (0, 1)")
    if not np.isfinite(std_err) or std_err <= 0:
        raise StatsInputError(f"landmark_test: std_err={std_err!r} must be a positive number")
    z = (np.log(-np.log(s)) - np.log(-np.log(s0))) * abs(np.log(s)) / std_err
    return LandmarkTest(s, s0, float(z), float(2 * norm.sf(abs(z))))
