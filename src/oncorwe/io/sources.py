"""Read a study's tables from a CSV folder, an Excel workbook or a Parquet folder, as text.

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
from oncorwe.io.readers import (
    finding,
    read_csv_file,
    read_excel_workbook,
    read_parquet_file,
)
from oncorwe.io.schema import TABLES, Table
from oncorwe.io.text import check_encoding_name

FINDING_COLUMNS = ("table", "row", "column", "value", "rule", "severity", "message")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SourceFormat = Literal["csv", "xlsx", "parquet", "frames"]

# Read-level rules: the validator's rule registry lists them with its own rules.
READ_RULES = {
    "source.encoding_detected": (
        "warning",
        "A file was not UTF-8 and its encoding was detected (GB18030 or Latin-1).",
    ),
    "source.column_renamed": (
        "warning",
        "A header differed from the contract name only in case or spaces and was renamed.",
    ),
    "source.unknown_table": (
        "warning",
        "A file or sheet does not name a contract table and was not read.",
    ),
    "source.empty_rows": (
        "warning",
        "Rows with no value at all were skipped; they are not counted as read.",
    ),
    "privacy.identifier_column_dropped": (  # emitted by oncorwe.io.deidentify (issue 6)
        "warning",
        "An extra column that looks like a direct identifier was dropped before the study store "
        "and every output (protocol privacy.allow_identifiers = false); its values are never "
        "shown.",
    ),
    "structure.field_count": (
        "error",
        "A row has more or fewer fields than the header (extra values are kept in _extra).",
    ),
}


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


def read_source(path: str | Path, encoding: str | None = None) -> RawSource:
    """Read a study from a CSV folder, an Excel workbook or a Parquet folder.

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
    Steps: 1. check the arguments; 2. read every table present; 3. match headers to the
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
    if path.is_dir():
        fmt, tables, files, notes = _read_folder(path, encoding)
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        fmt, (tables, files, notes) = "xlsx", _read_workbook(path)
    else:
        raise InputError(
            f"{path.name} is not a study source. Give a folder of CSV or Parquet files "
            "(patients.csv, radiotherapy.csv, ...) or an .xlsx workbook (one sheet per table); "
            "an old .xls workbook must be saved again as .xlsx."
        )
    # step 3
    for name in list(tables):
        tables[name], renamed = _match_header(tables[name], TABLES[name], files_for(name, files))
        notes += renamed
    # step 4
    check_structure(tables, files)
    frame = pd.DataFrame(notes, columns=list(FINDING_COLUMNS)) if notes else empty_findings()
    return RawSource(path, fmt, tables, tuple(files), frame)


def files_for(table: str, files: list[SourceFile]) -> str:
    """Name of the file that holds ``table`` (for messages)."""
    for f in files:
        if table in f.tables:
            return f.name if len(f.tables) == 1 else f"{f.name} (sheet {table})"
    return table


def _lookup(folder: Path) -> dict[str, Path]:
    return {p.name.lower(): p for p in folder.iterdir() if p.is_file()}


def _read_folder(folder: Path, encoding: str | None):
    available = _lookup(folder)
    tables, files, notes = {}, [], []
    for name in TABLES:
        csv_path = available.get(f"{name}.csv")
        parquet_path = available.get(f"{name}.parquet")
        if csv_path is not None:
            frame, more, used = read_csv_file(csv_path, name, encoding)
            notes += more
            files.append(SourceFile(csv_path.name, sha256_of(csv_path), (name,), used))
        elif parquet_path is not None:
            frame = read_parquet_file(parquet_path, name)
            files.append(SourceFile(parquet_path.name, sha256_of(parquet_path), (name,)))
        else:
            continue
        tables[name] = frame
    if not tables:
        expected = ", ".join(f"{t}.csv" for t in TABLES if TABLES[t].required)
        raise InputError(
            f"{folder} holds no study table. Expected CSV files named {expected} (or .parquet "
            "files with the same names); `oncorwe template DIR` writes empty templates."
        )
    fmt = "csv" if all(f.name.lower().endswith(".csv") for f in files) else "parquet"
    return fmt, tables, files, notes


def _read_workbook(path: Path):
    sheets, notes = read_excel_workbook(path)
    by_name = {title.strip().lower(): title for title in sheets}
    tables = {}
    for name in TABLES:
        title = by_name.get(name)
        if title is None:
            continue
        if sheets[title] is None:
            raise InputError(
                f"{path.name}: sheet '{title}' is empty; table '{name}' needs at least a "
                "header row naming its columns. Fill in the header or delete the sheet."
            )
        tables[name] = sheets[title]
    for title in sheets:
        if title.strip().lower() not in TABLES:
            notes.append(
                finding(
                    None,
                    None,
                    None,
                    title,
                    "source.unknown_table",
                    "warning",
                    f"{path.name}: sheet '{title}' is not a contract table and was not read "
                    "(rule source.unknown_table).",
                )
            )
    notes = [n for n in notes if n["table"] is None or n["table"].strip().lower() in TABLES]
    for n in notes:
        if n["table"] is not None:
            n["table"] = n["table"].strip().lower()
    files = [SourceFile(path.name, sha256_of(path), tuple(tables))]
    return tables, files, notes


def _match_header(frame: pd.DataFrame, table: Table, where: str):
    """Rename headers equal to a contract name up to case/spaces; reject duplicate names."""
    canonical = {c.lower(): c for c in table.column_names}
    names, notes = [], []
    for name in frame.columns:
        target = canonical.get(name.strip().lower().replace(" ", "_"), name)
        if target != name and name != "_row":
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
        names.append(target if name != "_row" else name)
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(
                f"{where}: column '{name}' appears more than once in table '{table.name}'. "
                "Keep one column of that name (rename or delete the other)."
            )
        seen.add(name)
    frame = frame.copy()
    frame.columns = names
    return frame, notes


def _one_of_names(requirement: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in requirement.removeprefix("one of ").split(","))


def check_structure(tables: dict[str, pd.DataFrame], files=()) -> None:
    """Raise ``InputError`` when a required table, a required column or a "one of" group of
    columns is missing."""
    files = list(files)
    missing = [t.name for t in TABLES.values() if t.required and t.name not in tables]
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
            if not col.required.startswith("one of"):
                continue
            options = _one_of_names(col.required)
            if not any(o in frame.columns or o in tables for o in options):
                raise InputError(
                    f"{where}: table '{name}' needs one of the columns {', '.join(options)} "
                    f"(rule: {col.required}). Add one of them to the header."
                )
