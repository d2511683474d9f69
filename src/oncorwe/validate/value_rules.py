"""The rules that judge one value at a time, run once per distinct value of a staged column.

Lab units, category synonyms, types, partial dates, Excel serial days, allowed values and ranges
depend on nothing but the value (and, for a ``labs`` value, its test). For a staged study
(``oncorwe.io.staging``, schema ``raw``) every such column of every table is reduced to its
distinct values as staged, in one query; the values are cleaned (``coerce.clean_text``) and the
registered checks (``oncorwe.validate.rules``) run on them in chunks, all tables at once; the
results go to one lookup table ``work.lookup`` (``t``, ``c``, staged ``key`` [and lab ``test``]
-> ``k``, checked ``text``, typed ``value:<type>``, ``imputed``) and the findings of each value
to ``work.value_findings``. The rows are then joined to their lookups in one set-based pass
(``oncorwe.validate.row_rules``), so the work grows with the distinct values, not with the rows:
registries repeat dates and codes a lot.

A finding's message names its row; on a distinct value it is made with a stand-in row number
(``STAND_IN + position``) and stored without the ``<table> row <n>`` prefix, which the row pass
puts back with the real row number.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

from oncorwe.io.coerce import MISSING_TOKENS, WHITESPACE, clean_text
from oncorwe.io.schema import PANDAS_DTYPES, TABLES, Column
from oncorwe.io.sources import empty_findings
from oncorwe.io.staging import insert_frame, quote

# importing the check modules registers their rules (each rule has its stage)
from oncorwe.validate import checks_columns, checks_cross, checks_tables  # noqa: F401
from oncorwe.validate.checks_values import UNIT_RULES
from oncorwe.validate.rules import RULES, Context, Work, ordered_checks, ordered_rules

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
# the lookup column and pandas dtype of the typed values of each contract type
_LOOKUP_KIND = {
    "date": "date",
    "int": "int",
    "num": "num",
    "bool": "bool",
    "text": "text",
    "list": "text",
}
TYPED_FIELDS = {type_: (kind, PANDAS_DTYPES[type_]) for type_, kind in _LOOKUP_KIND.items()}
LOOKUP_COLUMNS = (
    "t VARCHAR, c VARCHAR, key VARCHAR, test VARCHAR, k BIGINT, text VARCHAR, "
    '"value:date" TIMESTAMP_NS, "value:int" BIGINT, "value:num" DOUBLE, "value:bool" BOOLEAN, '
    '"value:text" VARCHAR, imputed BOOLEAN'
)
VALUE_FINDINGS_COLUMNS = (
    '"table" VARCHAR, "column" VARCHAR, k BIGINT, value VARCHAR, rule VARCHAR, '
    "severity VARCHAR, suffix VARCHAR, _order BIGINT, _seq BIGINT"
)
STAND_IN = 10**15  # row numbers of distinct values; no input file has this many lines
UNIT_TESTS = tuple(spec[0] for spec in UNIT_RULES)


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def _without_nul(expression: str) -> str:
    return f"replace({expression}, chr(0), '')"


def _stripped(expression: str) -> str:
    # trim() with a set of characters is slow; most values need no stripping at all
    space = literal(WHITESPACE)
    ends = f"contains({space}, left({expression}, 1)) OR contains({space}, right({expression}, 1))"
    return f"CASE WHEN {ends} THEN trim({expression}, {space}) ELSE {expression} END"


def _missing_as_null(expression: str) -> str:
    # one constant list, not IN (...) (DuckDB holds a block per IN list, too many for wide
    # tables) nor a CASE per token (each repeats the text: an expression 5x larger)
    tokens = ", ".join(literal(t) for t in MISSING_TOKENS)
    return f"CASE WHEN list_contains([{tokens}], {expression}) THEN NULL ELSE {expression} END"


# the steps of ``oncorwe.io.coerce.clean_text`` in SQL: NUL bytes removed, whitespace stripped,
# missing tokens NULL
CLEAN_STEPS = (_without_nul, _stripped, _missing_as_null)


def clean_sql(expression: str) -> str:
    """SQL of ``oncorwe.io.coerce.clean_text`` for one expression."""
    for step in CLEAN_STEPS:
        expression = step(expression)
    return expression


def cleaned_sql(source: str, cleaned: list[str], kept: list[str]) -> str:
    """A subquery of ``source``'s ``_row``, its ``kept`` columns as they are and its ``cleaned``
    columns through ``clean_sql``: one projection per step, so that each step reads the column
    its step before made. The nested form of ``clean_sql`` repeats each step's input (the
    NUL-free text four times, the stripped text twice), and DuckDB's planner takes time that
    grows with the square of the repeated expressions of one projection: 4.2 s for 215 columns
    of three rows against 0.25 s stacked (and half the time per row at a million rows), with
    DuckDB's ``in_clause`` optimizer off (``stage_checked``)."""
    passed = ["_row", *map(quote, kept)]
    for step in CLEAN_STEPS:
        columns = [f"{step(quote(c))} AS {quote(c)}" for c in cleaned]
        source = f"(SELECT {', '.join(passed + columns)} FROM {source})"
    return source


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


def run_checks(work: Work, skip: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Run every registered check (but those of the rules in ``skip``) in order; return all
    findings of ``work`` with the row position ``_pos``."""
    for rule_, check in ordered_checks():
        if rule_.id in skip:
            continue
        found = check(work)
        if found is not None and len(found):
            work.findings.append(found)
    frames = [f for f in work.findings if len(f)]
    findings = pd.concat(frames, ignore_index=True) if frames else empty_findings()
    if "_pos" not in findings.columns:
        findings["_pos"] = pd.NA
    return findings


def lookup_join(name: str, column: str, alias: str, key: str, test: str | None) -> str:
    """SQL joining the lookup of ``name.column`` as ``alias`` on the value as staged ``key``
    (and the cleaned lab test key ``test``)."""
    on = f"{alias}.key IS NOT DISTINCT FROM {key}"
    if test:
        on += f" AND {alias}.test IS NOT DISTINCT FROM {test}"
    mine = f"t = {literal(name)} AND c = {literal(column)}"
    return f"LEFT JOIN (SELECT * FROM work.lookup WHERE {mine}) {alias} ON {on}"


def typed_field(column: Column) -> str:
    """The lookup column holding the typed values of ``column``."""
    return f"value:{TYPED_FIELDS[column.type][0]}"


def _distinct_query(targets: list[tuple[str, str, str | None]]) -> str:
    """The distinct values as staged of every (table, column[, lab test key]) in one query."""
    parts = [
        f"SELECT DISTINCT {literal(name)} AS t, {literal(column)} AS c, "
        f"CAST({quote(column)} AS VARCHAR) AS key, CAST({test or 'NULL'} AS VARCHAR) AS test "
        f"FROM raw.{quote(name)}"
        for name, column, test in targets
    ]
    return " UNION ALL ".join(parts)


def _side_by_side(chunk: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The values of each column at positions 0..n-1 of one frame (NA below a column's end)."""
    positions = chunk["pos"].to_numpy()
    size = int(positions.max()) + 1
    column_of = chunk["c"].to_numpy(dtype=object)
    cleaned = chunk["value"].to_numpy(dtype=object, na_value=None)
    data = {"_row": pd.array(np.arange(size) + STAND_IN, dtype="Int64")}
    for column in columns:
        at = np.flatnonzero(column_of == column)
        values = np.full(size, None, dtype=object)
        values[positions[at]] = cleaned[at]
        data[column] = pd.array(values, dtype="string")
    return pd.DataFrame(data)


def _spread(pieces: list[tuple[np.ndarray, object]], size: int, dtype) -> ExtensionArray:
    """One array of ``size`` rows of ``dtype`` holding each piece's values at its rows (NA
    elsewhere); ``pieces``: (rows, values). Arrays all the way: no Python object per value."""
    if not pieces:
        return pd.array([None] * size, dtype=dtype)
    rows = np.concatenate([at for at, _ in pieces])
    arrays = [pd.array(values, dtype=dtype) for _, values in pieces]
    combined = type(arrays[0])._concat_same_type(arrays)
    indexer = np.full(size, -1, dtype=np.intp)
    indexer[rows] = np.arange(len(rows))
    return combined.take(indexer, allow_fill=True)


def _results(chunk: pd.DataFrame, work: Work, name: str) -> pd.DataFrame:
    """The lookup rows of ``chunk`` (one table): checked text and typed value of each value."""
    size = len(chunk)
    kinds = dict(TYPED_FIELDS.values())
    checked: list[tuple[np.ndarray, object]] = []
    pieces: dict[str, list[tuple[np.ndarray, object]]] = {"imputed": []}
    pieces.update({kind: [] for kind in kinds})
    typed = work.typed[name]
    column_of = chunk["c"].to_numpy(dtype=object)
    positions = chunk["pos"].to_numpy()
    for column in dict.fromkeys(column_of):
        at = np.flatnonzero(column_of == column)
        pos = positions[at]
        checked.append((at, work.text[name][column].array.take(pos)))
        kind = typed_field(TABLES[name].column(column)).removeprefix("value:")
        pieces[kind].append((at, typed[column].array.take(pos)))
        if f"{column}_imputed" in typed.columns:
            pieces["imputed"].append((at, typed[f"{column}_imputed"].array.take(pos)))
    frame = chunk[["t", "c", "key", "test", "k"]].reset_index(drop=True)
    frame["text"] = _spread(checked, size, "string")
    for kind, dtype in kinds.items():
        frame[f"value:{kind}"] = _spread(pieces[kind], size, dtype)
    frame["imputed"] = _spread(pieces["imputed"], size, "boolean")
    return frame


def _value_findings(name: str, chunk: pd.DataFrame, found: pd.DataFrame, order) -> pd.DataFrame:
    """The findings of ``name``'s values, keyed by value ``k`` (``chunk``: c, pos -> k); a
    finding at a place that holds no value of ``chunk`` (a paired lab test) is left out."""
    keys = pd.Series(chunk["k"].to_numpy(), index=pd.MultiIndex.from_frame(chunk[["c", "pos"]]))
    rows = found["row"].astype("int64")
    where = pd.MultiIndex.from_arrays([found["column"].astype(object), rows - STAND_IN])
    k = keys.reindex(where).to_numpy()
    mine = ~pd.isna(k)
    found, rows, k = found[mine], rows[mine], k[mine]
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
            "k": pd.array(k, dtype="Int64"),
            "value": pd.array(found["value"].astype(object), dtype="string"),
            "rule": pd.array(found["rule"].astype(object), dtype="string"),
            "severity": pd.array(found["severity"].astype(object), dtype="string"),
            "suffix": pd.array(suffix, dtype="string"),
            "_order": pd.array(found["rule"].map(order), dtype="Int64"),
            "_seq": pd.array(index, dtype="Int64"),
        }
    )


def _positions(chunk: pd.DataFrame) -> pd.DataFrame:
    """``chunk`` with ``pos``, each value's row in its table's frame of values: 0, 1, ... per
    column; a labs value paired with its test in rows below the other labs values, so that
    the frame's ``test`` column can hold the pair's test (``_with_pair_tests``)."""
    chunk = chunk.assign(pos=chunk.groupby(["t", "c"], sort=False).cumcount())
    paired = chunk["test_keyed"].to_numpy(dtype=bool)
    if paired.any():
        others = chunk["pos"][~paired & (chunk["t"] == "labs").to_numpy()]
        chunk.loc[paired, "pos"] += int(others.max()) + 1 if len(others) else 0
    return chunk


def _with_pair_tests(labs: pd.DataFrame, values: pd.DataFrame) -> None:
    """Write the test of each paired labs value into ``values["test"]`` at the value's row."""
    pairs = labs[labs["test_keyed"].to_numpy(dtype=bool)]
    if pairs.empty:
        return
    column = values["test"] if "test" in values.columns else pd.Series(index=values.index)
    tests = np.array(column.to_numpy(dtype=object, na_value=None), dtype=object)  # writable
    tests[pairs["pos"].to_numpy()] = pairs["test"].to_numpy(dtype=object, na_value=None)
    values["test"] = pd.array(tests, dtype="string")


def _check_chunk(con, chunk: pd.DataFrame, context: Context, synonyms, order) -> set[str]:
    """Run the value rules on one chunk of distinct values, every table at once, and append the
    lookup rows and findings; return the tables with findings."""
    valued = set()
    chunk = _positions(chunk)
    by_table = dict(tuple(chunk.groupby("t", sort=False)))
    text = {}
    for name, mine in by_table.items():
        text[name] = _side_by_side(mine, list(dict.fromkeys(mine["c"])))
    if "labs" in by_table:
        _with_pair_tests(by_table["labs"], text["labs"])
    work = Work(text=text, typed={n: f.copy() for n, f in text.items()}, synonyms=synonyms)
    work.context = context
    found = run_checks(work, skip=frozenset(RULES) - VALUE_RULES)
    results = [_results(mine, work, name) for name, mine in by_table.items()]
    insert_frame(con, "work.lookup", pd.concat(results, ignore_index=True))
    for name, mine in by_table.items():
        here = found[(found["table"] == name) & found["column"].isin(set(mine["c"]))]
        here = _value_findings(name, mine, here, order) if len(here) else here
        if len(here):
            insert_frame(con, "work.value_findings", here)
            valued.add(name)
    return valued


def _gathered(con, query: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The rows of ``query`` in frames of ``chunk_rows`` rows (the last one smaller): DuckDB
    hands a UNION ALL over in many small batches, one or more per part."""
    cursor = con.cursor()
    try:
        held, count = [], 0
        for batch in cursor.sql(query).to_arrow_reader(chunk_rows):
            held.append(batch)
            count += batch.num_rows
            if count >= chunk_rows:
                table = pa.Table.from_batches(held)
                yield table.slice(0, chunk_rows).to_pandas()
                held, count = table.slice(chunk_rows).to_batches(), count - chunk_rows
        if count:
            yield pa.Table.from_batches(held).to_pandas()
    finally:
        cursor.close()


def build_lookups(
    con: duckdb.DuckDBPyConnection,
    present: dict[str, list[str]],
    context: Context,
    synonyms: pd.DataFrame,
    chunk_rows: int,
) -> frozenset[str]:
    """Write ``work.lookup`` for the looked-up columns of every staged table and the findings
    of their values (see the module docstring); return the tables with findings of values.

    Parameters
    ----------
    present : table -> its staged columns, for the tables to check.

    Steps: 1. the distinct cleaned values of every looked-up column of every table, in one
    query (a ``labs`` value with its test); 2. the value rules on them, chunk by chunk, every
    table at once; 3. each value's results and findings appended to ``work``.
    """
    # step 1
    targets = [
        (name, col.name, lab_test_key(name, col.name, columns))
        for name, columns in present.items()
        for col in looked_up(name, columns)
    ]
    con.execute("CREATE SCHEMA IF NOT EXISTS work")
    con.execute(f"CREATE TABLE work.lookup ({LOOKUP_COLUMNS})")  # filled chunk by chunk
    con.execute(f"CREATE TABLE work.value_findings ({VALUE_FINDINGS_COLUMNS})")
    valued: set[str] = set()
    if not targets:
        return frozenset()
    order = {r.id: k for k, r in enumerate(ordered_rules())}
    offset = 0
    # step 2
    for chunk in _gathered(con, _distinct_query(targets), chunk_rows):
        chunk["k"] = np.arange(offset, offset + len(chunk), dtype="int64")
        offset += len(chunk)
        keyed = {(n, c) for n, c, test in targets if test}
        chunk["test_keyed"] = [(n, c) in keyed for n, c in zip(chunk["t"], chunk["c"], strict=True)]
        chunk["value"] = clean_text(chunk["key"])
        # step 3
        valued |= _check_chunk(con, chunk, context, synonyms, order)
    return frozenset(valued)
