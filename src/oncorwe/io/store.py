"""The study store: one embedded DuckDB file (``study.duckdb``) holding a study's current data.

Layout
------
- ``raw.<table>``: every row as read (text, ``_row``).
- ``accepted.<table>``: rows without errors, typed.
- ``quarantine.<table>``: rows with errors, as read, with ``_rules``.
- ``main.findings``: every finding of the import (``table, row, column, value, rule, severity,
  message``), so each quarantined row can be joined to its findings on (table, row).
- ``main.import_log``: one row per input file and import: ``import_id, imported_at, file,
  sha256, tables, fingerprint, rows_read, rows_accepted, rows_quarantined, oncorwe_version``.

An import replaces the study's tables and appends to the log, in one transaction: when anything
fails, the store is left as it was. Importing the same files again (same names and SHA-256) is a
no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd

from oncorwe import __version__
from oncorwe.epoch import source_date_epoch
from oncorwe.errors import InputError
from oncorwe.io.export import write_tables
from oncorwe.io.schema import PANDAS_DTYPES, TABLES
from oncorwe.io.sources import RawSource, SourceFile
from oncorwe.io.staging import FINDINGS_ORDER, memory_limit, query_chunks, without_progress_bar

SCHEMAS = ("raw", "accepted", "quarantine")


class ValidatedTables(Protocol):
    """What the store needs from a validation result (``oncorwe.validate.ValidationResult``)."""

    accepted: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    reconciliation: pd.DataFrame


def import_time() -> dt.datetime:
    """Now (UTC, whole seconds), or ``SOURCE_DATE_EPOCH`` when set (reproducible builds), so
    that two runs of the same inputs write the same import log."""
    epoch = source_date_epoch()
    if epoch is not None:
        return epoch.replace(tzinfo=None)
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def fingerprint(source: RawSource | tuple[SourceFile, ...]) -> str:
    """SHA-256 over the sorted (file name, file SHA-256) pairs: the identity of an import."""
    files = source.files if isinstance(source, RawSource) else source
    text = "\n".join(sorted(f"{f.name}\t{f.sha256}" for f in files))
    return hashlib.sha256(text.encode()).hexdigest()


def contract_dtypes(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a frame read back from DuckDB the accepted-table dtypes of the contract."""
    known = {c.name: c.type for c in TABLES[table].columns} if table in TABLES else {}
    out = frame.copy()
    for column in out.columns:
        if column == "_row":
            out[column] = out[column].astype("Int64")
        elif column.endswith("_imputed"):
            out[column] = out[column].astype("boolean")
        else:
            out[column] = out[column].astype(PANDAS_DTYPES[known.get(column, "text")])
    return out


def _findings_frame(findings: pd.DataFrame) -> pd.DataFrame:
    text = {c: "string" for c in findings.columns if c != "row"}
    return findings.astype({**text, "row": "Int64"})


class StudyStore:
    """A study store in a DuckDB file; use as a context manager.

    Parameters
    ----------
    path : the DuckDB file (created if missing), usually ``<out>/study.duckdb``.
    read_only : open without write access (e.g. to read while another process imports).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        try:
            self.connection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise InputError(
                f"{self.path} cannot be opened as a study store ({exc}). Give a new file name "
                "or an existing study.duckdb that no other program has open."
            ) from None
        # bounded buffer pool (imports copy tables larger than memory); no progress bar on stderr
        self.connection.execute(f"SET memory_limit = '{memory_limit()}'")
        without_progress_bar(self.connection)
        if not read_only:
            self._create_log()

    def __enter__(self) -> StudyStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (also done by the context manager)."""
        self.connection.close()

    def _create_log(self) -> None:
        self.connection.execute(
            """CREATE TABLE IF NOT EXISTS import_log (
                import_id INTEGER, imported_at TIMESTAMP, file VARCHAR, sha256 VARCHAR,
                tables VARCHAR, fingerprint VARCHAR, rows_read BIGINT, rows_accepted BIGINT,
                rows_quarantined BIGINT, oncorwe_version VARCHAR)"""
        )

    def _write(self, schema: str, table: str, frame: pd.DataFrame) -> None:
        self.connection.register("_frame", frame)
        try:
            self.connection.execute(f'CREATE TABLE {schema}."{table}" AS SELECT * FROM _frame')
        finally:
            self.connection.unregister("_frame")

    def _log_rows(self, files: tuple[SourceFile, ...], reconciliation, import_id: int):
        counts = reconciliation.set_index("table")
        now = import_time()
        rows = []
        for f in files:
            mine = counts.reindex(list(f.tables)).fillna(0)
            rows.append(
                (
                    import_id,
                    now,
                    f.name,
                    f.sha256,
                    ";".join(f.tables),
                    fingerprint(files),
                    int(mine["read"].sum()),
                    int(mine["accepted"].sum()),
                    int(mine["quarantined"].sum()),
                    __version__,
                )
            )
        return rows

    def last_fingerprint(self) -> str | None:
        """Fingerprint of the latest import, or None for an empty store."""
        row = self.connection.execute(
            "SELECT fingerprint FROM import_log ORDER BY import_id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    def write_import(self, source: RawSource, result: ValidatedTables) -> int | None:
        """Store one import in one transaction; return its ``import_id``.

        Returns None, and changes nothing, when the same files were the latest import.

        Notes
        -----
        Steps: 1. skip a repeated import; 2. in one transaction, replace the raw, accepted and
        quarantine tables and the findings, and append to the import log; 3. on any error roll
        back, so that the store is as it was.
        """
        # step 1
        if self.last_fingerprint() == fingerprint(source):
            return None
        con = self.connection
        (import_id,) = con.execute(
            "SELECT coalesce(max(import_id), 0) + 1 FROM import_log"
        ).fetchone()
        # step 2
        con.begin()
        try:
            for schema in SCHEMAS:
                con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                con.execute(f"CREATE SCHEMA {schema}")
            for name, frame in source.tables.items():
                self._write("raw", name, frame)
            for name, frame in result.accepted.items():
                self._write("accepted", name, frame)
            for name, frame in result.quarantined.items():
                self._write("quarantine", name, frame)
            con.execute("DROP TABLE IF EXISTS main.findings")
            self._write("main", "findings", _findings_frame(result.findings))
            con.executemany(
                "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._log_rows(source.files, result.reconciliation, import_id),
            )
            con.commit()
        except BaseException:
            # step 3
            con.rollback()
            raise
        return import_id

    def write_staged(self, staging: str | Path, files: tuple[SourceFile, ...], reconciliation):
        """Store an import validated in a staging database (``oncorwe.validate.streamed``) in
        one transaction, as ``write_import`` does; DuckDB copies the tables, nothing is held
        in memory. Returns the ``import_id``, or None when the same files were the latest
        import. The staging database must be closed."""
        if self.last_fingerprint() == fingerprint(files):
            return None
        con = self.connection
        (import_id,) = con.execute(
            "SELECT coalesce(max(import_id), 0) + 1 FROM import_log"
        ).fetchone()
        path = str(Path(staging)).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS staged (READ_ONLY)")
        try:
            con.begin()
            try:
                for schema in SCHEMAS:
                    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                    con.execute(f"CREATE SCHEMA {schema}")
                    for name in _staged_tables(con, schema):
                        con.execute(
                            f'CREATE TABLE {schema}."{name}" AS SELECT * FROM '
                            f'staged.{schema}."{name}" ORDER BY _row'
                        )
                con.execute("DROP TABLE IF EXISTS main.findings")
                con.execute(
                    'CREATE TABLE main.findings AS SELECT "table", row, "column", value, '
                    f"rule, severity, message FROM staged.work.findings {FINDINGS_ORDER}"
                )
                con.executemany(
                    "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    self._log_rows(files, reconciliation, import_id),
                )
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            con.execute("DETACH staged")
        return import_id

    def findings_chunks(self, chunk_rows: int = 50_000):
        """The findings of the latest import in chunks, in their stored order."""
        if "findings" not in self.table_names("main"):
            yield self.findings()
            return
        query = "SELECT * FROM main.findings ORDER BY rowid"
        for chunk in query_chunks(self.connection, query, chunk_rows):
            yield chunk.astype({"row": "Int64"})

    def table_names(self, schema: str = "accepted") -> list[str]:
        """Tables stored in ``schema`` (``raw``, ``accepted`` or ``quarantine``)."""
        rows = self.connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "ORDER BY table_name",
            [schema],
        ).fetchall()
        return [r[0] for r in rows]

    def _read(self, schema: str, table: str) -> pd.DataFrame:
        if table not in self.table_names(schema):
            raise InputError(
                f"{self.path}: no table '{table}' in {schema}; stored tables are "
                f"{', '.join(self.table_names(schema)) or 'none (nothing imported yet)'}."
            )
        return self.connection.execute(f'SELECT * FROM {schema}."{table}" ORDER BY _row').df()

    def accepted(self, table: str) -> pd.DataFrame:
        """The accepted rows of ``table`` with contract dtypes, in source row order."""
        return contract_dtypes(table, self._read("accepted", table))

    def quarantined(self, table: str) -> pd.DataFrame:
        """The quarantined rows of ``table`` (text as read, ``_row``, ``_rules``)."""
        frame = self._read("quarantine", table)
        return frame.astype({c: "string" for c in frame.columns if c != "_row"}).astype(
            {"_row": "Int64"}
        )

    def raw(self, table: str) -> pd.DataFrame:
        """Every row of ``table`` as read."""
        return self._read("raw", table)

    def findings(self) -> pd.DataFrame:
        """The findings of the latest import (empty before the first import)."""
        if "findings" not in self.table_names("main"):
            return pd.DataFrame(
                columns=["table", "row", "column", "value", "rule", "severity", "message"]
            )
        return self.connection.execute("SELECT * FROM main.findings").df()

    def export_quarantine(self, directory: str | Path, format: str = "csv") -> Path:
        """Write every quarantined table and the findings (``findings.csv``) into
        ``directory`` so that rows can be corrected and re-imported; spreadsheet formulas in
        the text are neutralised (``oncorwe.io.export.safe_cell``)."""
        tables = {name: self.quarantined(name) for name in self.table_names("quarantine")}
        tables["findings"] = self.findings()
        return write_tables(tables, directory, format)

    def import_log(self) -> pd.DataFrame:
        """The import log, oldest first."""
        return self.connection.execute("SELECT * FROM import_log ORDER BY import_id, file").df()


def _staged_tables(con, schema: str) -> list[str]:
    """Contract tables present in ``staged.<schema>``, in contract order."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'staged' "
        "AND table_schema = ?",
        [schema],
    ).fetchall()
    present = {r[0] for r in rows}
    return [name for name in TABLES if name in present]


# DuckDB's main file header: an 8-byte checksum, then the magic "DUCK" at offset 8; the header
# block is 4096 bytes and its checksum covers bytes 8..4096 (DuckDB src/common/checksum.cpp:
# 5381 XOR the product of every little-endian uint64 with CHECKSUM_MULTIPLIER). Bytes
# 124..140 hold a random per-file database identifier, the only bytes in which two stores
# written from the same import differ (measured with `cmp -l` on DuckDB 2.0).
_HEADER_SIZE = 4096
_MAGIC = (8, b"DUCK")
_IDENTIFIER = slice(124, 140)
CHECKSUM_MULTIPLIER = 0xBF58476D1CE4E5B9


def _header_checksum(block: bytes) -> int:
    words = np.frombuffer(block[8:_HEADER_SIZE], dtype="<u8")
    with np.errstate(over="ignore"):
        products = words * np.uint64(CHECKSUM_MULTIPLIER)
    return 5381 ^ int(np.bitwise_xor.reduce(products))


def make_store_reproducible(path: str | Path) -> bool:
    """With ``SOURCE_DATE_EPOCH`` set, replace the store file's random database identifier by
    one derived from the epoch, so that two runs of the same import give identical bytes.

    Only a closed file with a valid DuckDB header is touched; the result is reopened and read,
    and on any doubt the original bytes are put back. Returns True when the file was changed.
    """
    epoch = source_date_epoch()
    path = Path(path)
    if epoch is None or not path.is_file():
        return False
    # only the header changes: it is rewritten in place (the store may be gigabytes)
    with path.open("rb") as handle:
        original = handle.read(_HEADER_SIZE)
    header = bytearray(original)
    offset, magic = _MAGIC
    stored = int.from_bytes(header[:8], "little")
    if bytes(header[offset : offset + 4]) != magic or _header_checksum(header) != stored:
        return False
    header[_IDENTIFIER] = hashlib.sha256(
        f"oncorwe-store-{int(epoch.timestamp())}".encode()
    ).digest()[:16]
    header[:8] = _header_checksum(header).to_bytes(8, "little")
    _write_header(path, bytes(header))
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            con.execute("SELECT count(*) FROM import_log").fetchall()
    except duckdb.Error:
        _write_header(path, original)
        return False
    return True


def _write_header(path: Path, header: bytes) -> None:
    with path.open("r+b") as handle:
        handle.write(header)
