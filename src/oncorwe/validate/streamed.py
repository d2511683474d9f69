"""Validate a staged study: every rule of the contract as set-based SQL over the staged tables,
in memory that does not grow with the size of the tables.

The study's tables are in a staging database (``oncorwe.io.staging``, schema ``raw``): an
intake's files (``oncorwe.intake``) or tables in memory (``validate_tables``). The rules of one
value run once per distinct value (``value_rules``); the rows are joined to their values'
results, and the required-value, one-table and cross-table rules are SQL generated from the
contract (``row_rules``, ``table_rules``); duplicates and keys are window functions
(``whole_table``); the split into accepted and quarantined rows is done in DuckDB. Tables are
checked patients first (the cross-table rules need the accepted patients), then lesions (tumour
assessments need their keys).

Schemas written: ``typed`` and ``checked`` (every row typed / as text after the checks),
``accepted`` (views of ``typed``), ``quarantine`` and ``work.findings`` (with each finding's rule
order ``_order`` and arrival ``_seq``: they sort by rule order, then table and row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from oncorwe.io.readers import CHUNK_ROWS
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import FINDING_COLUMNS
from oncorwe.io.staging import FINDINGS_ORDER, insert_frame, query_chunks, quote
from oncorwe.privacy.deidentify import dropped_findings
from oncorwe.privacy.identifiers import detect_identifiers
from oncorwe.validate.checks_values import identifier_findings, load_synonyms
from oncorwe.validate.row_rules import required_findings, stage_checked, value_findings
from oncorwe.validate.rules import Context, ordered_rules
from oncorwe.validate.table_rules import cross_findings, patient_tables, table_findings
from oncorwe.validate.value_rules import build_lookups
from oncorwe.validate.whole_table import (
    conventional_units,
    duplicate_findings,
    errors_of,
    identifier_sample,
)

RECONCILIATION_COLUMNS = ("table", "read", "accepted", "quarantined")
FIRST = ("patients", "lesions")
# work.findings: the finding columns, then the rule order and arrival number they sort by
FINDINGS_TABLE = (
    '"table" VARCHAR, row BIGINT, "column" VARCHAR, value VARCHAR, rule VARCHAR, '
    "severity VARCHAR, message VARCHAR, _order BIGINT, _seq BIGINT"
)
SORTED_FINDINGS = (
    'SELECT "table", row, "column", value, rule, severity, message FROM work.findings '
    "{where} " + FINDINGS_ORDER
)
Progress = Callable[[str], None]


class Reconciled:
    """What every validation result reports: rows read = accepted + quarantined per table."""

    reconciliation: pd.DataFrame

    def reconciliation_lines(self) -> list[str]:
        """``patients: read 120 = accepted 118 + quarantined 2`` for every table."""
        return [
            f"{r.table}: read {r.read} = accepted {r.accepted} + quarantined {r.quarantined}"
            for r in self.reconciliation.itertuples()
        ]


@dataclass(frozen=True)
class StagedValidation(Reconciled):
    """What validating a staged study found; the findings stay in the staging database.

    Attributes
    ----------
    reconciliation : ``table, read, accepted, quarantined`` with read = accepted + quarantined.
    n_findings, n_errors : how many findings, and how many of them are errors.
    dropped : findings of the identifier columns dropped (``privacy.identifier_column_dropped``).
    """

    reconciliation: pd.DataFrame
    n_findings: int
    n_errors: int
    dropped: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when no error was found (warnings allowed)."""
        return self.n_errors == 0


class _Findings:
    """Appends findings to ``work.findings`` with their rule order and arrival number."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.seq = 0
        self.order = {r.id: k for k, r in enumerate(ordered_rules())}
        con.execute("CREATE SCHEMA IF NOT EXISTS work")
        con.execute(f"CREATE TABLE IF NOT EXISTS work.findings ({FINDINGS_TABLE})")

    def add(self, found: pd.DataFrame | list[dict] | None) -> None:
        frame = pd.DataFrame(found) if isinstance(found, list) else found
        if frame is not None and not frame.empty:
            self._append(frame)

    def _append(self, frame: pd.DataFrame) -> None:
        out = pd.DataFrame(
            {
                c: pd.array(frame[c].astype(object).where(frame[c].notna(), None), dtype="string")
                for c in FINDING_COLUMNS
                if c != "row"
            }
        )
        out.insert(1, "row", pd.array(frame["row"].astype(object), dtype="Int64"))
        out["_order"] = pd.array(frame["rule"].map(self.order), dtype="Int64")
        out["_seq"] = pd.array(range(self.seq, self.seq + len(out)), dtype="Int64")
        self.seq += len(out)
        insert_frame(self.con, "work.findings", out)


def _drop_identifiers(con, present, findings: _Findings, chunk_rows: int) -> pd.DataFrame:
    rows = []
    for name, columns in present.items():
        sample = identifier_sample(con, name, columns, chunk_rows, False)
        found = detect_identifiers(sample, table=name)
        for column in found["column"]:
            con.execute(f"ALTER TABLE raw.{quote(name)} DROP COLUMN {quote(column)}")
            columns.remove(column)
        rows += dropped_findings(name, found)
    findings.add(rows)
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def _staged_columns(con) -> dict[str, list[str]]:
    """The staged contract tables (patients, lesions, then in contract order) -> the columns of
    their ``raw.<name>`` but ``_row``, in table order; a column that is not text (a frame's
    column without any value) is made text first. One catalogue query for the whole study."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'raw' ORDER BY table_name, column_index"
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column, kind in rows:
        if table not in TABLES:
            continue
        mine = columns.setdefault(table, [])
        if column == "_row":
            continue
        if kind != "VARCHAR":
            con.execute(
                f"ALTER TABLE raw.{quote(table)} ALTER {quote(column)} SET DATA TYPE VARCHAR"
            )
        mine.append(column)
    return {name: columns[name] for name in dict.fromkeys((*FIRST, *TABLES)) if name in columns}


def _check_table_sql(con, name, present: dict[str, list[str]], valued, findings) -> None:
    """The rules of ``name`` as set-based SQL: the rows joined to their values' lookups, then
    the row, table and cross-table rules over the whole staged table (``row_rules``);
    ``present``: the staged columns of every table; ``valued``: the tables with findings of
    values."""
    staged = stage_checked(con, name, present[name], study=present)
    if name in valued:
        value_findings(con, staged)
    required_findings(con, staged)
    table_findings(con, staged)
    if name != "patients" and "patients" in present:
        cross_findings(con, staged)
    staged.insert_pending(con)
    findings.add(duplicate_findings(con, name, present[name]))


def _split(con, name: str) -> tuple[int, int, int]:
    errors = errors_of(name)
    con.execute("CREATE SCHEMA IF NOT EXISTS accepted")
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    # a view: the study store writes the accepted rows once, typed and in row order
    con.execute(
        f"CREATE VIEW accepted.{quote(name)} AS SELECT * FROM typed.{quote(name)} "
        f"WHERE _row NOT IN (SELECT DISTINCT row {errors})"
    )
    con.execute(
        f"CREATE TABLE quarantine.{quote(name)} AS SELECT c.*, r._rules "
        f"FROM checked.{quote(name)} c JOIN (SELECT row, string_agg(rule, ';' ORDER BY _order) "
        f"AS _rules FROM (SELECT DISTINCT row, rule, _order {errors}) GROUP BY row) r "
        "ON c._row = r.row ORDER BY c._row"
    )
    read, kept, held = con.execute(
        f"SELECT (SELECT count(*) FROM checked.{quote(name)}), "
        f"(SELECT count(*) FROM accepted.{quote(name)}), "
        f"(SELECT count(*) FROM quarantine.{quote(name)})"
    ).fetchone()
    if read != kept + held:  # an internal invariant, not input validation
        raise RuntimeError(f"{name}: row counts do not reconcile: {read} != {kept} + {held}")
    return read, kept, held


def validate_staged(
    con: duckdb.DuckDBPyConnection,
    read_notes: list[dict] | pd.DataFrame,
    *,
    synonyms: str | Path | pd.DataFrame | None = None,
    drop_identifiers: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress = lambda stage: None,
) -> StagedValidation:
    """Validate the tables staged in ``raw`` (see the module docstring).

    Parameters
    ----------
    con : the staging database.
    read_notes : the read findings (``SourceStreams.read_notes``, or ``RawSource.findings``).
    synonyms : extra category synonyms, as for ``validate_tables``.
    drop_identifiers : drop identifier-like extra columns from ``raw`` first (the pipeline's
        privacy guard, as ``oncorwe.privacy.deidentify.drop_identifier_columns``).
    chunk_rows : rows per chunk.

    Notes
    -----
    Steps: 1. read findings; identifier columns dropped or flagged; 2. the lab-unit decision
    of every column; 3. patients, then lesions, then the other tables, chunk by chunk, each
    followed by its duplicate and key rules; 4. split, reconcile, count.
    """
    # step 1; staged rows are compressed on disk first (DuckDB then evaluates the cleaning of
    # a repeated value once per dictionary entry, not once per row)
    con.execute("CHECKPOINT")
    present = _staged_columns(con)
    findings = _Findings(con)
    findings.add(read_notes)
    dropped = (
        _drop_identifiers(con, present, findings, chunk_rows)
        if drop_identifiers
        else pd.DataFrame(columns=list(FINDING_COLUMNS))
    )
    found = {
        n: detect_identifiers(identifier_sample(con, n, columns, chunk_rows, True), table=n)
        for n, columns in present.items()
    }
    findings.add(identifier_findings(found))
    # step 2
    context = Context(conventional_units=conventional_units(con, present, chunk_rows))
    mapping = load_synonyms(synonyms)
    valued = build_lookups(con, present, context, mapping, chunk_rows)
    # step 3
    for name in present:
        progress(f"validating {name}")
        _check_table_sql(con, name, present, valued, findings)
        if name == "patients":
            patient_tables(con, present[name])
    # step 4
    counts = {name: _split(con, name) for name in present}
    rows = [(n, *counts[n]) for n in TABLES if n in counts]
    reconciliation = pd.DataFrame(rows, columns=list(RECONCILIATION_COLUMNS))
    total, errors = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE severity = 'error') FROM work.findings"
    ).fetchone()
    return StagedValidation(reconciliation, int(total), int(errors), dropped)


def staged_findings(
    con: duckdb.DuckDBPyConnection, chunk_rows: int = CHUNK_ROWS, strict: bool = False
) -> Iterator[pd.DataFrame]:
    """The findings in rule order, then table and row, in chunks; ``strict``: only those of the
    first rule (in check order) with errors, as ``first_error_class``."""
    where = ""
    if strict:
        where = (
            "WHERE severity = 'error' AND rule = (SELECT rule FROM work.findings "
            "WHERE severity = 'error' ORDER BY _order, _seq LIMIT 1)"
        )
    for chunk in query_chunks(con, SORTED_FINDINGS.format(where=where), chunk_rows):
        yield _finding_dtypes(chunk)


def _finding_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.astype({c: object for c in frame.columns if c != "row"})
    return frame.astype({"row": "Int64"})
