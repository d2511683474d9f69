"""Read a study's tables from a CSV folder, an Excel workbook or a Parquet folder, as text.

A folder may also hold SAS, SPSS or Stata files named after the tables (``patients.sas7bdat``,
``patients.xpt``, ``patients.sav``, ``patients.dta``; ``oncorwe.io.formats.stat_files``), or a
REDCap data dictionary and export of a project made by ``oncorwe template --redcap``
(``oncorwe.io.formats.redcap_template``).

Nothing is typed or judged here (that is ``oncorwe.validate``): every value is kept as text, so
that a value which fails validation can still be shown and quarantined as it was written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.formats.stat_files import stream_stat_file
from oncorwe.io.read_rules import READ_RULES  # noqa: F401 (the validator reads it from here)
from oncorwe.io.readers import (
    CHUNK_ROWS,
    TableStream,
    finding,
    join_chunks,
    open_workbook,
    stream_csv_file,
    stream_parquet_file,
    stream_sheet,
)
from oncorwe.io.schema import TABLES, Table
from oncorwe.io.text import check_encoding_name

FINDING_COLUMNS = ("table", "row", "column", "value", "rule", "severity", "message")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SourceFormat = Literal["csv", "xlsx", "parquet", "stat", "redcap", "frames"]
# suffixes tried for each table in a folder, in this order (the first present is read)
FOLDER_SUFFIXES = (".csv", ".parquet", ".sas7bdat", ".xpt", ".sav", ".zsav", ".dta")


@dataclass(frozen=True)
class SourceFile:
    """One input file: its name, SHA-256, the tables it holds and the encoding used."""

    name: str
    sha256: str
    tables: tuple[str, ...]
    encoding: str | None = None


@dataclass(frozen=True)
class RawSource:
    """A study's tables as read, before validation.

    Attributes
    ----------
    path : the folder or workbook read.
    format : ``csv``, ``xlsx``, ``parquet`` (or ``frames`` for in-memory tables).
    tables : table name -> DataFrame of ``string`` columns plus ``_row`` (Int64), the row's
        number in its source: CSV line number (header = line 1), Excel sheet row number, or
        1-based Parquet record index. Contract columns carry their contract names; extra
        columns are kept as written.
    files : every input file with its SHA-256.
    findings : read-level findings (columns ``FINDING_COLUMNS``).
    """

    path: Path
    format: SourceFormat
    tables: dict[str, pd.DataFrame]
    files: tuple[SourceFile, ...] = ()
    findings: pd.DataFrame = field(default_factory=lambda: empty_findings())


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows and the standard columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class SourceStreams:
    """A study's tables opened for reading in chunks (``open_source``); close it when done.

    ``streams`` maps contract table names (in contract order) to their ``TableStream``, with
    headers already matched to the contract; ``notes`` holds the header-level read findings
    (the streams add theirs while they are read).
    """

    path: Path
    format: SourceFormat
    streams: dict[str, TableStream]
    files: list[SourceFile]
    notes: list[dict]
    workbook: object | None = None

    def close(self) -> None:
        """Close the workbook (Excel sources) and any file a stream still holds open."""
        for stream in self.streams.values():
            close = getattr(stream.chunks, "close", None)
            if close is not None:
                close()
        if self.workbook is not None:
            self.workbook.close()

    def __enter__(self) -> SourceStreams:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read_notes(self) -> list[dict]:
        """Every read finding so far: per table, then the header-level ones."""
        return [n for s in self.streams.values() for n in s.notes] + self.notes


def open_source(
    path: str | Path, encoding: str | None = None, chunk_rows: int | None = CHUNK_ROWS
) -> SourceStreams:
    """Open a study from a CSV folder, an Excel workbook or a Parquet folder for reading in
    chunks of ``chunk_rows`` rows (all rows at once for None).

    Parameters and errors as ``read_source``; nothing but the headers is read here (and, for
    CSV, one pass that decides the encoding).

    Notes
    -----
    Steps: 1. check the arguments; 2. open every table present; 3. match headers to the
    contract; 4. check that required tables and columns are present.
    """
    # step 1
    path = Path(path)
    if encoding is not None:
        check_encoding_name(encoding)
    if not path.exists():
        raise InputError(
            f"{path} does not exist. Give a folder of CSV or Parquet files (patients.csv, ...) "
            "or an .xlsx workbook with one sheet per table."
        )
    # step 2
    workbook = None
    if path.is_dir():
        fmt, streams, files, notes = _open_folder(path, encoding, chunk_rows)
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        workbook = open_workbook(path)
        fmt = "xlsx"
        try:
            streams, files, notes = _open_workbook(path, workbook, chunk_rows)
        except BaseException:
            workbook.close()
            raise
    else:
        raise InputError(
            f"{path.name} is not a study source. Give a folder of CSV or Parquet files "
            "(patients.csv, radiotherapy.csv, ...) or an .xlsx workbook (one sheet per table); "
            "an old .xls workbook must be saved again as .xlsx."
        )
    source = SourceStreams(path, fmt, streams, files, notes, workbook)
    try:
        # step 3
        for name, stream in streams.items():
            names, renamed = match_header(stream.header, TABLES[name], files_for(name, files))
            notes += renamed
            streams[name] = _renamed(stream, names)
        # step 4
        check_structure({n: pd.DataFrame(columns=s.header) for n, s in streams.items()}, files)
    except BaseException:
        source.close()
        raise
    return source


def _renamed(stream: TableStream, names: list[str]) -> TableStream:
    mapping = dict(zip(stream.header, names, strict=True))
    if all(k == v for k, v in mapping.items()):
        return stream
    chunks = (chunk.rename(columns=mapping) for chunk in stream.chunks)
    return TableStream(stream.table, names, chunks, stream.notes, stream.plain_csv)


def read_source(path: str | Path, encoding: str | None = None) -> RawSource:
    """Read a study from a CSV folder, an Excel workbook or a Parquet folder, into memory.

    Parameters
    ----------
    path : a folder holding ``<table>.csv`` and/or ``<table>.parquet`` files (file names matched
        without regard to case), or an ``.xlsx`` workbook with one sheet per table.
    encoding : text encoding of CSV files. None (default) tries UTF-8 (with or without BOM) and,
        if that fails, detects GB18030 or Latin-1 and reports it as a warning
        (``source.encoding_detected``); see ``oncorwe.io.text``.

    Returns
    -------
    RawSource with every value as text (empty -> missing) and each row's ``_row``.

    Raises
    ------
    InputError
        Path missing; unknown encoding; a file that is empty, binary or not decodable; a
        required table or a required column missing; duplicate column names.

    Notes
    -----
    For inputs larger than memory, ``open_source`` reads the same tables in chunks
    (``oncorwe.io.staging`` streams them into DuckDB).
    """
    with open_source(path, encoding, chunk_rows=None) as source:
        tables = {name: join_chunks(stream) for name, stream in source.streams.items()}
        notes = source.read_notes()
    frame = pd.DataFrame(notes, columns=list(FINDING_COLUMNS)) if notes else empty_findings()
    return RawSource(source.path, source.format, tables, tuple(source.files), frame)


def files_for(table: str, files: list[SourceFile]) -> str:
    """Name of the file that holds ``table`` (for messages)."""
    for f in files:
        if table in f.tables:
            return f.name if len(f.tables) == 1 else f"{f.name} (sheet {table})"
    return table


def _lookup(folder: Path) -> dict[str, Path]:
    return {p.name.lower(): p for p in folder.iterdir() if p.is_file()}


def _open_table_file(path: Path, name: str, encoding: str | None, chunk_rows: int | None):
    """(stream, SourceFile) for one table file of a folder, by its suffix."""
    suffix = path.suffix.lower()
    used = None
    if suffix == ".csv":
        stream, used = stream_csv_file(path, name, encoding, chunk_rows)
    elif suffix == ".parquet":
        stream = stream_parquet_file(path, name, chunk_rows)
    else:
        stream = stream_stat_file(path, name, chunk_rows)
    return stream, SourceFile(path.name, sha256_of(path), (name,), used)


def _folder_format(files: list[SourceFile]) -> SourceFormat:
    suffixes = {Path(f.name).suffix.lower() for f in files}
    if suffixes == {".csv"}:
        return "csv"
    return "stat" if suffixes.isdisjoint({".csv", ".parquet"}) else "parquet"


def _open_folder(folder: Path, encoding: str | None, chunk_rows: int | None):
    from oncorwe.io.formats.redcap_dictionary import find_dictionary
    from oncorwe.io.formats.redcap_template import open_redcap_folder

    dictionary = find_dictionary(folder)
    if dictionary is not None:
        return open_redcap_folder(folder, dictionary, encoding, chunk_rows)
    available = _lookup(folder)
    streams, files, notes = {}, [], []
    for name in TABLES:
        found = (available.get(f"{name}{suffix}") for suffix in FOLDER_SUFFIXES)
        path = next((p for p in found if p is not None), None)
        if path is None:
            continue
        streams[name], file = _open_table_file(path, name, encoding, chunk_rows)
        files.append(file)
    if not streams:
        expected = ", ".join(f"{t}.csv" for t in TABLES if TABLES[t].required)
        raise InputError(
            f"{folder} holds no study table. Expected CSV files named {expected} (or .parquet, "
            ".sas7bdat, .xpt, .sav or .dta files with the same names); `oncorwe template DIR` "
            "writes empty templates."
        )
    return _folder_format(files), streams, files, notes


def _open_workbook(path: Path, book, chunk_rows: int | None):
    by_name = {sheet.title.strip().lower(): sheet for sheet in book.worksheets}
    streams, notes = {}, []
    for name in TABLES:
        sheet = by_name.get(name)
        if sheet is None:
            continue
        stream = stream_sheet(sheet, chunk_rows)
        if stream is None:
            raise InputError(
                f"{path.name}: sheet '{sheet.title}' is empty; table '{name}' needs at least a "
                "header row naming its columns. Fill in the header or delete the sheet."
            )
        streams[name] = _named_notes(stream, name)
    for sheet in book.worksheets:
        if sheet.title.strip().lower() not in TABLES:
            notes.append(
                finding(
                    None,
                    None,
                    None,
                    sheet.title,
                    "source.unknown_table",
                    "warning",
                    f"{path.name}: sheet '{sheet.title}' is not a contract table and was not "
                    "read (rule source.unknown_table).",
                )
            )
    files = [SourceFile(path.name, sha256_of(path), tuple(streams))]
    return streams, files, notes


def _named_notes(stream: TableStream, name: str) -> TableStream:
    """Give the sheet's read findings the contract table name once they are complete."""

    def chunks():
        yield from stream.chunks
        for note in stream.notes:
            note["table"] = name

    return TableStream(stream.table, stream.header, chunks(), stream.notes)


def match_header(header: list[str], table: Table, where: str) -> tuple[list[str], list[dict]]:
    """Rename headers equal to a contract name up to case/spaces; reject duplicate names."""
    canonical = {c.lower(): c for c in table.column_names}
    names, notes = [], []
    for name in header:
        target = canonical.get(name.strip().lower().replace(" ", "_"), name)
        if target != name:
            notes.append(
                finding(
                    table.name,
                    None,
                    target,
                    name,
                    "source.column_renamed",
                    "warning",
                    f"{where}: column '{name}' read as '{target}' (rule source.column_renamed).",
                )
            )
        names.append(target)
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(
                f"{where}: column '{name}' appears more than once in table '{table.name}'. "
                "Keep one column of that name (rename or delete the other)."
            )
        seen.add(name)
    return names, notes


def check_structure(tables: dict[str, pd.DataFrame], files=()) -> None:
    """Raise ``InputError`` when a required table, a required column or a "one of" group of
    columns is missing."""
    files = list(files)
    missing = [
        t.name
        for t in TABLES.values()
        if t.required and t.name not in tables and not set(t.required_unless) & set(tables)
    ]
    if missing:
        raise InputError(
            f"Required table(s) missing: {', '.join(missing)}. Add "
            f"{', '.join(m + '.csv' for m in missing)} (or sheets of those names); a table with "
            "no rows still needs its header line (`oncorwe template DIR` writes one)."
        )
    for name, frame in tables.items():
        table = TABLES[name]
        where = files_for(name, files)
        absent = [c for c in table.required_columns if c not in frame.columns]
        if absent:
            raise InputError(
                f"{where}: required column(s) {', '.join(absent)} missing from table '{name}'. "
                "Add the column(s) to the header (see docs/data_dictionary.md); columns are "
                "matched by name, in any order."
            )
        for col in table.columns:
            options = col.one_of
            if not options:
                continue
            if not any(o in frame.columns or o in tables for o in options):
                raise InputError(
                    f"{where}: table '{name}' needs one of the columns {', '.join(options)} "
                    f"(rule: {col.required}). Add one of them to the header."
                )
