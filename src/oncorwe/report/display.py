"""Display tables: the tidy analysis tables turned into rows of formatted text.

A ``DisplayTable`` is the one immutable object every renderer draws (HTML now, Word and XLSX
later), in the spirit of great_tables: the tidy DataFrame holds the numbers, the display table
holds their text, its row indentation and its footnotes. Nothing here computes a statistic.

References
----------
.. [1] Iannone R, et al. great_tables (Python): one table object, several renderers.
.. [2] Sjoberg DD, et al. gtsummary: "n (%)" and "median (Q1\u2013Q3)" Table 1 conventions.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from oncorwe.derive.endpoints import ENDPOINTS, endpoint_labels
from oncorwe.derive.response_options import ResponseOptions
from oncorwe.privacy.shareable import is_suppressed
from oncorwe.report.format import (
    GEQ,
    conf_label,
    format_compact,
    format_count,
    format_estimate_ci,
    format_median_iqr,
    format_n_pct,
    format_proportion_ci,
    format_range,
    is_missing,
    is_nonzero_count,
)
from oncorwe.report.narrative import lookup
from oncorwe.stats import binomial_ci, cox_ph

RESPONSE_LABELS = {
    "CR": "Complete response (CR)",
    "PR": "Partial response (PR)",
    "SD": "Stable disease (SD)",
    "NON-CR/NON-PD": "Non-CR/non-PD",
    "PD": "Progressive disease (PD)",
    "NE": "Not evaluable (NE)",
    "MISSING": "No assessment",
    "ORR": "Objective response rate (CR + PR)",
    "DCR": "Disease control rate (CR + PR + SD + non-CR/non-PD)",
}
ENDPOINT_LABELS = endpoint_labels(ENDPOINTS)
"""The declared endpoints' labels by key (``oncorwe.derive.endpoints``)."""


# The function (or options class) and parameter behind each option recorded in ``results["meta"]``
RECORDED_OPTIONS = {
    "ties": (cox_ph, "ties"),
    "proportion_ci": (binomial_ci, "method"),
    "confirmation_min_days": (ResponseOptions, "ref_confirm"),
    "stable_disease_min_days": (ResponseOptions, "ref_start_window"),
}
PROPORTION_CI_TEXT = {"exact": "exact (Clopper\u2013Pearson)", "wilson": "Wilson score"}


def recorded_option(results: Mapping[str, Any] | None, name: str) -> str:
    """The option ``name`` (``ties``, ``proportion_ci``) as ``results["meta"]`` records it; for
    results that do not record it, the default of the statistics function that takes it."""
    value = lookup(results or {}, f"meta.{name}")
    if value is None:
        function, parameter = RECORDED_OPTIONS[name]
        value = inspect.signature(function).parameters[parameter].default
    return str(value)


def ties_text(results: Mapping[str, Any] | None) -> str:
    """``"Efron ties"``: how the Cox models handled tied event times."""
    return f"{recorded_option(results, 'ties').capitalize()} ties"


def proportion_ci_text(results: Mapping[str, Any] | None) -> str:
    """``"exact (Clopper\u2013Pearson)"``: the method of the ORR and DCR intervals."""
    method = recorded_option(results, "proportion_ci")
    return PROPORTION_CI_TEXT.get(method, method)


def response_windows_text(results: Mapping[str, Any] | None) -> str:
    """The confirmation and SD windows the best responses were derived with, in words."""
    confirm = recorded_option(results, "confirmation_min_days")
    stable = recorded_option(results, "stable_disease_min_days")
    return (
        f"Confirmed: CR/PR repeated at least {confirm} days later (RECIST 1.1 section 4.5); "
        f"SD counted from {stable} days after the time origin"
    )


def endpoint_label(endpoint: Any, labels: Mapping[str, str] = ENDPOINT_LABELS) -> str:
    """``"OS"`` or ``"os"`` -> ``"Overall survival"`` (``labels`` by endpoint key, default the
    declared endpoints'); other names as given."""
    return labels.get(str(endpoint).lower(), str(endpoint))


@dataclass(frozen=True)
class DisplayTable:
    """Formatted rows ready to draw.

    Attributes
    ----------
    name : file stem (``tables/<name>.csv``) and HTML anchor.
    title : caption.
    columns : header labels.
    rows : one tuple of cell texts per row, as long as ``columns``.
    indent : per row, 0 for a top-level row, 1 for a level under a characteristic.
    footnotes : notes printed under the table, in order.
    label_columns : how many leading columns hold text (left-aligned); the rest are numbers.
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    indent: tuple[int, ...] = ()
    footnotes: tuple[str, ...] = field(default_factory=tuple)
    label_columns: int = 1

    def body(self) -> list[tuple[int, tuple[str, ...]]]:
        """``(indent, cells)`` pairs, convenient for templates."""
        indent = self.indent or (0,) * len(self.rows)
        return list(zip(indent, self.rows, strict=True))


def _footnotes(df: pd.DataFrame, *notes: str | None) -> tuple[str, ...]:
    """Notes attached to the tidy table (``df.attrs["footnotes"]``) then the report's own."""
    attached = [str(n) for n in df.attrs.get("footnotes", ())]
    return tuple(attached + [n for n in notes if n])


def _characteristic_rows(group: pd.DataFrame) -> list[tuple[int, tuple[str, str]]]:
    """Rows for one characteristic: continuous -> one line; categorical -> header + levels."""
    name = str(group["characteristic"].iloc[0])
    first = group.iloc[0]
    continuous = len(group) == 1 and is_missing(first["level"])
    if continuous:
        rows = [(0, (name, format_median_iqr(first["median"], first["q1"], first["q3"])))]
    else:
        rows = [(0, (name, ""))]
        rows += [(1, (str(r.level), format_n_pct(r.n, r.pct))) for r in group.itertuples()]
    if is_nonzero_count(first["missing"]):
        rows.append((1, ("Missing", format_count(first["missing"]))))
    return rows


def characteristics_table(
    df: pd.DataFrame, name: str, title: str, n_total: Any = None
) -> DisplayTable:
    """Table 1 style: categorical ``n (%)``, continuous ``median (Q1\u2013Q3)``, missing shown.

    Parameters
    ----------
    df : tidy table with ``characteristic, level, n, pct, median, q1, q3, missing``.
    name, title : file stem and caption.
    n_total : cohort size for the column header (``All patients (N = 108)``).
    """
    pairs: list[tuple[int, tuple[str, str]]] = []
    for _, group in df.groupby("characteristic", sort=False):
        pairs += _characteristic_rows(group)
    header = "All patients" + ("" if is_missing(n_total) else f" (N = {format_count(n_total)})")
    note = "Values are n (%) or median (Q1\u2013Q3); percentages of patients with a known value."
    return DisplayTable(
        name=name,
        title=title,
        columns=("Characteristic", header),
        rows=tuple(cells for _, cells in pairs),
        indent=tuple(level for level, _ in pairs),
        footnotes=_footnotes(df, note),
    )


def attrition_table(df: pd.DataFrame) -> DisplayTable:
    """Eligibility steps with the patients remaining and excluded (never patient ids)."""
    rows = tuple(
        (
            str(r.step) if isinstance(r.step, str) else format_count(r.step),
            str(r.description),
            format_count(r.n_remaining),
            format_count(r.n_excluded),
        )
        for r in df.itertuples()
    )
    return DisplayTable(
        name="attrition",
        title="Cohort selection",
        columns=("Step", "Criterion", "Patients remaining", "Excluded"),
        rows=rows,
        footnotes=_footnotes(df),
        label_columns=2,
    )


def _response_groups(df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Rows per criteria (and per confirmation, when the table has a ``confirmed`` column)."""
    keys = ["criteria"] + (["confirmed"] if "confirmed" in df.columns else [])
    groups = []
    for key, rows in df.groupby(keys, sort=False):
        values = key if isinstance(key, tuple) else (key,)
        label = str(values[0])
        if len(values) > 1:
            label += " (confirmed)" if bool(values[1]) else " (unconfirmed)"
        groups.append((label, rows))
    return groups


def response_table(
    df: pd.DataFrame,
    denominator: str | None = None,
    conf_level: Any = 0.95,
    proportion_ci: str = proportion_ci_text(None),
) -> DisplayTable:
    """Best overall response categories, then ORR and DCR with their exact CI, per criteria."""
    groups = _response_groups(df)
    nested = len(groups) > 1
    rows: list[tuple[str, ...]] = []
    indent: list[int] = []
    for label, group in groups:
        if nested:
            rows.append((label, "", ""))
            indent.append(0)
        for r in group.itertuples():
            ci = "" if is_missing(r.ci_lower) else format_range(r.ci_lower, r.ci_upper)
            ci += "%" if ci and not is_suppressed(r.ci_lower) else ""
            name = RESPONSE_LABELS.get(str(r.category), str(r.category))
            rows.append((name, format_n_pct(r.n, r.pct), ci))
            indent.append(int(nested))
    title = "Best overall response" + ("" if nested else f" ({groups[0][0]})")
    return DisplayTable(
        name="response",
        title=title,
        columns=("Response", "n (%)", conf_label(conf_level)),
        rows=tuple(rows),
        indent=tuple(indent),
        footnotes=_footnotes(
            df,
            f"Denominator: {denominator}." if denominator else None,
            f"Confidence intervals for ORR and DCR are {proportion_ci}.",
        ),
    )


def survival_table(
    df: pd.DataFrame, conf_level: Any = 0.95, labels: Mapping[str, str] = ENDPOINT_LABELS
) -> DisplayTable:
    """Patients, events and median time with CI for each endpoint (NR: not reached)."""
    rows = tuple(
        (
            endpoint_label(r.endpoint, labels),
            format_count(r.n),
            format_count(r.events),
            format_estimate_ci(r.median_months, r.ci_lower, r.ci_upper, conf_level=conf_level),
        )
        for r in df.itertuples()
    )
    return DisplayTable(
        name="survival",
        title="Median survival",
        columns=("Endpoint", "Patients", "Events", f"Median, months ({conf_label(conf_level)})"),
        rows=rows,
        footnotes=_footnotes(df, "Kaplan\u2013Meier estimates; NR, not reached."),
    )


def landmarks_table(
    df: pd.DataFrame, conf_level: Any = 0.95, labels: Mapping[str, str] = ENDPOINT_LABELS
) -> DisplayTable:
    """Survival probability at each landmark time with CI and the number still at risk."""
    rows = tuple(
        (
            endpoint_label(r.endpoint, labels),
            format_compact(r.months),
            format_proportion_ci(r.surv, r.lower, r.upper, conf_level=conf_level),
            format_count(r.n_risk),
        )
        for r in df.itertuples()
    )
    return DisplayTable(
        name="landmarks",
        title="Landmark survival",
        columns=("Endpoint", "Months", f"Survival ({conf_label(conf_level)})", "At risk"),
        rows=rows,
        footnotes=_footnotes(df, "Kaplan\u2013Meier estimates at each landmark time."),
    )


AE_GRADE_COLUMNS = (
    ("any", "Any grade"),
    ("grade1_2", "Grade 1\u20132"),
    ("grade3_4", "Grade 3\u20134"),
    ("grade5", "Grade 5"),
    ("grade3plus", f"Grade {GEQ} 3"),
)
"""Grade bands shown when the table has their ``<band>_n`` column (any and >= 3 always)."""


def adverse_events_table(df: pd.DataFrame, n_total: Any = None) -> DisplayTable:
    """Adverse events by term: patients by worst grade, any grade to grade >= 3.

    A band shows ``n (%)`` when the table has its ``<band>_pct`` column and ``n`` otherwise (the
    report does not derive percentages).
    """
    bands = [(b, label) for b, label in AE_GRADE_COLUMNS if f"{b}_n" in df.columns]

    def cell(row: Any, band: str) -> str:
        n = getattr(row, f"{band}_n")
        if f"{band}_pct" not in df.columns:
            return format_count(n)
        return format_n_pct(n, getattr(row, f"{band}_pct"))

    def header(band: str, label: str) -> str:
        return f"{label}, n (%)" if f"{band}_pct" in df.columns else f"{label}, n"

    rows = tuple((str(r.term), *(cell(r, band) for band, _ in bands)) for r in df.itertuples())
    size = "" if is_missing(n_total) else f" N = {format_count(n_total)}."
    return DisplayTable(
        name="adverse_events",
        title="Adverse events by term (CTCAE)",
        columns=("Adverse event (term)", *(header(b, label) for b, label in bands)),
        rows=rows,
        footnotes=_footnotes(df, f"Patients counted once per term at their worst grade.{size}"),
    )


def methods_table(methods: Sequence[tuple[str, str, str]]) -> DisplayTable:
    """Every protocol default and statistical option, as (setting, value, note) rows."""
    rows = tuple((str(s), str(v), str(n)) for s, v, n in methods)
    return DisplayTable(
        name="methods",
        title="Methods and settings",
        columns=("Setting", "Value", "Note"),
        rows=rows,
    )


def methods_frame(methods: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """The methods rows as a tidy DataFrame (``setting, value, note``) for CSV export."""
    return pd.DataFrame(list(methods), columns=["setting", "value", "note"])
