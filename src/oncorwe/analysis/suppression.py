"""Small-cell suppression of exported aggregate tables (protocol ``privacy.shareable``).

A count ``1 <= n < min_cell`` is suppressed (primary suppression; 0 is shown), and so is every
percentage computed from it. So that a suppressed cell cannot be recovered by subtraction from
a total, each group of cells that adds up to a known total (the levels of one characteristic,
the categories of one response criterion) gets a second suppressed cell when it has exactly
one: the next-smallest non-zero count (complementary suppression). Suppressed cells become
missing (NaN) and a ``<column>_suppressed`` column says which and why (``"primary"``,
``"complementary"``, ``""`` for a cell shown); the report shows a primary cell as
``<min_cell`` and a complementary one as ``[c]`` (``report.shareable``). Tables of one row per
patient (swimmer, waterfall) are not aggregates and are removed from shareable output.

References
----------
OECD Glossary of Statistical Terms, "Threshold rule" (https://stats.oecd.org/glossary/
detail.asp?ID=7010); CMS cell suppression policy (https://resdac.org/node/1506): no cell 1-10
and no cell from which one can be derived; domain.md section 8.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

COUNT_COLUMN = re.compile(r"^(n|events|missing|denominator|n_[a-z0-9_]+|[a-z0-9_]+_n)$")
GROUP_KEYS = (
    "characteristic",
    "criteria",
    "confirmed",
    "variable",
    "endpoint",
    "soc",
    "model",
    "scope",
    "group",
)
PATIENT_LEVEL_TABLES = ("swimmer", "waterfall")
SUPPRESSED_SUFFIX = "_suppressed"
PRIMARY = "primary"
"""A count in ``1..min_cell-1``: its value is below the threshold."""
COMPLEMENTARY = "complementary"
"""A count hidden only so that a primary cell cannot be recovered from its group's total."""
SHOWN = ""


def count_columns(frame: pd.DataFrame) -> list[str]:
    """The count columns of a tidy table, by name (``n``, ``events``, ``*_n``, ``n_*``)."""
    return [
        c
        for c in frame.columns
        if COUNT_COLUMN.match(str(c)) and pd.api.types.is_numeric_dtype(frame[c])
    ]


def percent_columns(frame: pd.DataFrame, count: str) -> list[str]:
    """Columns computed from ``count``: ``pct`` (and, beside it, ``ci_lower``/``ci_upper``, the
    percentage's CI as in the response table) for ``n``; ``x_pct`` and ``x_ci_*`` for ``x_n``.

    A table without ``pct`` keeps its ``ci_*`` (the survival table's are a median's CI).
    """
    stem = "" if count == "n" else count.removesuffix("_n")
    if stem:
        names: tuple[str, ...] = (f"{stem}_pct", f"{stem}_ci_lower", f"{stem}_ci_upper")
    else:
        names = ("pct", "ci_lower", "ci_upper") if "pct" in frame.columns else ()
    return [c for c in names if c in frame.columns and c != count]


def _complement(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Within one group: when exactly one cell is hidden, hide the next-smallest non-zero one."""
    if hidden.sum() != 1 or len(values) < 2:
        return hidden
    candidates = np.where(~hidden & (values > 0), values, np.inf)
    if np.isinf(candidates).all():
        candidates = np.where(~hidden, 0.0, np.inf)  # only zeros left: hide one of them
    out = hidden.copy()
    out[int(np.argmin(candidates))] = True
    return out


def suppress_table(frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Suppress counts in ``1..min_cell-1`` of one tidy table, with complementary suppression.

    Parameters
    ----------
    frame : a tidy aggregate table (Table 1, response, adverse events ...).
    min_cell : the smallest count that may be shown.

    Returns
    -------
    A copy: suppressed counts and their percentages / CIs are NaN, and each count column with a
    suppressed cell has ``<column>_suppressed`` beside it: ``"primary"`` (the count is in
    ``1..min_cell-1``), ``"complementary"`` (hidden so the primary cannot be recovered) or
    ``""`` (shown). A table without small cells is returned unchanged.

    Notes
    -----
    Steps: 1. find the count columns and the grouping keys; 2. mark the primary cells;
    3. add complementary cells group by group; 4. blank the cells and their percentages.
    """
    # step 1
    out = frame.copy()
    keys = [k for k in GROUP_KEYS if k in out.columns]
    groups = (
        out.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        if keys
        else np.zeros(len(out), dtype=int)
    )
    for column in count_columns(out):
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype="float64")
        # step 2
        primary = (values >= 1) & (values < min_cell)
        if not primary.any():
            continue
        # step 3
        hidden = primary.copy()
        for group in np.unique(groups[primary]):
            at = np.flatnonzero(groups == group)
            hidden[at] = _complement(np.nan_to_num(values[at]), hidden[at])
        # step 4
        out[column] = np.where(hidden, np.nan, values)  # no number is left to leak
        for derived in percent_columns(out, column):
            out[derived] = out[derived].mask(hidden)
        why = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, SHOWN))
        out.insert(out.columns.get_loc(column) + 1, column + SUPPRESSED_SUFFIX, why)
    return out


def suppress_tables(tables: dict[str, pd.DataFrame], min_cell: int) -> dict[str, pd.DataFrame]:
    """``suppress_table`` on every table; patient-level tables are left out."""
    return {
        name: suppress_table(frame, min_cell)
        for name, frame in tables.items()
        if name not in PATIENT_LEVEL_TABLES
    }
