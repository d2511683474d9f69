"""The rules that look at a whole table, for validation in chunks (``oncorwe.validate.streamed``).

Most rules judge one row at a time and run on each chunk as they are. A few need the whole
table or another table; for a staged study (``oncorwe.io.staging``) they are computed here, in
DuckDB or over a bounded sample, with the same results as on the table in memory:

- the unit of a lab column (its median, ``checks_values.check_lab_units``);
- exact and conflicting duplicates (window functions over the typed table);
- identifier-like columns (the first ``identifiers.SAMPLE_SIZE`` non-empty values);
- the context of the cross-table rules: patient ids, accepted patients, lesion keys.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.io.coerce import clean_text
from oncorwe.io.schema import TABLES
from oncorwe.io.staging import (
    append_frame,
    columns_of,
    query_chunks,
    quote,
    table_chunks,
    table_exists,
)
from oncorwe.io.store import contract_dtypes
from oncorwe.privacy.identifiers import SAMPLE_SIZE
from oncorwe.validate.checks_columns import duplicate_row_findings, unique_key_findings
from oncorwe.validate.checks_values import UNIT_RULES, column_is_conventional, plain_numbers
from oncorwe.validate.value_rules import clean_sql

PATIENT_DATES = ("death_date", "diagnosis_date")  # what the cross-table rules read


def _unit_targets(con, name: str):
    """(column, SQL condition on the rows, lab) of every place a lab unit applies in
    ``raw.<name>``, as ``checks_values.unit_targets``."""
    present = columns_of(con, "raw", name)
    for lab in (spec[0] for spec in UNIT_RULES):
        if lab in present:
            yield lab, "TRUE", lab
        if name == "labs" and {"test", "value"} <= set(present):
            yield "value", f"{clean_sql(quote('test'))} = '{lab}'", lab


def conventional_units(con: duckdb.DuckDBPyConnection, chunk_rows: int) -> frozenset:
    """(table, column, lab) whose plain numbers are in conventional units, decided on every
    row of the staged table: each distinct value is read as a number once, then counted and
    the median taken in DuckDB."""
    for name in ("patients", "labs"):
        if not table_exists(con, "raw", name):
            continue
        for column, where, lab in _unit_targets(con, name):
            key = clean_sql(quote(column))
            query = (
                f"SELECT {key} AS key, count(*) AS n FROM raw.{quote(name)} "
                f"WHERE {where} AND {key} IS NOT NULL GROUP BY ALL"
            )
            for chunk in query_chunks(con, query, chunk_rows):
                text = chunk["key"].astype("string")
                plain = plain_numbers(text, pd.Series(True, index=text.index))
                keep = plain.notna()
                values = pd.DataFrame(
                    {
                        "target": "\t".join((name, column, lab)),
                        "value": plain[keep].astype("float64"),
                        "n": chunk["n"][keep].astype("int64"),
                    }
                )
                append_frame(con, "work", "unit_values", values)
    if not table_exists(con, "work", "unit_values"):
        return frozenset()
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
    con: duckdb.DuckDBPyConnection, name: str, chunk_rows: int, cleaned: bool
) -> pd.DataFrame:
    """The first ``SAMPLE_SIZE`` non-empty values of every extra column of ``raw.<name>``
    (as read, or cleaned as the validator sees them), each column padded with NA."""
    contract = set(TABLES[name].column_names)
    candidates = [
        c for c in columns_of(con, "raw", name) if not c.startswith("_") and c not in contract
    ]
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


def duplicate_findings(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame | None:
    """``table.duplicate_row`` and ``table.unique_key`` over the whole typed table."""
    present = columns_of(con, "typed", name)
    columns = [c for c in TABLES[name].column_names if c in present]
    if not columns:
        return None
    key = list(TABLES[name].key)
    has_key = bool(key) and set(key) <= set(present)
    every = ", ".join(f"t.{quote(c)}" for c in columns)
    windows = [
        f"row_number() OVER (PARTITION BY {every} ORDER BY t._row) AS n_all",
        f"first_value(t._row) OVER (PARTITION BY {every} ORDER BY t._row) AS first_all",
    ]
    texts = ""
    if has_key:
        by_key = ", ".join(f"t.{quote(c)}" for c in key)
        complete = " AND ".join(f"t.{quote(c)} IS NOT NULL" for c in key)
        windows += [
            f"row_number() OVER (PARTITION BY {by_key} ORDER BY t._row) AS n_key",
            f"first_value(t._row) OVER (PARTITION BY {by_key} ORDER BY t._row) AS first_key",
            f"({complete}) AS complete",
        ]
        texts = ", " + ", ".join(f"c.{quote(k)}" for k in key)
    conflict = " OR (n_key > 1 AND complete AND n_all = 1)" if has_key else ""
    found = con.execute(
        f"SELECT * FROM (SELECT t._row, {', '.join(windows)}{texts} "
        f"FROM typed.{quote(name)} t JOIN checked.{quote(name)} c ON c._row = t._row) "
        f"WHERE n_all > 1{conflict} ORDER BY _row"
    ).df()
    if found.empty:
        return None
    text = found[["_row", *(key if has_key else [])]].astype({"_row": "Int64"})
    text = text.astype({k: "string" for k in key if k in text.columns})
    parts = [duplicate_row_findings(name, text, found["n_all"] > 1, found["first_all"])]
    if has_key:
        mask = (found["n_key"] > 1) & found["complete"] & (found["n_all"] == 1)
        parts.append(unique_key_findings(name, text, mask, key, found["first_key"]))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else None


def errors_of(name: str) -> str:
    """SQL ``FROM ... WHERE ...`` selecting the row-level error findings of table ``name``."""
    return (
        f"FROM work.findings WHERE \"table\" = '{name}' AND severity = 'error' AND row IS NOT NULL"
    )


def patient_context(con: duckdb.DuckDBPyConnection) -> tuple[pd.Index, pd.DataFrame]:
    """Every patient id (cleaned text) and the accepted patients (first row per id) with the
    dates the cross-table rules read, indexed by patient_id."""
    ids = con.execute(
        "SELECT DISTINCT patient_id FROM checked.patients WHERE patient_id IS NOT NULL"
    ).fetchall()
    dates = [c for c in PATIENT_DATES if c in columns_of(con, "typed", "patients")]
    selected = ", ".join(["_row", "patient_id", *dates])
    accepted = con.execute(
        f"SELECT {selected} FROM typed.patients "
        f"WHERE _row NOT IN (SELECT DISTINCT row {errors_of('patients')}) "
        "AND patient_id IS NOT NULL ORDER BY _row"
    ).df()
    accepted = contract_dtypes("patients", accepted)
    accepted = accepted.drop_duplicates("patient_id").set_index("patient_id")
    return pd.Index([i[0] for i in ids], dtype=object), accepted.drop(columns="_row")


def lesion_keys(con: duckdb.DuckDBPyConnection) -> pd.MultiIndex | None:
    """(patient_id, assessment_date) of every typed lesion row."""
    if not table_exists(con, "typed", "lesions"):
        return None
    if not {"patient_id", "assessment_date"} <= set(columns_of(con, "typed", "lesions")):
        return None
    keys = con.execute("SELECT DISTINCT patient_id, assessment_date FROM typed.lesions").df()
    return pd.MultiIndex.from_frame(contract_dtypes("lesions", keys))
