"""Tests that compare groups of patients: contingency tables and rank sums, as R's ``stats``.

Pearson's chi-square without continuity correction (R ``chisq.test(correct = FALSE)``), Fisher's
exact test for 2 x 2 (scipy, as R) and r x c tables (full enumeration of the tables with the
observed margins, as R ``fisher.test`` computes exactly with the network algorithm), the
Wilcoxon rank-sum test (R ``wilcox.test``: exact when both groups have fewer than 50 values and
there are no ties, else the normal approximation with tie and continuity corrections) and the
Kruskal-Wallis test (R ``kruskal.test``).

References
----------
Agresti A. Categorical Data Analysis, 3rd ed. Wiley 2013, sections 3.5 (Fisher's exact test for
r x c tables) and 3.2 (Pearson's chi-square). Mehta CR, Patel NR. A network algorithm for
performing Fisher's exact test in r x c contingency tables. J Am Stat Assoc 1983;78:427-434.
Hollander M, Wolfe DA. Nonparametric Statistical Methods, 2nd ed. Wiley 1999 (Wilcoxon rank-sum,
Kruskal-Wallis). R Core Team, ``stats::fisher.test``, ``stats::wilcox.test``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammaln
from scipy.stats import chi2_contingency, fisher_exact, kruskal, mannwhitneyu

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import as_float_array
from oncorwe.stats._serialise import SerialisableResult

# R fisher.test: tables whose probability is within this relative tolerance of the observed
# table's count as "as or less likely" (relErr <- 1 + 10^-7).
FISHER_REL_ERR = 1 + 1e-7
# Enumeration is exact but grows with the table; beyond this many cells of work we stop.
FISHER_MAX_WORK = 30_000_000
# R wilcox.test: exact p-value when both samples have fewer than this many values and no ties.
WILCOXON_EXACT_BELOW = 50


@dataclass(frozen=True)
class GroupTest(SerialisableResult):
    """One test result: its name (as gtsummary footnotes it), statistic, df and p-value."""

    test: str
    statistic: float
    df: float
    p_value: float
    detail: str = ""


def check_table(table: Any) -> np.ndarray:
    """A 2-d array of non-negative whole counts with at least 2 non-empty rows and columns."""
    array = np.asarray(table, dtype=float)
    if array.ndim != 2:
        raise StatsInputError(f"table: expected a 2-d table of counts, got shape {array.shape}")
    if not np.isfinite(array).all() or (array < 0).any() or (array != np.round(array)).any():
        raise StatsInputError("table: counts must be finite non-negative whole numbers")
    array = array[array.sum(axis=1) > 0][:, array.sum(axis=0) > 0]
    if min(array.shape) < 2:
        raise StatsInputError(
            "table: need at least 2 non-empty rows and 2 non-empty columns to compare groups"
        )
    return array.astype(np.int64)


def expected_counts(table: Any) -> np.ndarray:
    """Expected counts under independence (row total x column total / n), empty margins dropped."""
    t = check_table(table)
    return np.outer(t.sum(axis=1), t.sum(axis=0)) / t.sum()


def chisq_test(table: Any) -> GroupTest:
    """Pearson's chi-square test of independence, no continuity correction.

    Equals R's ``chisq.test(table, correct = FALSE)``. Rows or columns with no patients are
    dropped first (R would return NaN for them).

    References
    ----------
    Agresti A. Categorical Data Analysis, 3rd ed. 2013, section 3.2.
    """
    t = check_table(table)
    statistic, p_value, df, _ = chi2_contingency(t, correction=False)
    return GroupTest("Pearson's chi-squared test", float(statistic), float(df), float(p_value))


def _compositions(total: int, caps: np.ndarray) -> np.ndarray:
    """All vectors v >= 0 with sum(v) = total and v <= caps (K x len(caps))."""
    grids = np.meshgrid(*[np.arange(min(c, total) + 1) for c in caps[:-1]], indexing="ij")
    head = np.stack([g.ravel() for g in grids], axis=1) if grids else np.zeros((1, 0), int)
    last = total - head.sum(axis=1)
    keep = (last >= 0) & (last <= caps[-1])
    return np.column_stack((head[keep], last[keep])).astype(np.int64)


def _fisher_rxc(t: np.ndarray) -> float:
    """Exact r x c p-value by enumerating every table with the observed margins.

    Column by column: each partial table is (remaining row totals, sum of -log cell!); the last
    column is fixed by the remaining totals. p = sum of P(table) over tables no more likely than
    the observed one (within R's relative tolerance).
    """
    if t.shape[0] > t.shape[1]:
        t = t.T
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    log_const = gammaln(rows + 1).sum() + gammaln(cols + 1).sum() - gammaln(t.sum() + 1)
    remaining = rows[None, :].copy()
    partial = np.zeros(1)
    for total in cols[:-1]:
        parts = _compositions(int(total), rows)
        if remaining.shape[0] * parts.shape[0] * len(rows) > FISHER_MAX_WORK:
            raise StatsInputError(
                f"fisher_exact_test: table {t.shape} with n = {t.sum()} is too large to "
                "enumerate exactly; use the chi-square test"
            )
        fits = (parts[None, :, :] <= remaining[:, None, :]).all(axis=2)
        state, part = np.nonzero(fits)
        remaining = remaining[state] - parts[part]
        partial = partial[state] - gammaln(parts[part] + 1).sum(axis=1)
    log_p = log_const + partial - gammaln(remaining + 1).sum(axis=1)
    observed = log_const - gammaln(t + 1).sum()
    p = np.exp(log_p[log_p <= observed + np.log(FISHER_REL_ERR)]).sum()
    return float(min(p, 1.0))


def fisher_exact_test(table: Any) -> GroupTest:
    """Fisher's exact test of independence (two-sided), any r x c table.

    2 x 2: ``scipy.stats.fisher_exact`` (two-sided, same tolerance as R). Larger tables: exact
    enumeration of all tables with the observed margins; the p-value sums the probabilities of
    tables no more likely than the observed one, as R's ``fisher.test`` (network algorithm,
    Mehta & Patel 1983) defines it. Raises :class:`StatsInputError` when the enumeration would
    exceed :data:`FISHER_MAX_WORK`.

    References
    ----------
    Agresti A. Categorical Data Analysis, 3rd ed. 2013, section 3.5. Mehta CR, Patel NR. JASA
    1983;78:427-434.
    """
    t = check_table(table)
    if t.shape == (2, 2):
        odds_ratio, p_value = fisher_exact(t, alternative="two-sided")
        return GroupTest("Fisher's exact test", float(odds_ratio), np.nan, float(p_value))
    return GroupTest("Fisher's exact test", np.nan, np.nan, _fisher_rxc(t), "full enumeration")


def _has_ties(values: np.ndarray) -> bool:
    return np.unique(values).size < values.size


def wilcoxon_rank_sum(x: Any, y: Any, exact: bool | None = None) -> GroupTest:
    """Wilcoxon rank-sum (Mann-Whitney) test, two-sided, as R's ``wilcox.test(x, y)``.

    Parameters
    ----------
    x, y : the two samples (no NaN).
    exact : None (R's rule: exact when both samples have < 50 values and no value is tied),
        True or False. Ties force the normal approximation, as in R.

    Returns
    -------
    GroupTest with ``statistic`` = R's W (sum of the ranks of ``x`` minus n_x (n_x + 1) / 2).
    The normal approximation uses the tie-corrected variance and a continuity correction of 0.5.

    References
    ----------
    Hollander M, Wolfe DA. Nonparametric Statistical Methods, 2nd ed. 1999, chapter 4.
    """
    xa, ya = as_float_array("x", x), as_float_array("y", y)
    ties = _has_ties(np.concatenate((xa, ya)))
    if exact is None:
        exact = xa.size < WILCOXON_EXACT_BELOW and ya.size < WILCOXON_EXACT_BELOW
    use_exact = bool(exact) and not ties
    # scipy's "auto" switches at n <= 8; oncorwe follows R's rule above instead.
    result = mannwhitneyu(
        xa,
        ya,
        use_continuity=True,
        alternative="two-sided",
        method="exact" if use_exact else "asymptotic",
    )
    detail = "exact" if use_exact else "normal approximation, continuity correction"
    return GroupTest(
        "Wilcoxon rank sum test", float(result.statistic), np.nan, float(result.pvalue), detail
    )


def kruskal_wallis(*samples: Any) -> GroupTest:
    """Kruskal-Wallis rank-sum test of k >= 2 samples (tie-corrected), as R's ``kruskal.test``.

    References
    ----------
    Hollander M, Wolfe DA. Nonparametric Statistical Methods, 2nd ed. 1999, section 6.1.
    """
    arrays = [as_float_array(f"sample {i}", s) for i, s in enumerate(samples)]
    if len(arrays) < 2:
        raise StatsInputError("kruskal_wallis: need at least two samples")
    statistic, p_value = kruskal(*arrays)
    return GroupTest(
        "Kruskal-Wallis rank sum test", float(statistic), float(len(arrays) - 1), float(p_value)
    )
