"""Low-level readers: one CSV file, one Excel workbook, one Parquet file -> text tables.

Each reader returns, per table, a DataFrame of ``string`` columns named as in the file's header
(not yet matched to the contract) plus ``_row`` (the row's number in the source, see
``oncorwe.io.sources.read_source``) and a list of read findings (dicts with the findings
columns). Rows whose every value is empty are not records: they are skipped and reported once
per table (rule ``source.empty_rows``), so that rows read = rows accepted + rows quarantined.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.text import cell_to_text, decode_bytes, looks_binary, series_to_text

MAX_FIELD_CHARS = 10_000_000  # a single cell larger than this is not patient data
DELIMITERS = (",", ";", "\t")
RESERVED_COLUMNS = ("_row", "_extra", "_rules")


def finding(table, row, column, value, rule, severity, message) -> dict:
    """One read finding as a dict with the findings columns."""
    return {
        "table": table,
        "row": row,
        "column": column,
        "value": value,
        "rule": rule,
        "severity": severity,
        "message": message,
    }


def _choose_delimiter(first_line: str) -> str:
    # the header holds no lists, so the most frequent candidate separator is the delimiter
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _header_names(cells: list[str | None]) -> list[str]:
    """Clean header names; blank -> ``unnamed_<k>``; a name oncorwe reserves (``_row``,
    ``_extra``, ``_rules``) gets the prefix ``source`` so that the input's own column is kept."""
    names = []
    for k, cell in enumerate(cells, start=1):
        name = str(cell or "").replace("\ufeff", "").strip()
        name = f"source{name}" if name in RESERVED_COLUMNS else name
        names.append(name if name else f"unnamed_{k}")
    return names


def _frame(table: str, header: list[str], rows: list[list], row_numbers: list[int]) -> pd.DataFrame:
    """Build the text frame; extra fields beyond the header go to ``_extra``."""
    width = len(header)
    body = [r[:width] + [None] * (width - len(r)) for r in rows]
    frame = pd.DataFrame(body, columns=header, dtype="string")
    frame = frame.mask(frame.apply(lambda s: s.str.strip() == ""))
    extra = [None if len(r) <= width else "|".join(str(v) for v in r[width:]) for r in rows]
    if any(e is not None for e in extra):
        frame["_extra"] = pd.array(extra, dtype="string")
    frame.insert(0, "_row", pd.array(row_numbers, dtype="Int64"))
    return frame


def _split_records(table: str, records, width: int) -> tuple[list, list[int], list[dict]]:
    """Keep non-empty records; report skipped empty rows and ragged rows."""
    rows, numbers, notes, empty = [], [], [], []
    for number, record in records:
        if all(v is None or str(v).strip() == "" for v in record):
            empty.append(number)
            continue
        if len(record) != width:
            notes.append(
                finding(
                    table,
                    number,
                    None,
                    str(len(record)),
                    "structure.field_count",
                    "error",
                    f"{table} row {number}: {len(record)} fields but the header has {width}; "
                    "check quoting and delimiters on this line (rule structure.field_count).",
                )
            )
        rows.append(list(record))
        numbers.append(number)
    if empty:
        shown = ", ".join(str(n) for n in empty[:10]) + (" ..." if len(empty) > 10 else "")
        notes.append(
            finding(
                table,
                None,
                None,
                str(len(empty)),
                "source.empty_rows",
                "warning",
                f"{table}: {len(empty)} empty row(s) skipped (rows {shown}); they hold no "
                "values and are not counted as read (rule source.empty_rows).",
            )
        )
    return rows, numbers, notes


def _csv_records(text: str, file_name: str, delimiter: str):
    """Yield (first line number, fields) for each CSV record, header included."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for fields in reader:
            if fields:
                yield previous + 1, fields
            previous = reader.line_num
    except csv.Error as exc:
        raise InputError(
            f"{file_name}: line {reader.line_num + 1} cannot be parsed as CSV ({exc}). Fix the "
            "quoting on that line, or save the sheet again as CSV (comma-separated, UTF-8)."
        ) from None


def read_csv_file(
    path: Path, table: str, encoding: str | None
) -> tuple[pd.DataFrame, list[dict], str]:
    """Read one CSV file as text. Returns (frame, read findings, encoding used)."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError(
            f"{path.name} is empty: table '{table}' needs at least a header line naming its "
            "columns. Write the header (oncorwe template DIR makes one) or remove the file."
        )
    if looks_binary(data):
        raise InputError(
            f"{path.name} is not a CSV text file (it looks binary, e.g. a renamed Excel or "
            f"zip file). Save table '{table}' as CSV text, or give the .xlsx workbook instead."
        )
    text, used, detected = decode_bytes(data, path.name, encoding)
    notes = []
    if detected:
        notes.append(
            finding(
                table,
                None,
                None,
                used,
                "source.encoding_detected",
                "warning",
                f"{path.name} is not UTF-8; it was read as {used}. If names or text look wrong, "
                "pass the right encoding with --encoding (rule source.encoding_detected).",
            )
        )
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    records = _csv_records(text.lstrip("\ufeff"), path.name, _choose_delimiter(first_line))
    header_number, header = next(records, (None, None))
    if header is None:
        raise InputError(f"{path.name} holds no header line for table '{table}'.")
    names = _header_names(header)
    rows, numbers, more = _split_records(table, records, len(names))
    return _frame(table, names, rows, numbers), notes + more, used


def _open_workbook(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            f"{path.name} cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Save it again from Excel as .xlsx, or export one CSV file per table."
        ) from None


def read_excel_workbook(path: Path) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Read every sheet of an .xlsx workbook as text; keys are the sheet names as written.

    The header is the first non-empty row; ``_row`` is the sheet's own row number.
    """
    book = _open_workbook(path)
    frames, notes = {}, []
    try:
        for sheet in book.worksheets:
            numbered = (
                (number, [cell_to_text(v) for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            header = None
            for _, cells in numbered:
                if any(c is not None for c in cells):
                    header = cells
                    break
            if header is None:
                frames[sheet.title] = None  # an empty sheet: the caller decides
                continue
            while header and header[-1] is None:
                header = header[:-1]
            names = _header_names(header)
            trimmed = ((n, _trim_trailing(c, len(names))) for n, c in numbered)
            rows, numbers, more = _split_records(sheet.title, trimmed, len(names))
            frames[sheet.title] = _frame(sheet.title, names, rows, numbers)
            notes += more
    finally:
        book.close()
    return frames, notes


def _trim_trailing(cells: list, width: int) -> list:
    # Excel reports the used range; empty cells right of the header are not extra fields
    while len(cells) > width and cells[-1] is None:
        cells = cells[:-1]
    return cells


def read_parquet_file(path: Path, table: str) -> pd.DataFrame:
    """Read one Parquet file; every column becomes text, ``_row`` the 1-based record index."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        data = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            f"{path.name} cannot be read as Parquet ({exc}). Write table '{table}' again as "
            "Parquet, or give a CSV file instead."
        ) from None
    frame = pd.DataFrame({str(c).strip(): series_to_text(data[c]) for c in data.columns})
    frame.columns = _header_names(list(frame.columns))
    frame.insert(0, "_row", pd.array(range(1, len(frame) + 1), dtype="Int64"))
    return frame
