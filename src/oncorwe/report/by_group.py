"""Table 1 by a subgroup: the long ``baseline_by_group`` table shown wide, one column per group.

The tidy table has one row per (characteristic, level, group) with ``n, pct, median, q1, q3,
missing`` and, repeated on every row of a characteristic, the ``test, p_value, smd`` comparing
the groups. The display has one column per group in the table's order ("Overall" first when
present), then p and SMD on the characteristic's first line; the tests used are footnoted, each
with the characteristics it was applied to. Nothing is computed here.

References
----------
.. [1] Sjoberg DD, et al. gtsummary ``tbl_summary(by=) |> add_p() |> add_difference()``.
.. [2] Austin PC. Balance diagnostics for comparing the distribution of baseline covariates
   between treatment groups in propensity-score matched samples. Stat Med 2009;28:3083-107
   (SMD for categorical variables, the value the analysis reports).
"""

from __future__ import annotations

import pandas as pd

from oncorwe.report.display import DisplayTable
from oncorwe.report.format import (
    format_count,
    format_median_iqr,
    format_n_pct,
    format_number,
    format_p_value,
    is_nonzero_count,
)
from oncorwe.report.specs import RenderContext, TableSpec

OVERALL = "Overall"


def _groups(df: pd.DataFrame) -> list[str]:
    groups = [str(g) for g in pd.unique(df["group"])]
    return ([OVERALL] if OVERALL in groups else []) + [g for g in groups if g != OVERALL]


def _cell(row: pd.Series | None, continuous: bool) -> str:
    if row is None:
        return ""
    if continuous:
        return format_median_iqr(row["median"], row["q1"], row["q3"])
    return format_n_pct(row["n"], row["pct"])


def _characteristic_rows(
    name: str, part: pd.DataFrame, groups: list[str]
) -> list[tuple[int, tuple[str, ...]]]:
    """Rows of one characteristic: continuous on one line; categorical as header + levels."""
    first = part.iloc[0]
    tail = (format_p_value(first["p_value"]), format_number(first["smd"], 2))
    continuous = part["level"].isna().all()
    by_group = {str(g): rows for g, rows in part.groupby("group", sort=False)}
    if continuous:
        cells = [_cell(by_group[g].iloc[0] if g in by_group else None, True) for g in groups]
        out = [(0, (name, *cells, *tail))]
    else:
        out = [(0, (name, *[""] * len(groups), *tail))]
        for level in pd.unique(part["level"]):
            cells = []
            for g in groups:
                match = by_group.get(g, part.iloc[0:0])
                match = match[match["level"] == level]
                cells.append(_cell(match.iloc[0] if len(match) else None, False))
            out.append((1, (str(level), *cells, "", "")))
    missing = {g: rows["missing"].iloc[0] for g, rows in by_group.items()}
    if any(is_nonzero_count(m) for m in missing.values()):
        cells = [format_count(missing.get(g, 0)) for g in groups]
        out.append((1, ("Missing", *cells, "", "")))
    return out


def _test_note(df: pd.DataFrame) -> str | None:
    """``p values: Fisher's exact test (Sex, PVTT); Wilcoxon rank-sum test (Age).``"""
    tests = df.dropna(subset=["test"]).drop_duplicates("characteristic")
    if tests.empty:
        return None
    parts = [
        f"{test} ({', '.join(rows['characteristic'].astype(str))})"
        for test, rows in tests.groupby("test", sort=False)
    ]
    return "p values: " + "; ".join(parts) + "."


def baseline_by_group_tables(
    df: pd.DataFrame, spec: TableSpec, context: RenderContext
) -> list[DisplayTable]:
    """The wide Table 1 (builder of the ``baseline_by_group`` spec)."""
    groups = _groups(df)
    pairs: list[tuple[int, tuple[str, ...]]] = []
    for name, part in df.groupby("characteristic", sort=False):
        pairs += _characteristic_rows(str(name), part, groups)
    by = context.group_variable or "group"
    notes = [str(n) for n in df.attrs.get("footnotes", ())] + list(spec.footnotes)
    test_note = _test_note(df)
    return [
        DisplayTable(
            name=spec.name,
            title=f"{spec.title} {by}",
            columns=("Characteristic", *groups, "p", "SMD"),
            rows=tuple(cells for _, cells in pairs),
            indent=tuple(level for level, _ in pairs),
            footnotes=tuple(notes + ([test_note] if test_note else [])),
        )
    ]
