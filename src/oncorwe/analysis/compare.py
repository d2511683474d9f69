"""Table 1 by subgroup: baseline characteristics per group with a test and an SMD per row group.

``baseline_by_group`` is a tidy long table, one row per (characteristic, level, group), groups
``"Overall"`` first, then the subgroup's groups in the order of their labels:

``characteristic, level, group, n, pct, median, q1, q3, missing, test, p_value, smd``

``n .. missing`` are as in :mod:`oncorwe.analysis.describe` (``pct`` of the group's non-missing
values); ``test``, ``p_value`` and ``smd`` belong to the characteristic and are repeated on each
of its rows. Patients whose group is missing (or not in the group labels) count in "Overall" only.

Tests are chosen as gtsummary's ``add_p()`` chooses them, and named in ``test`` so the report can
footnote them: categorical -> Pearson's chi-square without continuity correction, or Fisher's
exact test when any expected count is < 5 (levels with no patient dropped first); continuous ->
Wilcoxon rank-sum (2 groups) or Kruskal-Wallis (more). SMD as R's tableone: continuous
|mean difference| / sqrt((s1^2 + s2^2) / 2); categorical the multinomial Mahalanobis form of Yang &
Dalton; with more than two groups the mean of the pairwise SMDs (tableone's printed value).

References
----------
Sjoberg DD, et al. Reproducible summary tables with the gtsummary package. R J 2021;13:570-580
(``add_p`` default tests). Yang D, Dalton JE. A unified approach to measuring the effect size
between two groups using SAS. SAS Global Forum 2012, paper 335. Yoshida K, Bartel A. tableone:
Create 'Table 1' to describe baseline characteristics (``ExtractSmd``), R package 0.13.
Austin PC. Balance diagnostics for comparing the distribution of baseline covariates between
treatment groups in propensity-score matched samples. Stat Med 2009;28:3083-3107.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import numpy as np
import pandas as pd

from oncorwe.analysis.describe import BASELINE_VARIABLES, TREATMENT_VARIABLES, Variable, describe
from oncorwe.errors import InputError, StatsInputError
from oncorwe.stats.group_tests import (
    GroupTest,
    chisq_test,
    expected_counts,
    fisher_exact_test,
    kruskal_wallis,
    wilcoxon_rank_sum,
)

COLUMNS = [
    "characteristic",
    "level",
    "group",
    "n",
    "pct",
    "median",
    "q1",
    "q3",
    "missing",
    "test",
    "p_value",
    "smd",
]
OVERALL = "Overall"
# gtsummary: Fisher's exact test instead of chi-square when any expected count is below 5.
FISHER_BELOW_EXPECTED = 5
# Default group labels of Table 1 by subgroup (stored value -> shown group); RT-first and
# ICI-first are pooled as "Sequential" so the table compares concurrent with sequential.
GROUP_LABELS = {
    "sequence": {
        "concurrent": "Concurrent",
        "rt_first": "Sequential",
        "ici_first": "Sequential",
    },
}


def group_labels_for(by: str) -> dict[object, str]:
    """Default labels for grouping column ``by``: :data:`GROUP_LABELS`, else its Variable levels."""
    if by in GROUP_LABELS:
        return dict(GROUP_LABELS[by])
    for var in BASELINE_VARIABLES + TREATMENT_VARIABLES:
        if var.column == by and var.levels:
            return dict(var.levels)
    return {}


def _with_levels(frame: pd.DataFrame, variables: list[Variable]) -> list[Variable]:
    """Fix the levels of categorical variables from the whole cohort, so every group shows all."""
    fixed = []
    for var in variables:
        if var.column not in frame.columns:
            continue
        if var.kind == "categorical" and not var.levels:
            present = frame[var.column].dropna().unique()
            var = replace(var, levels=tuple((v, str(v)) for v in sorted(present, key=str)))
        fixed.append(var)
    return fixed


def _level_codes(values: pd.Series, var: Variable) -> np.ndarray:
    """Index of each value among ``var.levels`` (NaN: missing or not a level), one vectorised
    comparison per level instead of a look-up per patient."""
    codes = np.full(len(values), np.nan)
    for i, (level, _) in enumerate(var.levels):
        codes[(values == level).fillna(False).to_numpy(bool)] = i
    return codes


def _categorical_test(
    values: pd.Series, group_codes: np.ndarray, var: Variable
) -> GroupTest | None:
    """Chi-square, or Fisher's exact test when an expected count is < 5 (gtsummary's rule);
    ``group_codes``: each patient's group in order of first appearance (-1 for none)."""
    codes = _level_codes(values, var)
    keep = ~np.isnan(codes) & (group_codes >= 0)
    n_groups = max(int(group_codes.max()) + 1, 1)
    cell = codes[keep].astype(int) * n_groups + group_codes[keep]
    table = np.bincount(cell, minlength=len(var.levels) * n_groups).reshape(-1, n_groups)
    try:
        if (expected_counts(table) < FISHER_BELOW_EXPECTED).any():
            try:
                return fisher_exact_test(table)
            except StatsInputError:
                # table too large to enumerate: chi-square, and the test name says so
                result = chisq_test(table)
                return replace(result, test=result.test + " (Fisher's exact infeasible)")
        return chisq_test(table)
    except StatsInputError:
        return None  # fewer than two non-empty levels or groups: nothing to test


def _continuous_test(samples: list[np.ndarray]) -> GroupTest | None:
    samples = [s for s in samples if s.size]
    if len(samples) < 2 or np.unique(np.concatenate(samples)).size < 2:
        return None
    if len(samples) == 2:
        return wilcoxon_rank_sum(samples[0], samples[1])
    return kruskal_wallis(*samples)


def smd_continuous(x: np.ndarray, y: np.ndarray) -> float:
    """|mean(x) - mean(y)| / sqrt((var(x) + var(y)) / 2), sample variances (tableone)."""
    if x.size < 2 or y.size < 2:
        return np.nan
    pooled = np.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2)
    difference = abs(np.mean(x) - np.mean(y))
    if pooled == 0:
        return 0.0 if difference == 0 else np.inf
    return float(difference / pooled)


def smd_categorical(p: np.ndarray, q: np.ndarray) -> float:
    """Yang & Dalton multinomial SMD of two level-proportion vectors (each summing to 1).

    ``sqrt((p - q)' S^+ (p - q))`` over all levels but the first, with
    ``S = (diag(p) - p p' + diag(q) - q q') / 2`` and ``S^+`` its Moore-Penrose inverse (tableone
    uses ``MASS::ginv``); for two levels this is ``|p1 - q1| / sqrt((p1(1-p1) + q1(1-q1)) / 2)``.
    """
    p, q = np.asarray(p, float)[1:], np.asarray(q, float)[1:]
    if np.isnan(p).any() or np.isnan(q).any():
        return np.nan
    s = (np.diag(p) - np.outer(p, p) + np.diag(q) - np.outer(q, q)) / 2
    d = p - q
    return float(np.sqrt(max(d @ np.linalg.pinv(s) @ d, 0.0)))


def _proportions(values: pd.Series, var: Variable) -> np.ndarray:
    counts = values.dropna().value_counts()
    n = np.array([counts.get(v, 0) for v, _ in var.levels], dtype=float)
    return n / n.sum() if n.sum() else np.full(n.size, np.nan)


def _smd(frame: pd.DataFrame, masks: list[np.ndarray], var: Variable) -> float:
    """SMD of two groups, or the mean of the pairwise SMDs of more (tableone's printed SMD);
    ``masks``: the patients of each group."""
    parts = [frame.loc[mask, var.column] for mask in masks]
    if var.kind == "continuous":
        arrays = [s.dropna().to_numpy(float) for s in parts]
        pairs = [smd_continuous(a, b) for a, b in combinations(arrays, 2)]
    else:
        props = [_proportions(s, var) for s in parts]
        pairs = [smd_categorical(a, b) for a, b in combinations(props, 2)]
    pairs = [v for v in pairs if not np.isnan(v)]
    return float(np.mean(pairs)) if pairs else np.nan


def _test(frame: pd.DataFrame, masks: list[np.ndarray], group_codes: np.ndarray, var: Variable):
    if var.kind == "continuous":
        samples = [frame.loc[mask, var.column].dropna().to_numpy(float) for mask in masks]
        return _continuous_test(samples)
    return _categorical_test(frame[var.column], group_codes, var)


def baseline_by_group(
    adsl: pd.DataFrame,
    by: str = "sequence",
    variables: list[Variable] | None = None,
    group_labels: dict[object, str] | None = None,
) -> pd.DataFrame:
    """Table 1 overall and by ``by``, with a test, p-value and SMD per characteristic.

    Parameters
    ----------
    adsl : one row per patient (the ADSL).
    by : grouping column (protocol ``subgroups.table1_by``; default ``"sequence"``).
    variables : row groups (default :data:`describe.BASELINE_VARIABLES`); missing columns skipped.
    group_labels : stored value -> group label; values mapped to the same label are pooled.
        Default :func:`group_labels_for` (``sequence``: concurrent vs sequential).

    Returns
    -------
    DataFrame with :data:`COLUMNS` (see module docstring); ``attrs["footnotes"]`` lists the tests.

    Steps
    -----
    1. check ``by`` and label the groups; 2. fix categorical levels from the whole cohort;
    3. describe each group (Overall first); 4. test and SMD per characteristic; 5. assemble.

    References
    ----------
    gtsummary ``add_p`` (Sjoberg et al. 2021); Yang & Dalton 2012; tableone ``ExtractSmd``.
    """
    # step 1
    if by not in adsl.columns:
        raise InputError(f"table adsl: no column {by!r} to build Table 1 by subgroup")
    labels_map = group_labels if group_labels is not None else group_labels_for(by)
    group = adsl[by].map(labels_map) if labels_map else adsl[by].astype("string")
    group = group.astype(object).where(group.notna(), None)
    if labels_map:
        labels = list(dict.fromkeys(labels_map.values()))
    else:
        labels = sorted(group.dropna().unique())
    labels = [g for g in labels if (group == g).any()]
    # step 2
    fixed = _with_levels(adsl, BASELINE_VARIABLES if variables is None else variables)
    # step 3: the groups' patients found once; only the described columns are cut per group
    masks = [(group == g).to_numpy(bool) for g in labels]
    group_codes, _ = pd.factorize(group)  # -1 for a missing group
    described = adsl[[var.column for var in fixed]]
    parts = [describe(described, fixed).assign(group=OVERALL)]
    parts += [
        describe(described[mask], fixed).assign(group=g)
        for g, mask in zip(labels, masks, strict=True)
    ]
    table = pd.concat(parts, ignore_index=True)
    # step 4
    stats = []
    for var in fixed:
        result = _test(described, masks, group_codes, var) if len(labels) >= 2 else None
        stats.append(
            dict(
                characteristic=var.label,
                test=None if result is None else result.test,
                p_value=np.nan if result is None else result.p_value,
                smd=_smd(described, masks, var) if len(labels) >= 2 else np.nan,
            )
        )
    # step 5: rows ordered characteristic, level, then group (Overall first)
    order = {var.label: i for i, var in enumerate(fixed)}
    table["_var"] = table["characteristic"].map(order)
    table["_level"] = table.groupby(["group", "characteristic"]).cumcount()
    table["_group"] = table["group"].map({g: i for i, g in enumerate([OVERALL, *labels])})
    table = table.sort_values(["_var", "_level", "_group"], kind="mergesort")
    table = table.merge(pd.DataFrame(stats), on="characteristic", how="left")
    out = table[COLUMNS].reset_index(drop=True)
    out.attrs["footnotes"] = sorted({s["test"] for s in stats if s["test"]})
    out.attrs["by"] = by
    return out
