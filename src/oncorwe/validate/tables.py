"""``validate_tables``: type, check and split a study's tables into accepted and quarantined rows.

Nothing is lost: every row read ends in exactly one of ``accepted`` or ``quarantined``, and the
reconciliation table proves it per table. Tables in memory are validated by the same set-based
rules as an intake (``oncorwe.validate.streamed``): they are staged into an in-memory DuckDB
database, validated there, and the results read back as DataFrames.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from oncorwe.io.schema import TABLES
from oncorwe.io.sources import RawSource, check_structure, empty_findings
from oncorwe.io.staging import append_frame, quote, without_progress_bar
from oncorwe.io.store import contract_dtypes
from oncorwe.validate.streamed import Reconciled, staged_findings, validate_staged


@dataclass(frozen=True)
class ValidationResult(Reconciled):
    """What validation found.

    Attributes
    ----------
    accepted : table -> typed DataFrame of rows without errors (dates datetime64[ns], int
        Int64, num float64, bool boolean, text/list/extra columns string), with ``_row`` and a
        ``<column>_imputed`` flag for every partial-date column.
    quarantined : table -> rows with at least one error, as text (as read), with ``_row`` and
        ``_rules`` (the error rules, ``;``-separated).
    findings : one row per problem: ``table, row, column, value, rule, severity, message``.
    reconciliation : ``table, read, accepted, quarantined`` with read = accepted + quarantined.
    """

    accepted: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    reconciliation: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no row was quarantined and no error was found (warnings allowed)."""
        return bool((self.findings["severity"] != "error").all())


def _inputs(raw: RawSource | dict[str, pd.DataFrame]) -> tuple[dict, pd.DataFrame]:
    """The contract tables and the read findings."""
    if isinstance(raw, RawSource):
        tables, read_findings = raw.tables, raw.findings
    else:
        tables, read_findings = raw, empty_findings()
        check_structure({name: frame for name, frame in tables.items() if name in TABLES})
    return {name: tables[name] for name in TABLES if name in tables}, read_findings


def as_staged(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the readers stage it: ``_row`` first (the 1-based position when absent),
    every other column as text, unstripped."""
    frame = frame.reset_index(drop=True)
    rows = (
        frame["_row"].astype("Int64")
        if "_row" in frame.columns
        else pd.array(range(1, len(frame) + 1), dtype="Int64")
    )
    text = {c: frame[c].astype("string") for c in frame.columns if c != "_row"}
    return pd.DataFrame({"_row": rows, **text}, index=frame.index)


def _memory_database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    # an in-memory database would spill into the working folder; the system's temp folder
    con.execute("SET temp_directory = ?", [tempfile.gettempdir()])
    con.execute("SET preserve_insertion_order = true")
    without_progress_bar(con)
    return con


def _read(con, schema: str, name: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {schema}.{quote(name)} ORDER BY _row").df()


def validate_tables(
    raw: RawSource | dict[str, pd.DataFrame],
    *,
    synonyms: str | Path | pd.DataFrame | None = None,
) -> ValidationResult:
    """Validate a study's tables against the data contract and every registered rule.

    Parameters
    ----------
    raw : a ``RawSource`` (from ``oncorwe.io.sources.read_source``) or a dict of text
        DataFrames by table name. Without a ``_row`` column, ``_row`` is the 1-based position.
    synonyms : a category mapping file (CSV ``table,column,synonym,value``) or frame, added to
        oncorwe's default synonyms (``oncorwe/validate/synonyms.csv``).

    Returns
    -------
    ValidationResult

    Notes
    -----
    Steps: 1. stage every contract table as text in an in-memory DuckDB database;
    2. validate it there (``oncorwe.validate.streamed.validate_staged``: lab units and category
    synonyms, types, partial dates, required, allowed, ranges, duplicates and keys, table rules,
    then cross-table rules, which see earlier patient errors, so quarantined patients cascade;
    every row with an error quarantined, counts reconciled per table); 3. read the accepted
    rows (contract dtypes), the quarantined rows (text) and the findings (rule order, then
    table and row) back.

    References
    ----------
    docs/data_dictionary.md (canonical study input, contract v1).
    """
    # step 1
    tables, read_findings = _inputs(raw)
    con = _memory_database()
    try:
        for name, frame in tables.items():
            append_frame(con, "raw", name, as_staged(frame))
        # step 2
        result = validate_staged(con, read_findings, synonyms=synonyms)
        # step 3
        accepted = {name: contract_dtypes(name, _read(con, "accepted", name)) for name in tables}
        quarantined = {}
        for name in tables:
            held = _read(con, "quarantine", name)
            held = held.astype({c: "string" for c in held.columns if c != "_row"})
            quarantined[name] = held.astype({"_row": "Int64"})
        findings = pd.concat(list(staged_findings(con)), ignore_index=True)
    finally:
        con.close()
    return ValidationResult(accepted, quarantined, findings, result.reconciliation)


def first_error_class(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings of the first rule (in check order) that has errors: ``--strict`` output."""
    errors = findings[findings["severity"] == "error"]
    if errors.empty:
        return errors
    return errors[errors["rule"] == errors["rule"].iloc[0]]
