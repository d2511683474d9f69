"""Table specs: how a tidy analysis table becomes a display table, written as data.

A ``TableSpec`` names the table's title, the report section it belongs to, its columns (a label,
the tidy columns a cell is made from, and the format that turns them into text) and its
footnotes. ``render_spec`` is the one function that applies a spec; the same ``DisplayTable``
then goes to HTML, Word (footnotes as real Word footnotes) and, beside the tidy CSV/XLSX, to a
per-table ``.docx``. Adding a table to the report is one spec entry (``report.registry``).

A table whose columns do not match its spec, or that has no spec, is rendered by
``generic_spec`` (every public column, formatted by dtype), so a new analysis table is never
lost from the report.

References
----------
.. [1] Iannone R, et al. great_tables: a table is data plus a declarative spec of its display.
.. [2] Sjoberg DD, et al. gtsummary ``tbl_regression``: HR (95% CI) and p, reference rows marked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from oncorwe.privacy.shareable import is_suppressed
from oncorwe.privacy.suppression import SUPPRESSED_SUFFIX
from oncorwe.report.display import (
    ENDPOINT_LABELS,
    DisplayTable,
    endpoint_label,
    proportion_ci_text,
    response_windows_text,
    ties_text,
)
from oncorwe.report.format import (
    NOT_AVAILABLE,
    NOT_REACHED,
    conf_label,
    format_compact,
    format_count,
    format_median_iqr,
    format_n_pct,
    format_number,
    format_p_value,
    format_pct,
    format_range,
    format_ratio_ci,
    is_missing,
    sentence_case,
)

LOG = logging.getLogger("oncorwe.report")
PRIVATE_COLUMNS = ("patient_id", "patient_ids", "excluded_ids", "usubjid", "USUBJID")
"""Never shown or written: the report shows counts, not patients."""


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def _median_ci(estimate: Any, lower: Any, upper: Any) -> str:
    """``"17.5 (12.6\u201323.5)"``; NR for a median or limit that was not reached."""
    head = NOT_REACHED if is_missing(estimate) else format_number(estimate)
    return f"{head} ({format_range(lower, upper)})"


def _hr_ci(hr: Any, lower: Any, upper: Any) -> str:
    """HR (CI); the reference level of a factor (HR 1 without limits) reads ``1 (reference)``."""
    if not is_missing(hr) and float(hr) == 1.0 and is_missing(lower) and is_missing(upper):
        return "1 (reference)"
    return format_ratio_ci(hr, lower, upper)


def _pct_ci(pct: Any, lower: Any, upper: Any) -> str:
    """``"66.7 (34.9\u201390.1)"``: a 0-100 percentage with its limits; ``[c]`` if withheld."""
    if is_suppressed(pct):
        return str(pct)
    if is_missing(pct):
        return NOT_AVAILABLE
    if is_missing(lower) and is_missing(upper):
        return format_number(pct)
    return f"{format_number(pct)} ({format_range(lower, upper, 1, NOT_AVAILABLE)})"


def _value_ci(value: Any, lower: Any, upper: Any) -> str:
    """An estimate with limits, an absent limit read as not reached (a survival median's)."""
    if is_missing(value):
        return NOT_AVAILABLE
    if is_missing(lower) and is_missing(upper):
        return format_number(value)
    return f"{format_number(value)} ({format_range(lower, upper)})"


def _n_of_pct(n: Any, denominator: Any, pct: Any) -> str:
    """``"6/104 (5.8%)"``: a count of its denominator with the percentage (``"<5/104"`` when
    the percentage is withheld)."""
    shown = f"{format_count(n)}/{format_count(denominator)}"
    return shown if is_suppressed(pct) else f"{shown} ({format_pct(pct)})"


FORMATS: dict[str, Callable[..., str]] = {
    "text": _text,
    "count": format_count,
    "number": format_number,
    "number2": lambda value: format_number(value, 2),
    "compact": format_compact,
    "pct": format_pct,
    "n_pct": format_n_pct,
    "n_of_pct": _n_of_pct,
    "range": lambda lower, upper: format_range(lower, upper, 1, NOT_AVAILABLE),
    "median_iqr": format_median_iqr,
    "median_ci": _median_ci,
    "hr_ci": _hr_ci,
    "pct_ci": _pct_ci,
    "p": format_p_value,
    "value_ci": _value_ci,
    "endpoint": lambda value: endpoint_label(value) if not is_missing(value) else "",
    "sentence": lambda value: sentence_case(_text(value)),
}
"""Format name -> function of the spec column's fields, in order. The only formats a spec uses."""


@dataclass(frozen=True)
class Column:
    """One displayed column.

    Attributes
    ----------
    label : header text; ``{ci}`` is replaced by the confidence label (``95% CI``).
    fields : tidy columns passed, in order, to the format function.
    fmt : a key of ``FORMATS``.
    """

    label: str
    fields: tuple[str, ...]
    fmt: str = "text"


@dataclass(frozen=True)
class RenderContext:
    """What every spec may need besides its table: the CI level and the cohort size."""

    conf_level: Any = 0.95
    n_total: Any = None
    group_variable: str | None = None
    endpoint_labels: Mapping[str, str] = field(default_factory=lambda: dict(ENDPOINT_LABELS))
    ties: str = ties_text(None)
    proportion_ci: str = proportion_ci_text(None)
    response_windows: str = response_windows_text(None)


Builder = Callable[[pd.DataFrame, "TableSpec", RenderContext], list[DisplayTable]]


@dataclass(frozen=True)
class TableSpec:
    """How one tidy table is displayed.

    Attributes
    ----------
    name : key in ``StudyOutputs.tables``; file stem of the rendered table.
    title : caption (``{ci}`` allowed).
    section : id of the report section that shows it (``report.sections.SECTIONS``).
    columns : displayed columns, in order; empty = every public column, formatted by dtype.
    footnotes : notes under the table (after any in ``df.attrs["footnotes"]``).
    group_by : tidy column whose value opens a group: a header row, then the group's rows
        indented.
    group_fmt : format of the group header text (a key of ``FORMATS``).
    group_columns : labels of columns shown once, on the group header row (e.g. a log-rank p
        repeated on every level of the variable).
    split_by : tidy column; one displayed table per value (e.g. per endpoint).
    note_column : tidy column of per-row notes ("not estimable: ..."), shown as footnotes.
    required : tidy columns that must exist (besides the columns' fields), else generic.
    builder : a function that builds the display tables itself (wide layouts).
    """

    name: str
    title: str
    section: str
    columns: tuple[Column, ...] = ()
    footnotes: tuple[str, ...] = ()
    group_by: str | None = None
    group_columns: tuple[str, ...] = ()
    split_by: str | None = None
    group_fmt: str = "text"
    note_column: str | None = None
    required: tuple[str, ...] = ()
    label_columns: int = 1
    builder: Builder | None = field(default=None, compare=False)

    def needed(self) -> set[str]:
        """Every tidy column the spec reads."""
        names = {f for c in self.columns for f in c.fields} | set(self.required)
        return names | {n for n in (self.group_by, self.split_by) if n}


def _labels(spec: TableSpec, context: RenderContext) -> tuple[str, ...]:
    ci = conf_label(context.conf_level)
    return tuple(c.label.replace("{ci}", ci) for c in spec.columns)


def _cells(row: pd.Series, spec: TableSpec) -> tuple[str, ...]:
    return tuple(FORMATS[c.fmt](*(row[f] for f in c.fields)) for c in spec.columns)


def _note_text(note: str, context: RenderContext) -> str:
    """A spec's footnote with ``{ci}``, ``{ties}``, ``{proportion_ci}`` and
    ``{response_windows}`` filled in from the results' recorded options."""
    return (
        note.replace("{ci}", conf_label(context.conf_level))
        .replace("{ties}", context.ties)
        .replace("{proportion_ci}", context.proportion_ci)
        .replace("{response_windows}", context.response_windows)
    )


def _notes(df: pd.DataFrame, spec: TableSpec, context: RenderContext) -> tuple[str, ...]:
    attached = [str(n) for n in df.attrs.get("footnotes", ())]
    row_notes: list[str] = []
    if spec.note_column and spec.note_column in df.columns:
        row_notes = [str(n) for n in pd.unique(df[spec.note_column].dropna()) if str(n).strip()]
    return tuple(
        dict.fromkeys(attached + [_note_text(n, context) for n in spec.footnotes] + row_notes)
    )


def _grouped_rows(
    df: pd.DataFrame, spec: TableSpec, labels: Sequence[str]
) -> tuple[list[tuple[str, ...]], list[int]]:
    """Header row per group (group value + its group columns), then indented member rows."""
    shared = [labels.index(g) for g in spec.group_columns if g in labels]
    rows: list[tuple[str, ...]] = []
    indent: list[int] = []
    for value, group in df.groupby(spec.group_by, sort=False, dropna=False):
        first = _cells(group.iloc[0], spec)
        header = [""] * len(labels)
        header[0] = FORMATS[spec.group_fmt](value)
        for index in shared:
            header[index] = first[index]
        rows.append(tuple(header))
        indent.append(0)
        for _, row in group.iterrows():
            cells = list(_cells(row, spec))
            for index in shared:
                cells[index] = ""
            rows.append(tuple(cells))
            indent.append(1)
    return rows, indent


def _one_table(
    df: pd.DataFrame, spec: TableSpec, context: RenderContext, name: str, title: str
) -> DisplayTable:
    labels = _labels(spec, context)
    if spec.group_by:
        rows, indent = _grouped_rows(df, spec, labels)
    else:
        rows = [_cells(row, spec) for _, row in df.iterrows()]
        indent = [0] * len(rows)
    return DisplayTable(
        name=name,
        title=title.replace("{ci}", conf_label(context.conf_level)),
        columns=labels,
        rows=tuple(rows),
        indent=tuple(indent),
        footnotes=_notes(df, spec, context),
        label_columns=spec.label_columns,
    )


def render_spec(df: pd.DataFrame, spec: TableSpec, context: RenderContext) -> list[DisplayTable]:
    """Display tables for ``df`` by ``spec`` (one, or one per ``split_by`` value).

    Falls back to ``generic_spec`` (logged) when ``df`` lacks a column the spec reads.
    """
    absent = sorted(spec.needed() - set(df.columns))
    if absent:
        LOG.warning(
            "table '%s' lacks column(s) %s for its spec; rendered generically", spec.name, absent
        )
        spec = generic_spec(spec.name, df, spec.title, spec.section)
    if spec.builder is not None:
        return spec.builder(df, spec, context)
    if not spec.columns:  # described by title and section only: columns by dtype
        spec = generic_spec(spec.name, df, spec.title, spec.section)
    if not spec.split_by:
        return [_one_table(df, spec, context, spec.name, spec.title)]
    tables = []
    for value, part in df.groupby(spec.split_by, sort=False):
        suffix = str(value).lower().replace(" ", "_")
        title = f"{spec.title}: {endpoint_label(value, context.endpoint_labels)}"
        tables.append(_one_table(part, spec, context, f"{spec.name}_{suffix}", title))
    return tables


def _shown_numbers(series: pd.Series) -> pd.Series:
    """A column of numbers and suppressed cells' text ("<5", "[c]", ``privacy.shareable``) as
    the numbers it shows; any other column as it is."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series
    shown = series[~series.map(is_suppressed)]
    numbers = pd.to_numeric(shown, errors="coerce")
    return numbers if numbers.notna().sum() == shown.notna().sum() else series


def _column_format(name: str, series: pd.Series) -> str:
    """A format for a column nobody described: by its name and dtype (suppressed cells left
    aside: they read as their text whatever the format)."""
    series = _shown_numbers(series)
    lowered = name.lower()
    if lowered in ("p", "p_value") or lowered.startswith("p_"):
        return "p"
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series) or lowered == "n" or lowered.endswith("_n"):
        return "count"
    if lowered.endswith("pct"):
        return "pct"
    return "number2" if lowered.startswith("hr") else "number"


def generic_spec(
    name: str, df: pd.DataFrame, title: str | None = None, section: str = "additional"
) -> TableSpec:
    """A spec for any table: every public column, labelled from its name, formatted by dtype."""
    public = [  # a suppression flag is told by its cell's text ("<5", "[c]") and note
        c for c in df.columns if c not in PRIVATE_COLUMNS and not str(c).endswith(SUPPRESSED_SUFFIX)
    ]
    columns = tuple(
        Column(str(c).replace("_", " ").capitalize(), (c,), _column_format(str(c), df[c]))
        for c in public
    )
    leading_text = next((i for i, c in enumerate(columns) if c.fmt != "text"), len(columns))
    return TableSpec(
        name=name,
        title=title or name.replace("_", " ").capitalize(),
        section=section,
        columns=columns,
        label_columns=max(1, min(leading_text, 3)),
    )


def with_title(spec: TableSpec, title: str) -> TableSpec:
    """The same spec under another caption."""
    return replace(spec, title=title)
