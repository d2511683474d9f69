"""Column rules that apply to every table: types, partial dates, required, allowed, range, keys.

The rules of one value have a ``check_*`` registered (in this order) with its rule id, run once
per distinct value (``oncorwe.validate.value_rules``); the rules of rows (required values,
duplicates, keys) are declared here in their place in the check order and run as SQL over the
staged table (``row_rules``, ``whole_table``). See ``oncorwe.validate.rules``.
"""

from __future__ import annotations

import pandas as pd

from oncorwe.io.coerce import parse_column
from oncorwe.io.schema import LIST_SEPARATOR, TABLES, Column
from oncorwe.validate.rules import Work, define_rule, make_findings, rule

STAGE = 2
REQUIRED_MESSAGE = "{table} row {row}, column {column}: required value is missing"
TYPE_HINTS = {
    "date": "use YYYY-MM-DD",
    "int": "use a whole number",
    "num": "use a number with a '.' decimal point and no unit",
    "bool": "use true/false, yes/no or 1/0",
}


def _present_columns(work: Work, type_=None):
    """Yield (table name, Column) for every contract column present in the input."""
    for name, text in work.text.items():
        for col in TABLES[name].columns:
            if col.name in text.columns and (type_ is None or col.type in type_):
                yield name, col


def _collect(parts: list[pd.DataFrame]) -> pd.DataFrame | None:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else None


@rule(
    "column.type",
    "error",
    "A value cannot be read as the column's type (date, int, num, bool).",
    stage=STAGE,
)
def check_types(work: Work) -> pd.DataFrame | None:
    """Parse every contract column into ``work.typed``; unparseable values are findings."""
    parsed = _parse_by_type(work)
    parts = []
    for name, col in _present_columns(work):
        work.typed[name][col.name] = parsed[(name, col.name)]["value"]
        if col.type == "date":
            work.dates[(name, col.name)] = parsed[(name, col.name)]
        parts.append(
            make_findings(
                "column.type",
                name,
                work.text[name],
                parsed[(name, col.name)]["bad"],
                col.name,
                f"{{table}} row {{row}}, column {{column}}: '{{value}}' is not a valid {col.type}"
                f"; {TYPE_HINTS.get(col.type, '')}",
            )
        )
    return _collect(parts)


def _parse_by_type(work: Work) -> dict[tuple[str, str], pd.DataFrame]:
    """Every present contract column parsed, all columns of one type in one pass (the parse
    depends on the type only; one pass has a fixed cost, whatever its length)."""
    by_type: dict[str, list[tuple[str, Column]]] = {}
    for name, col in _present_columns(work):
        by_type.setdefault(col.type, []).append((name, col))
    parsed = {}
    for members in by_type.values():
        texts = [work.text[name][col.name] for name, col in members]
        whole = parse_column(members[0][1], pd.concat(texts, ignore_index=True))
        start = 0
        for (name, col), text in zip(members, texts, strict=True):
            piece = whole.iloc[start : start + len(text)].set_axis(text.index)
            parsed[(name, col.name)] = piece
            start += len(text)
    return parsed


@rule(
    "column.partial_date_not_allowed",
    "error",
    "A partial date (YYYY-MM or YYYY) in a date column that needs a full date.",
    stage=STAGE,
)
def check_partial_date_not_allowed(work: Work) -> pd.DataFrame | None:
    """Partial dates where the contract needs the day."""
    parts = []
    for (name, column), parsed in work.dates.items():
        if TABLES[name].column(column).partial_date:
            continue
        parts.append(
            make_findings(
                "column.partial_date_not_allowed",
                name,
                work.text[name],
                parsed["partial"].notna(),
                column,
                "{table} row {row}, column {column}: partial date '{value}' is not allowed "
                "here; give the full date YYYY-MM-DD",
            )
        )
    return _collect(parts)


@rule(
    "column.partial_date_imputed",
    "warning",
    "A partial date was imputed: YYYY-MM -> first day of the month, YYYY -> 1 January; "
    "flag column <column>_imputed.",
    stage=STAGE,
)
def check_partial_date_imputed(work: Work) -> pd.DataFrame | None:
    """Impute allowed partial dates (already done by the parser) and add the flag column."""
    parts = []
    for (name, column), parsed in work.dates.items():
        if not TABLES[name].column(column).partial_date:
            continue
        imputed = parsed["partial"].notna()
        work.typed[name][f"{column}_imputed"] = imputed.astype("boolean")
        parts.append(
            make_findings(
                "column.partial_date_imputed",
                name,
                work.text[name],
                imputed,
                column,
                "{table} row {row}, column {column}: partial date '{value}' imputed to the "
                "first day of the period",
            )
        )
    return _collect(parts)


@rule(
    "column.excel_serial",
    "warning",
    "A date given as an Excel serial day number (1950-2099) was converted to a date.",
    stage=STAGE,
)
def check_excel_serial(work: Work) -> pd.DataFrame | None:
    """Report dates that were Excel serial numbers."""
    parts = []
    for (name, column), parsed in work.dates.items():
        parts.append(
            make_findings(
                "column.excel_serial",
                name,
                work.text[name],
                parsed["serial"],
                column,
                "{table} row {row}, column {column}: Excel serial day number '{value}' read as "
                "{extra}",
                extra=parsed["value"].dt.strftime("%Y-%m-%d"),
            )
        )
    return _collect(parts)


# a rule of the rows, run as SQL over the staged table (``row_rules.required_findings``)
define_rule(
    "column.required",
    "error",
    "A required value is missing (contract column req = yes).",
    stage=STAGE,
)


def _not_allowed_items(text: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """For list columns: the items not allowed, joined (NA when all are allowed)."""
    items = text.str.split(LIST_SEPARATOR).explode().str.strip()
    bad = items[items.notna() & (items != "") & ~items.isin(allowed)]
    joined = bad.groupby(level=0).agg(LIST_SEPARATOR.join)
    return joined.reindex(text.index).astype("string")


@rule(
    "column.allowed",
    "error",
    "A value (or list item) is not one of the allowed values.",
    stage=STAGE,
)
def check_allowed(work: Work) -> pd.DataFrame | None:
    """Values outside the contract's allowed values (exact, case-sensitive)."""
    parts = []
    for name, col in _present_columns(work, ("text", "list")):
        if not col.allowed:
            continue
        text = work.text[name][col.name]
        if col.type == "list":
            bad_items = _not_allowed_items(text, col.allowed)
            mask = bad_items.notna()
        else:
            bad_items, mask = None, text.notna() & ~text.isin(col.allowed)
        parts.append(
            make_findings(
                "column.allowed",
                name,
                work.text[name],
                mask,
                col.name,
                "{table} row {row}, column {column}: '{value}' is not one of "
                + ", ".join(col.allowed).replace("{", "{{").replace("}", "}}"),
                values=bad_items,
            )
        )
    return _collect(parts)


def outside_range(values: pd.Series, col: Column) -> pd.Series:
    """True where a number lies outside ``col``'s contract range (missing values are inside)."""
    value = values.astype("float64")
    low = -float("inf") if col.minimum is None else col.minimum
    high = float("inf") if col.maximum is None else col.maximum
    above_low = value > low if col.minimum_exclusive else value >= low
    return value.notna() & ~(above_low & (value <= high))


def range_findings(work: Work, table: str, col: Column, rule_id: str) -> pd.DataFrame:
    """Findings of ``rule_id`` for the values of ``table.col`` outside the contract range."""
    return make_findings(
        rule_id,
        table,
        work.text[table],
        outside_range(work.typed[table][col.name], col),
        col.name,
        f"{{table}} row {{row}}, column {{column}}: {{value}} is outside {col.range_text}",
    )


@rule(
    "column.range",
    "error",
    "A number is outside the column's range in the contract (min..max, ends included; "
    ">min excludes min); columns with a range rule of their own are checked under it.",
    stage=STAGE,
)
def check_range(work: Work) -> pd.DataFrame | None:
    """Numbers outside ``Column.minimum`` .. ``Column.maximum`` (``oncorwe.io.schema``)."""
    parts = [
        range_findings(work, name, col, "column.range")
        for name, col in _present_columns(work, ("int", "num"))
        if col.has_range and col.range_rule is None
    ]
    return _collect(parts)


# rules of the whole table, run as window functions over the staged table
# (``whole_table.duplicate_findings``), which reports them with the two functions below
define_rule(
    "table.duplicate_row",
    "error",
    "A row repeats an earlier row exactly (all contract columns); copies after the first are "
    "quarantined.",
    stage=STAGE,
)
define_rule(
    "table.unique_key",
    "error",
    "Two rows share the table's key (e.g. patient_id) but differ elsewhere (conflicting "
    "duplicate); rows after the first are quarantined.",
    stage=STAGE,
)


def duplicate_row_findings(
    name: str, text: pd.DataFrame, repeat: pd.Series, first: pd.Series
) -> pd.DataFrame:
    """Findings of ``table.duplicate_row`` where ``repeat``; ``first`` is the row repeated."""
    return make_findings(
        "table.duplicate_row",
        name,
        text,
        repeat,
        None,
        "{table} row {row}: exact duplicate of row {extra}",
        extra=first,
    )


def unique_key_findings(
    name: str, text: pd.DataFrame, mask: pd.Series, key: list[str], first: pd.Series
) -> pd.DataFrame:
    """Findings of ``table.unique_key`` where ``mask``; ``first`` is the row that has the key."""
    label = "+".join(key)
    return make_findings(
        "table.unique_key",
        name,
        text,
        mask,
        key[-1],
        f"{{table}} row {{row}}: key {label} '{{value}}' is already used by row "
        "{extra}, with different values (conflicting duplicate)",
        values=text[key].fillna("").agg("|".join, axis=1),
        extra=first,
    )
