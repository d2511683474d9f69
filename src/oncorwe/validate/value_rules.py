"""The rules that judge one value at a time, run once per distinct value of a staged column.

Lab units, category synonyms, types, partial dates, Excel serial days, allowed values and ranges
depend on nothing but the value (and, for a ``labs`` value, its test). For a staged table
(``oncorwe.io.staging``, schema ``raw``) each such column is reduced to its distinct cleaned
values in DuckDB; the registered checks (``oncorwe.validate.rules``) run on those values, in
chunks, exactly as they run on a table in memory; and the results are stored as a lookup table
``work."lookup:<table>:<column>"`` (``key`` -> ``k``, checked ``text``, typed ``value``,
``imputed``) plus the findings of each value in ``work.value_findings``. The rows of the table
are then joined to their lookups in one set-based pass (``oncorwe.validate.row_rules``), so the
work grows with the distinct values, not with the rows: registries repeat dates and codes a lot.

A finding's message names its row; on a distinct value it is made with a stand-in row number
(``STAND_IN + k``) and stored without the ``<table> row <n>`` prefix, which the row pass puts
back with the real row number.
"""

from __future__ import annotations

import sys

import duckdb
import pandas as pd

from oncorwe.io.coerce import MISSING_TOKENS
from oncorwe.io.schema import TABLES, Column
from oncorwe.io.staging import append_frame, columns_of, query_chunks, quote
from oncorwe.validate.checks_values import UNIT_RULES
from oncorwe.validate.rules import RULES, Context, Work, ordered_rules
from oncorwe.validate.tables import run_checks

# the rules of one value (the named range rules of the contract are among them)
VALUE_RULES = frozenset(
    {
        "units.converted",
        "column.synonym_mapped",
        "column.type",
        "column.partial_date_not_allowed",
        "column.partial_date_imputed",
        "column.excel_serial",
        "column.allowed",
        "column.range",
        *(c.range_rule for t in TABLES.values() for c in t.columns if c.range_rule),
    }
)
STAND_IN = 10**15  # row numbers of distinct values; no input file has this many lines
UNIT_TESTS = tuple(spec[0] for spec in UNIT_RULES)
# the characters Python's str.strip() removes (str.isspace), for DuckDB's trim()
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def clean_sql(expression: str) -> str:
    """SQL of ``oncorwe.io.coerce.clean_text``: NUL bytes removed, whitespace stripped, missing
    tokens NULL."""
    text, space = f"replace({expression}, chr(0), '')", literal(WHITESPACE)
    # trim() with a set of characters is slow; most values need no stripping at all
    ends = f"contains({space}, left({text}, 1)) OR contains({space}, right({text}, 1))"
    stripped = f"CASE WHEN {ends} THEN trim({text}, {space}) ELSE {text} END"
    # a simple CASE, not IN (...): DuckDB holds a block per IN list, too many for wide tables
    tokens = " ".join(f"WHEN {literal(t)} THEN NULL" for t in MISSING_TOKENS)
    return f"CASE {stripped} {tokens} ELSE {stripped} END"


def looked_up(name: str, present: list[str]) -> list[Column]:
    """The contract columns of ``name`` present in the input that a value rule reads: every
    column that is not plain text, has allowed values or holds a lab unit."""
    units = set(UNIT_TESTS) | ({"value"} if name == "labs" else set())
    return [
        c
        for c in TABLES[name].columns
        if c.name in present and (c.type != "text" or c.allowed or c.name in units)
    ]


def lab_test_key(name: str, column: str, present: list[str], alias: str = "") -> str | None:
    """The cleaned ``test`` that a ``labs`` value's unit depends on (SQL), else None."""
    if name != "labs" or column != "value" or "test" not in present:
        return None
    tests = ", ".join(literal(t) for t in UNIT_TESTS)
    test = clean_sql(alias + quote("test"))
    return f"CASE WHEN {test} IN ({tests}) THEN {test} END"


def lookup_name(name: str, column: str) -> str:
    """The lookup table of ``name.column`` (schema ``work``)."""
    return f"work.{quote(f'lookup:{name}:{column}')}"


def distinct_name(name: str, column: str) -> str:
    """The distinct values of ``name.column`` (schema ``work``): ``key``, ``k`` (and ``test``)."""
    return f"work.{quote(f'distinct:{name}:{column}')}"


def _distinct(con, name: str, column: str, test: str | None) -> int:
    keys = f"{clean_sql(quote(column))} AS key" + (f", {test} AS test" if test else "")
    con.execute(
        f"CREATE TABLE {distinct_name(name, column)} AS SELECT *, "
        f"CAST(row_number() OVER () - 1 AS BIGINT) AS k FROM (SELECT DISTINCT {keys} "
        f"FROM raw.{quote(name)})"
    )
    return con.execute(f"SELECT count(*) FROM {distinct_name(name, column)}").fetchone()[0]


def _values_query(name: str, columns: list[str], size: int, paired: bool) -> str:
    """Distinct values side by side (position ``pos``): column ``c`` holds its ``k = pos``."""
    if paired:
        return f"SELECT k AS pos, key AS value, test FROM {distinct_name(name, 'value')} ORDER BY k"
    selected = ", ".join(f"d{j}.key AS {quote(c)}" for j, c in enumerate(columns))
    joins = " ".join(
        f"LEFT JOIN {distinct_name(name, c)} d{j} ON d{j}.k = p.pos" for j, c in enumerate(columns)
    )
    return f"SELECT p.pos, {selected} FROM range({size}) p(pos) {joins} ORDER BY p.pos"


def _value_results(work: Work, name: str, columns: list[str], positions) -> pd.DataFrame:
    """Each column's checked text, typed value (and imputed flag) by position."""
    typed = work.typed[name]
    frame = pd.DataFrame({"pos": pd.array(positions, dtype="Int64")})
    for column in columns:
        frame[f"text:{column}"] = work.text[name][column].astype("string")
        frame[f"value:{column}"] = typed[column]
        if f"{column}_imputed" in typed.columns:
            frame[f"imputed:{column}"] = typed[f"{column}_imputed"]
    return frame


def _check_values(con, name, columns, query, paired, context, synonyms, chunk_rows) -> None:
    skip = frozenset(RULES) - VALUE_RULES
    order = {r.id: k for k, r in enumerate(ordered_rules())}
    table = f"values:{name}" + (":value" if paired else "")
    for chunk in query_chunks(con, query, chunk_rows):
        positions = chunk["pos"].astype("int64").to_numpy()
        frame = pd.DataFrame({"_row": pd.array(positions + STAND_IN, dtype="Int64")})
        for column in [*columns, *(["test"] if paired else [])]:
            frame[column] = chunk[column].astype("string").to_numpy()
        work = Work(text={name: frame}, typed={name: frame.copy()}, synonyms=synonyms)
        work.context = context
        found = run_checks(work, skip=skip)
        append_frame(con, "work", table, _value_results(work, name, columns, positions))
        found = found[found["column"].isin(columns)]
        if len(found):
            append_frame(con, "work", "value_findings", _value_findings(name, found, order))


def _value_findings(name: str, found: pd.DataFrame, order) -> pd.DataFrame:
    rows = found["row"].astype("int64")
    prefixes = name + " row " + rows.astype(str)
    messages = found["message"].astype(str)
    if any(not m.startswith(p) for m, p in zip(messages, prefixes, strict=True)):
        raise RuntimeError(f"{name}: a value finding does not start with its row")
    suffix = [m.removeprefix(p) for m, p in zip(messages, prefixes, strict=True)]
    index = found["column"].map(TABLES[name].column_names.index)
    return pd.DataFrame(
        {
            "table": pd.array([name] * len(found), dtype="string"),
            "column": pd.array(found["column"].astype(object), dtype="string"),
            "k": pd.array(rows - STAND_IN, dtype="Int64"),
            "value": pd.array(found["value"].astype(object), dtype="string"),
            "rule": pd.array(found["rule"].astype(object), dtype="string"),
            "severity": pd.array(found["severity"].astype(object), dtype="string"),
            "suffix": pd.array(suffix, dtype="string"),
            "_order": pd.array(found["rule"].map(order), dtype="Int64"),
            "_seq": pd.array(index, dtype="Int64"),
        }
    )


def build_lookups(
    con: duckdb.DuckDBPyConnection,
    name: str,
    context: Context,
    synonyms: pd.DataFrame,
    chunk_rows: int,
) -> list[Column]:
    """Write ``lookup:<name>:<column>`` for every looked-up column and the findings of their
    values (see the module docstring); return those columns.

    Steps: 1. the distinct cleaned values of each column (a ``labs`` value with its test);
    2. the value rules on all columns at once, chunk by chunk, and on the lab values;
    3. each column's lookup: its distinct values joined to their results.
    """
    # step 1
    present = columns_of(con, "raw", name)
    columns = looked_up(name, present)
    test = lab_test_key(name, "value", present)
    sizes = {
        c.name: _distinct(con, name, c.name, test if c.name == "value" else None) for c in columns
    }
    plain = [c.name for c in columns if not (test and c.name == "value")]
    # step 2
    if plain:
        query = _values_query(name, plain, max(sizes[c] for c in plain), False)
        _check_values(con, name, plain, query, False, context, synonyms, chunk_rows)
    if test and "value" in sizes:
        query = _values_query(name, ["value"], sizes["value"], True)
        _check_values(con, name, ["value"], query, True, context, synonyms, chunk_rows)
    # step 3
    for column in sizes:
        table = f"values:{name}" + (":value" if test and column == "value" else "")
        kept = columns_of(con, "work", table)
        flag = f", v.{quote('imputed:' + column)} AS imputed" if f"imputed:{column}" in kept else ""
        extra = ", d.test" if test and column == "value" else ""
        con.execute(
            f"CREATE TABLE {lookup_name(name, column)} AS SELECT d.key{extra}, d.k, "
            f"v.{quote('text:' + column)} AS text, v.{quote('value:' + column)} AS value{flag} "
            f"FROM {distinct_name(name, column)} d JOIN work.{quote(table)} v ON v.pos = d.k"
        )
    return columns
