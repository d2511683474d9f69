"""One state of the explorer: the curves, numbers and exports for an endpoint, grouping and filter.

Nothing here depends on the web framework: :func:`compute_view` calls the notebook API's
:func:`oncorwe.api.survival_by` (so the page shows what ``study.km(...)`` returns) and renders
the figure and the tables once; the app only places them. Every number shown carries its full
value in a ``data-value`` attribute so a browser test can compare it with ``oncorwe.stats``.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oncorwe.analysis.subgroups import group_levels
from oncorwe.api.results import SurvivalResult, p_text
from oncorwe.api.survival import MAX_GROUPS, level_label, survival_by
from oncorwe.api.where import FilterError
from oncorwe.errors import OncorweError
from oncorwe.privacy.suppression import SUPPRESSED_SUFFIX
from oncorwe.protocol import Protocol
from oncorwe.report.figures.style import METADATA, figure_style
from oncorwe.report.format import format_count, format_estimate_ci, format_ratio_ci

SCREEN_DPI = 110
"""Resolution of the figure on the page (exports: PNG at the report's 300 dpi, or SVG)."""
NO_GROUP = ""
SKIPPED = ("patient_id", "index_date", "rt_targets", "first_failure_site")


@dataclass(frozen=True, eq=False)  # holds DataFrames: compared by identity
class View:
    """What the page shows for one choice of endpoint, grouping and filter.

    Attributes
    ----------
    result : the survival result (``oncorwe.api.SurvivalResult``), or None when ``error``.
    image : the figure as PNG bytes at :data:`SCREEN_DPI`.
    summary_html, landmarks_html : the tables, with ``data-value`` on every number.
    error : why nothing is shown (an unreadable filter, an empty subset), else "".
    """

    result: SurvivalResult | None
    image: bytes = b""
    summary_html: str = ""
    landmarks_html: str = ""
    error: str = ""

    def image_uri(self) -> str:
        """The figure as a ``data:`` URI for an ``<img>`` (no request back to the server)."""
        return "data:image/png;base64," + base64.b64encode(self.image).decode("ascii")


def grouping_columns(cohort: pd.DataFrame) -> list[str]:
    """Columns with 2 to ``MAX_GROUPS`` distinct values: the choices of "group by"."""
    out = []
    for column in cohort.columns:
        if column in SKIPPED or column.endswith(("_months", "_event")):
            continue
        levels = cohort[column].dropna().nunique()
        if 2 <= levels <= MAX_GROUPS:
            out.append(str(column))
    return out


def quick_filter_columns(cohort: pd.DataFrame, protocol: Protocol, most: int = 5) -> list[str]:
    """Columns offered as tick-box filters: Child-Pugh class and the protocol's subgroups."""
    wanted = ["child_pugh_class", *protocol.subgroups.variables]
    offered = set(grouping_columns(cohort))
    return [c for c in dict.fromkeys(wanted) if c in offered][:most]


def level_choices(cohort: pd.DataFrame, column: str) -> dict[str, str]:
    """``{literal: label}`` for each level of ``column``: the literal is how the level is
    written in a filter (``'A'``, ``True``, ``2``), the label how the report names it."""
    levels = group_levels(cohort[column], column)
    plain = [level.item() if hasattr(level, "item") else level for level in levels]
    return {repr(level): level_label(level) for level in plain}


def combined_where(text: str, picks: dict[str, tuple[str, ...]], choices) -> str:
    """The filter text and the ticked levels as one filter: ``column in [...]`` for each
    column with a level unticked (``choices``: :func:`level_choices` by column), then
    ``(text)``. Values not offered are ignored (they come from the browser)."""
    parts = []
    for column, ticked in picks.items():
        offered = choices[column]
        kept = [value for value in offered if value in set(ticked)]
        if len(kept) < len(offered):
            parts.append(f"{column} in [{', '.join(kept)}]")
    if text.strip():
        parts.append(f"({text.strip()})" if parts else text.strip())
    return " and ".join(parts)


def compute_view(
    cohort: pd.DataFrame,
    protocol: Protocol,
    endpoint: str,
    by: str | None,
    where: str | None,
    synthetic: bool = False,
) -> View:
    """Fit, draw and tabulate one state; a filter or subset problem becomes ``View.error``."""
    try:
        result = survival_by(cohort, protocol, endpoint, by or None, where or None,
                             synthetic=synthetic)  # fmt: skip
    except (FilterError, OncorweError) as exc:
        return View(None, error=str(exc))
    return View(
        result=result,
        image=figure_bytes(result, "png", SCREEN_DPI, fast=True),
        summary_html=summary_html(result),
        landmarks_html=landmarks_html(result),
    )


def figure_bytes(result: SurvivalResult, fmt: str, dpi: int = 300, fast: bool = False) -> bytes:
    """The result's figure as PNG or SVG bytes (report style, no timestamps); ``fast``: PNG
    with the lightest zlib compression (the page's image: ~30 ms less, ~20 % more bytes)."""
    fig = result.plot()
    buffer = io.BytesIO()
    extra = {"pil_kwargs": {"compress_level": 1}} if fast and fmt == "png" else {}
    with figure_style():
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt], **extra)
    return buffer.getvalue()


def export_csv(result: SurvivalResult) -> str:
    """The numbers of the view as CSV: one row per group with medians, HR, log-rank p and the
    landmark rates (suppressed as the page in shareable output)."""
    summary = result.to_frame()
    wide = summary.copy()
    for months, part in result.landmarks.groupby("months", sort=True):
        rates = part.set_index("group")
        for column in ("surv", "lower", "upper", "n_risk"):
            wide[f"{column}_{months:g}m"] = wide["group"].map(rates[column])
    if result.where:
        wide["where"] = result.where
    return wide.to_csv(index=False, lineterminator="\n")


def _cell(value, text: str, field: str, group: str) -> str:
    number = "" if value is None or (isinstance(value, float) and np.isnan(value)) else value
    return (
        f"<td data-field='{field}' data-group='{html.escape(group, quote=True)}' "
        f"data-value='{html.escape(str(number), quote=True)}'>{html.escape(text)}</td>"
    )


def _count_text(row: pd.Series, column: str, min_cell: int | None) -> str:
    flag = row.get(column + SUPPRESSED_SUFFIX, "")
    if isinstance(flag, str) and flag:
        return f"<{min_cell}" if flag == "primary" else "[c]"
    return format_count(row[column], min_cell)


def summary_html(result: SurvivalResult) -> str:
    """Groups with patients, events, median (CI) and HR (CI); the log-rank p under it."""
    head = "".join(
        f"<th>{h}</th>" for h in ("Group", "Patients", "Events", "Median, months", "HR (CI)")
    )
    rows = []
    for _, r in result.summary.iterrows():
        group = str(r["group"])
        median = format_estimate_ci(
            r["median_months"], r["ci_lower"], r["ci_upper"], conf_level=result.conf_level
        )
        hr = format_ratio_ci(r["hr"], r["hr_lower"], r["hr_upper"]) if result.by else ""
        rows.append(
            "<tr>"
            + f"<th scope='row'>{html.escape(group)}</th>"
            + _cell(r["n"], _count_text(r, "n", result.min_cell), "n", group)
            + _cell(r["events"], _count_text(r, "events", result.min_cell), "events", group)
            + _cell(r["median_months"], median, "median_months", group)
            + _cell(r["hr"] if result.by else None, hr, "hr", group)
            + "</tr>"
        )
    p_value = "" if result.logrank_p is None else repr(float(result.logrank_p))
    foot = (
        f"<p id='logrank' data-value='{p_value}'>Log-rank {p_text(result.logrank_p)}</p>"
        if result.logrank_p is not None
        else ""
    )
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in (*result.notes, result.note))
    return (
        f"<table id='summary-table' class='table table-sm'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{foot}{notes}"
    )


def landmarks_html(result: SurvivalResult) -> str:
    """Survival at the protocol's landmarks per group, % with CI and number at risk."""
    months = sorted(result.landmarks["months"].unique())
    head = "<th>Group</th>" + "".join(f"<th>{m:g} months</th>" for m in months)
    rows = []
    for group, part in result.landmarks.groupby("group", sort=False):
        cells = []
        for _, r in part.sort_values("months").iterrows():
            text = (
                "" if pd.isna(r["surv"])
                else f"{100 * r['surv']:.1f}% ({100 * r['lower']:.1f}\u2013{100 * r['upper']:.1f})"
            )  # fmt: skip
            cells.append(_cell(r["surv"], text, f"surv_{r['months']:g}", str(group)))
        rows.append(f"<tr><th scope='row'>{html.escape(str(group))}</th>{''.join(cells)}</tr>")
    return (
        f"<table id='landmark-table' class='table table-sm'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
