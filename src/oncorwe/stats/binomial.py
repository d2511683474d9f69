"""Confidence intervals for a binomial proportion (response rates, adverse-event rates).

References
----------
Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case of the
binomial. Biometrika 1934;26:404-413. Wilson EB. Probable inference, the law of succession, and
statistical inference. J Am Stat Assoc 1927;22:209-212. R ``stats::binom.test`` and
``stats::prop.test(correct = FALSE)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.stats import beta

from oncorwe.errors import StatsInputError
from oncorwe.stats._serialise import SerialisableResult
from oncorwe.stats.confidence import normal_quantile

BinomialMethod = Literal["exact", "wilson"]
WhenEmpty = Literal["raise", "nan"]


@dataclass(frozen=True)
class BinomialCI(SerialisableResult):
    """A proportion ``k / n`` with its confidence interval and the method that produced it."""

    estimate: float
    lower: float
    upper: float
    k: int
    n: int
    method: str
    conf_level: float


def _check_counts(k: Any, n: Any, conf_level: float) -> tuple[int, int]:
    """Whole numbers with 0 <= k <= n and n >= 1; conf_level in (0, 1)."""
    try:
        k_int, n_int = int(k), int(n)
    except (TypeError, ValueError):
        raise StatsInputError(f"binomial_ci: k={k!r} and n={n!r} must be whole numbers") from None
    if k_int != k or n_int != n:
        raise StatsInputError(f"binomial_ci: k={k!r} and n={n!r} must be whole numbers")
    if n_int < 1 or not 0 <= k_int <= n_int:
        raise StatsInputError(f"binomial_ci: need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not (isinstance(conf_level, int | float) and 0 < conf_level < 1):
        raise StatsInputError(f"conf_level: {conf_level!r} must be a number strictly in (0, 1)")
    return k_int, n_int


def _exact(k: int, n: int, conf_level: float) -> tuple[float, float]:
    """Clopper-Pearson limits from beta quantiles, as R's ``binom.test``."""
    alpha = 1 - conf_level
    lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def _wilson(k: int, n: int, conf_level: float) -> tuple[float, float]:
    """Wilson score limits, written as R's ``prop.test(k, n, correct = FALSE)`` computes them."""
    z = normal_quantile(conf_level)
    p = k / n
    z22n = z**2 / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z22n / (2 * n))
    lower = 0.0 if p <= 0 else (p + z22n - spread) / (1 + 2 * z22n)
    upper = 1.0 if p >= 1 else (p + z22n + spread) / (1 + 2 * z22n)
    return float(lower), float(upper)


def binomial_ci(
    k: int,
    n: int,
    method: BinomialMethod = "exact",
    conf_level: float = 0.95,
    when_empty: WhenEmpty = "raise",
) -> BinomialCI:
    """Proportion ``k / n`` with an exact (Clopper-Pearson) or Wilson confidence interval.

    Parameters
    ----------
    k : number of successes (e.g. responders), 0 <= k <= n.
    n : number of trials (patients), n >= 1.
    method : ``"exact"`` (Clopper-Pearson; equals R's ``binom.test(k, n)$conf.int``) or
        ``"wilson"`` (equals R's ``prop.test(k, n, correct = FALSE)$conf.int``).
    conf_level : confidence level (0.95).
    when_empty : ``"raise"`` (n = 0 is an error) or ``"nan"`` (n = 0 gives NaN estimate and
        limits, e.g. a response rate with nobody evaluable).

    References
    ----------
    Clopper CJ, Pearson ES. Biometrika 1934;26:404-413. Wilson EB. JASA 1927;22:209-212.
    """
    limits = {"exact": _exact, "wilson": _wilson}
    if method not in limits:
        raise StatsInputError(f"method: {method!r} is not one of 'exact', 'wilson'")
    if when_empty not in ("raise", "nan"):
        raise StatsInputError(f"when_empty: {when_empty!r} is not one of 'raise', 'nan'")
    if when_empty == "nan" and k == 0 and n == 0:
        nan = float("nan")
        return BinomialCI(nan, nan, nan, 0, 0, method, float(conf_level))
    k_int, n_int = _check_counts(k, n, conf_level)
    lower, upper = limits[method](k_int, n_int, conf_level)
    return BinomialCI(k_int / n_int, lower, upper, k_int, n_int, method, float(conf_level))
