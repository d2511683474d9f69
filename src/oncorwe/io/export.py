"""Write tables as a CSV folder, an Excel workbook or a Parquet folder, safely.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage
return followed by one) as a formula: a value such as ``=cmd|' /C calc'!A0`` in an exported
file is a code-execution risk (CSV / formula injection). ``safe_cell`` neutralises such text by
prefixing a single quote, as the OWASP guidance recommends; numbers (``-3.5``) are left alone.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def safe_cell(value: object) -> object:
    """Return ``value`` made safe for a spreadsheet cell.

    Text that a spreadsheet would evaluate as a formula gets a leading ``'``; numbers, missing
    values and other text are returned unchanged.

    Examples
    --------
    >>> safe_cell("=1+1")
    "'=1+1"
    >>> safe_cell("-3.5")
    '-3.5'
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _NUMBER.match(value.strip()):
        return value
    return "'" + value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``safe_cell`` applied to every text cell and column name."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
            out[column] = out[column].map(safe_cell, na_action="ignore")
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def _write_workbook(tables: dict[str, pd.DataFrame], destination: Path) -> None:
    """One sheet per table; missing values are empty cells, everything else is written as is."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = book.create_sheet(name[:31])
        sheet.append([str(c) for c in frame.columns])
        for row in frame.astype(object).itertuples(index=False):
            sheet.append([None if pd.isna(v) or v == "" else v for v in row])
    destination.parent.mkdir(parents=True, exist_ok=True)
    book.save(destination)


def write_tables(
    tables: dict[str, pd.DataFrame],
    destination: str | Path,
    format: Literal["csv", "xlsx", "parquet"] = "csv",
    *,
    neutralise: bool = True,
) -> Path:
    """Write tables: ``csv``/``parquet`` -> one file per table in the folder ``destination``;
    ``xlsx`` -> one workbook ``destination`` with one sheet per table.

    ``neutralise`` (default True) applies ``safe_cell`` to CSV and XLSX text (not to Parquet,
    which no spreadsheet evaluates). Columns whose name starts with ``_`` are kept.
    """
    destination = Path(destination)
    prepared = {
        n: (safe_frame(t) if neutralise and format != "parquet" else t) for n, t in tables.items()
    }
    if format == "xlsx":
        _write_workbook(prepared, destination)
        return destination
    destination.mkdir(parents=True, exist_ok=True)
    for name, frame in prepared.items():
        if format == "csv":
            frame.to_csv(destination / f"{name}.csv", index=False, lineterminator="\n")
        else:
            frame.to_parquet(destination / f"{name}.parquet", index=False)
    return destination


def write_csv_chunks(chunks, path: str | Path) -> tuple[int, int]:
    """Write DataFrame chunks as one CSV file (header once, formula-like text neutralised,
    ``\\n`` line ends); return (rows written, rows whose ``severity`` is ``error``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = errors = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        for k, chunk in enumerate(chunks):
            safe_frame(chunk).to_csv(handle, index=False, header=k == 0, lineterminator="\n")
            rows += len(chunk)
            if "severity" in chunk.columns:
                errors += int((chunk["severity"] == "error").sum())
    return rows, errors
