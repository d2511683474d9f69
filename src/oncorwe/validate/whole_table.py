"""The rules that look at a whole table, for validation in chunks (``oncorwe.validate.streamed``).

Most rules judge one row at a time and run on each chunk as they are. A few need the whole
table or another table; for a staged study (``oncorwe.io.staging``) they are computed here, in
DuckDB or over a bounded sample, with the same results as on the table in memory:

- the unit of a lab column (its median, ``checks_values.check_lab_units``);
- exact and conflicting duplicates (groups of equal rows or keys in the typed table);
- identifier-like columns (the first ``identifiers.SAMPLE_SIZE`` non-empty values).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.io.coerce import clean_text
from oncorwe.io.schema import TABLES
from oncorwe.io.staging import insert_frame, query_chunks, quote, table_chunks
from oncorwe.privacy.identifiers import SAMPLE_SIZE
from oncorwe.validate.checks_columns import duplicate_row_findings, unique_key_findings
from oncorwe.validate.checks_values import UNIT_RULES, column_is_conventional, plain_numbers
from oncorwe.validate.value_rules import clean_sql, literal

PATIENT_DATES = ("death_date", "diagnosis_date")  # what the cross-table rules read


def _unit_targets(name: str, present: list[str]):
    """(column, SQL condition on the rows, lab) of every place a lab unit applies in
    ``raw.<name>`` (``present``: its columns), as ``checks_values.unit_targets``."""
    for lab in (spec[0] for spec in UNIT_RULES):
        if lab in present:
            yield lab, "TRUE", lab
        if name == "labs" and {"test", "value"} <= set(present):
            yield "value", f"{clean_sql(quote('test'))} = '{lab}'", lab


def conventional_units(
    con: duckdb.DuckDBPyConnection, present: dict[str, list[str]], chunk_rows: int
) -> frozenset:
    """(table, column, lab) whose plain numbers are in conventional units, decided on every
    row of the staged table: each distinct value is read as a number once, then counted and
    the median taken in DuckDB. ``present``: the staged tables and their columns.

    Steps: 1. the distinct cleaned values and their counts of every place a unit applies, in
    one query; 2. the plain numbers among them; 3. the median of each place's numbers.
    """
    # step 1
    parts = []
    for name in ("patients", "labs"):
        for column, where, lab in _unit_targets(name, present.get(name, [])):
            target = literal("\t".join((name, column, lab)))
            # the cleaned value made once (a subquery), not in the select, filter and grouping
            parts.append(
                f"SELECT {target} AS target, key, count(*) AS n FROM (SELECT "
                f"{clean_sql(quote(column))} AS key FROM raw.{quote(name)} WHERE {where}) "
                "WHERE key IS NOT NULL GROUP BY key"
            )
    if not parts:
        return frozenset()
    con.execute("CREATE SCHEMA IF NOT EXISTS work")
    con.execute("CREATE TABLE work.unit_values (target VARCHAR, value DOUBLE, n BIGINT)")
    for chunk in query_chunks(con, " UNION ALL ".join(parts), chunk_rows):
        # step 2
        text = chunk["key"].astype("string")
        plain = plain_numbers(text, pd.Series(True, index=text.index))
        keep = plain.notna()
        values = pd.DataFrame(
            {
                "target": chunk["target"][keep].astype(object),
                "value": plain[keep].astype("float64"),
                "n": chunk["n"][keep].astype("int64"),
            }
        )
        insert_frame(con, "work.unit_values", values)
    # step 3
    thresholds = {spec[0]: spec[4] for spec in UNIT_RULES}
    rows = con.execute(
        "SELECT target, count(value), median(value) FROM (SELECT target, value, "
        "unnest(range(n)) FROM work.unit_values) GROUP BY target"
    ).fetchall()
    decided = set()
    for target, count, median in rows:
        table, column, lab = target.split("\t")
        if median is not None and column_is_conventional(count, median, thresholds[lab]):
            decided.add((table, column, lab))
    return frozenset(decided)


def identifier_sample(
    con: duckdb.DuckDBPyConnection, name: str, columns: list[str], chunk_rows: int, cleaned: bool
) -> pd.DataFrame:
    """The first ``SAMPLE_SIZE`` non-empty values of every extra column of ``raw.<name>``
    (``columns``: its columns; as read, or cleaned as the validator sees them), each column
    padded with NA."""
    contract = set(TABLES[name].column_names)
    candidates = [c for c in columns if not c.startswith("_") and c not in contract]
    sample: dict[str, list] = {c: [] for c in candidates}
    if not candidates:
        return pd.DataFrame()
    for chunk in table_chunks(con, "raw", name, chunk_rows, ["_row", *candidates]):
        for column in candidates:
            if len(sample[column]) >= SAMPLE_SIZE:
                continue
            values = chunk[column].astype("string")
            values = clean_text(values) if cleaned else values
            values = values.dropna()
            values = values[values.str.strip() != ""]
            sample[column] += list(values.head(SAMPLE_SIZE - len(sample[column])))
        if all(len(v) >= SAMPLE_SIZE for v in sample.values()):
            break
    return pd.DataFrame({c: pd.Series(v, dtype="string") for c, v in sample.items()})


def _repeats(name: str, columns: list[str], where: str = "TRUE") -> str:
    """SQL: ``_row`` and ``first`` (the group's first row) of every row of ``typed.<name>``
    after the first of a group of rows equal in ``columns`` (NULL equal to NULL, as in
    ``DataFrame.duplicated``), among the rows where ``where`` holds."""
    by = ", ".join(quote(c) for c in columns)
    same = " AND ".join(f"t.{quote(c)} IS NOT DISTINCT FROM g.{quote(c)}" for c in columns)
    return (
        f"SELECT t._row, g.first FROM typed.{quote(name)} t JOIN (SELECT {by}, min(_row) AS first "
        f"FROM typed.{quote(name)} WHERE {where} GROUP BY ALL HAVING count(*) > 1) g ON {same} "
        "WHERE t._row > g.first"
    )


def duplicate_findings(
    con: duckdb.DuckDBPyConnection, name: str, present: list[str]
) -> pd.DataFrame | None:
    """``table.duplicate_row`` and ``table.unique_key`` over the whole typed table
    (``present``: the staged columns of ``raw.<name>``, whose contract columns it has).

    A group of equal rows (or keys) is found by grouping, not by a window over the table:
    DuckDB's grouping spills to disk, so memory stays bounded whatever the table's size.
    """
    columns = [c for c in TABLES[name].column_names if c in present]
    if not columns:
        return None
    key = list(TABLES[name].key)
    has_key = bool(key) and set(key) <= set(present)
    exact = _repeats(name, columns)
    if has_key:
        complete = " AND ".join(f"{quote(c)} IS NOT NULL" for c in key)
        # a conflicting duplicate: a repeated key on a row that is not itself an exact repeat
        repeated = _repeats(name, key, complete)
        keyed = f"SELECT * FROM ({repeated}) WHERE _row NOT IN (SELECT _row FROM e)"
        texts = ", " + ", ".join(f"c.{quote(k)}" for k in key)
        query = (
            f"WITH e AS ({exact}), k AS ({keyed}) SELECT f._row, f.first_all, f.first_key, "
            f"f.repeat{texts} FROM (SELECT _row, first AS first_all, 0 AS first_key, "
            "true AS repeat FROM e UNION ALL SELECT _row, 0, first, false FROM k) f "
            f"JOIN checked.{quote(name)} c ON c._row = f._row ORDER BY f._row"
        )
    else:
        query = f"SELECT _row, first AS first_all, true AS repeat FROM ({exact}) ORDER BY _row"
    found = con.execute(query).df()
    if found.empty:
        return None
    text = found[["_row", *(key if has_key else [])]].astype({"_row": "Int64"})
    text = text.astype({k: "string" for k in key if k in text.columns})
    repeat = found["repeat"].astype(bool)
    parts = [duplicate_row_findings(name, text, repeat, found["first_all"])]
    if has_key:
        parts.append(unique_key_findings(name, text, ~repeat, key, found["first_key"]))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else None


def errors_of(name: str) -> str:
    """SQL ``FROM ... WHERE ...`` selecting the row-level error findings of table ``name``."""
    return (
        f"FROM work.findings WHERE \"table\" = '{name}' AND severity = 'error' AND row IS NOT NULL"
    )
