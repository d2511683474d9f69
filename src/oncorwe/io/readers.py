"""Low-level readers: one CSV file, one Excel sheet, one Parquet file -> chunks of text rows.

Every reader *streams*: it yields the table in chunks of at most ``chunk_rows`` rows, so that a
file of any size is read in constant memory (``oncorwe.io.staging`` writes the chunks into a
DuckDB file; ``oncorwe.io.sources.read_source`` joins them into one DataFrame for in-memory use).
A chunk is a DataFrame of ``string`` columns named as in the file's header (not yet matched to
the contract) plus ``_row`` (the row's number in the source, see ``read_source``) and, when a row
of the chunk has more fields than the header, ``_extra``. Rows whose every value is empty are
not records: they are skipped and reported once per table (rule ``source.empty_rows``), so that
rows read = rows accepted + rows quarantined.

Python's ``csv`` module reads every CSV file DuckDB's faster reader cannot read with the same
rows and line numbers (``oncorwe.io.csv_direct`` decides; a plain UTF-8 file goes to DuckDB): it
reports every finding by the file's own line number, keeps the fields of a ragged row in
``_extra`` instead of failing or dropping it, and reads GB18030 exports, which DuckDB can only
read with its ``encodings`` extension, downloaded from the network (oncorwe never opens a
network connection). Measured: see docs/benchmarks.md.
"""

from __future__ import annotations

import csv
import gc
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.csv_direct import direct_chunks
from oncorwe.io.text import UTF8, cell_to_text, decode_stream, looks_binary, series_to_text

MAX_FIELD_CHARS = 10_000_000  # a single cell larger than this is not patient data
DELIMITERS = (",", ";", "\t")
RESERVED_COLUMNS = ("_row", "_extra", "_rules")
CHUNK_ROWS = 50_000  # rows per chunk when streaming


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


@dataclass
class TableStream:
    """One table being read: its header and its rows in chunks.

    ``chunks`` yields at least one frame (an empty one for a table with a header only);
    ``notes`` (read findings) is complete once ``chunks`` is exhausted.
    """

    table: str
    header: list[str]
    chunks: Iterator[pd.DataFrame]
    notes: list[dict] = field(default_factory=list)
    # a UTF-8 CSV file: (path, delimiter, close), so that DuckDB may stage it directly
    # (``oncorwe.io.csv_direct.stage_direct``); ``close`` releases the unread stream
    plain_csv: tuple[Path, str, Callable[[], None]] | None = None


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


def _frame(header: list[str], rows: list[list], row_numbers: list[int]) -> pd.DataFrame:
    """Build the text frame; extra fields beyond the header go to ``_extra``."""
    width = len(header)
    ragged = any(len(r) != width for r in rows)
    body = [r[:width] + [None] * (width - len(r)) for r in rows] if ragged else rows
    columns = list(zip(*body, strict=True)) if body else [()] * width
    frame = pd.DataFrame(
        {k: pd.array(list(c), dtype="string") for k, c in enumerate(columns)},
        index=pd.RangeIndex(len(rows)),
    )
    frame.columns = header
    frame = frame.mask(frame.apply(lambda s: s.str.strip() == ""))
    if ragged:
        extra = [None if len(r) <= width else "|".join(str(v) for v in r[width:]) for r in rows]
        if any(e is not None for e in extra):
            frame["_extra"] = pd.array(extra, dtype="string")
    frame.insert(0, "_row", pd.array(row_numbers, dtype="Int64"))
    return frame


def _is_empty(record: list) -> bool:
    try:
        return not "".join(record).strip()
    except TypeError:  # Excel cells may be None
        return all(v is None or str(v).strip() == "" for v in record)


@contextmanager
def _no_cycle_collector():
    """Pause Python's cyclic garbage collector while a chunk is built: records hold no cycles
    (reference counting frees them), and collecting a million new lists costs more than
    parsing them (measured: 10.7 s -> 4.2 s for 1e6 CSV rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _keep_records(table: str, records, width: int, empty: list[int], notes: list[dict]):
    """Keep non-empty records (report ragged ones); collect the numbers of empty ones."""
    rows, numbers = [], []
    for number, record in records:
        if _is_empty(record):
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
    return rows, numbers


def _empty_rows_finding(table: str, empty: list[int]) -> dict:
    shown = ", ".join(str(n) for n in empty[:10]) + (" ..." if len(empty) > 10 else "")
    return finding(
        table,
        None,
        None,
        str(len(empty)),
        "source.empty_rows",
        "warning",
        f"{table}: {len(empty)} empty row(s) skipped (rows {shown}); they hold no "
        "values and are not counted as read (rule source.empty_rows).",
    )


def _chunks(
    table: str, header: list[str], records: Iterable, notes: list[dict], chunk_rows: int | None
) -> Iterator[pd.DataFrame]:
    """Text frames of at most ``chunk_rows`` kept records (all of them for None); at least one."""
    records = iter(records)
    empty: list[int] = []
    yielded = False
    while True:
        with _no_cycle_collector():
            batch = list(itertools.islice(records, chunk_rows))
            rows, numbers = _keep_records(table, batch, len(header), empty, notes)
            frame = _frame(header, rows, numbers) if rows or not yielded else None
        if frame is not None:
            yield frame
            yielded = True
        if not batch or chunk_rows is None:
            break
    if empty:
        notes.append(_empty_rows_finding(table, empty))


def _csv_records(lines: Iterable[str], file_name: str, delimiter: str):
    """Yield (first line number, fields) for each CSV record, header included."""
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(lines, delimiter=delimiter)
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


def _check_text_file(path: Path, table: str) -> None:
    with path.open("rb") as handle:
        head = handle.read(8192)
        blank = not head.strip()
        while blank:
            block = handle.read(1 << 20)
            if not block:
                break
            blank = not block.strip()
    if blank:
        raise InputError(
            f"{path.name} is empty: table '{table}' needs at least a header line naming its "
            "columns. Write the header (oncorwe template DIR makes one) or remove the file."
        )
    if looks_binary(head):
        raise InputError(
            f"{path.name} is not a CSV text file (it looks binary, e.g. a renamed Excel or "
            f"zip file). Save table '{table}' as CSV text, or give the .xlsx workbook instead."
        )


def stream_csv_file(
    path: Path, table: str, encoding: str | None, chunk_rows: int | None = CHUNK_ROWS
) -> tuple[TableStream, str]:
    """Read one CSV file as text, in chunks. Returns (stream, encoding used).

    The encoding is decided by one pass over the bytes (``oncorwe.io.text.decode_stream``),
    the rows are parsed in a second pass.
    """
    _check_text_file(path, table)
    used, detected = decode_stream(path, encoding)
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
    handle = path.open("r", encoding=used, newline="")
    first_line = handle.readline().lstrip("\ufeff")
    delimiter = _choose_delimiter(first_line)
    records = _csv_records(itertools.chain([first_line], handle), path.name, delimiter)
    _, header = next(records, (None, None))
    if header is None:
        handle.close()
        raise InputError(f"{path.name} holds no header line for table '{table}'.")
    names = _header_names(header)

    def chunks() -> Iterator[pd.DataFrame]:
        with handle:
            # a plain UTF-8 file is read by DuckDB (same rows and numbers, oncorwe.io.csv_direct)
            direct = direct_chunks(path, names, delimiter, chunk_rows) if used == UTF8 else None
            yield from direct or _chunks(table, names, records, notes, chunk_rows)

    plain = (path, delimiter, handle.close) if used == UTF8 else None
    return TableStream(table, names, chunks(), notes, plain), used


def open_workbook(path: Path):
    """Open an .xlsx workbook read-only (values, not formulas); ``InputError`` if not one."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            f"{path.name} cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Save it again from Excel as .xlsx, or export one CSV file per table."
        ) from None


def stream_sheet(sheet, chunk_rows: int | None = CHUNK_ROWS) -> TableStream | None:
    """One sheet of an open workbook as a stream; None for an empty sheet.

    The header is the first non-empty row; ``_row`` is the sheet's own row number.
    """
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
        return None
    while header and header[-1] is None:
        header = header[:-1]
    names = _header_names(header)
    trimmed = ((n, _trim_trailing(c, len(names))) for n, c in numbered)
    notes: list[dict] = []
    return TableStream(
        sheet.title, names, _chunks(sheet.title, names, trimmed, notes, chunk_rows), notes
    )


def _trim_trailing(cells: list, width: int) -> list:
    # Excel reports the used range; empty cells right of the header are not extra fields
    while len(cells) > width and cells[-1] is None:
        cells = cells[:-1]
    return cells


def _parquet_error(path: Path, table: str, exc: Exception) -> InputError:
    return InputError(
        f"{path.name} cannot be read as Parquet ({exc}). Write table '{table}' again as "
        "Parquet, or give a CSV file instead."
    )


def _timestamps_with_time(parquet, path: Path, table: str) -> set[str]:
    """Timestamp columns with a time of day in any row (their text keeps the time)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stamps = [f.name for f in parquet.schema_arrow if pa.types.is_timestamp(f.type)]
    found: set[str] = set()
    if not stamps:
        return found
    try:
        for batch in parquet.iter_batches(columns=stamps):
            for name in stamps:
                column = batch.column(name)
                day = pc.floor_temporal(column, unit="day")
                if pc.any(pc.not_equal(column, day)).as_py():
                    found.add(name)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _parquet_error(path, table, exc) from None
    return found


def stream_parquet_file(path: Path, table: str, chunk_rows: int | None = CHUNK_ROWS) -> TableStream:
    """Read one Parquet file in record batches; every column becomes text, ``_row`` the 1-based
    record index. Timestamps are written with their time of day when any row has one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise _parquet_error(path, table, exc) from None
    timed = _timestamps_with_time(parquet, path, table)
    # the pandas view of the schema (an index stored by pandas is not a column)
    columns = list(parquet.schema_arrow.empty_table().to_pandas().columns)
    names = _header_names([str(c).strip() for c in columns])
    size = chunk_rows or max(parquet.metadata.num_rows, 1)

    def chunks() -> Iterator[pd.DataFrame]:
        start, yielded = 1, False
        try:
            for batch in parquet.iter_batches(batch_size=size):
                data = batch.to_pandas()
                frame = (
                    pd.concat(
                        [series_to_text(data[c], with_time=c in timed) for c in columns], axis=1
                    )
                    if columns
                    else pd.DataFrame(index=range(len(data)))
                )
                frame.columns = names
                frame.insert(0, "_row", pd.array(range(start, start + len(frame)), dtype="Int64"))
                start += len(frame)
                yielded = True
                yield frame
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _parquet_error(path, table, exc) from None
        if not yielded:
            yield _frame(names, [], [])

    return TableStream(table, names, chunks())


def join_chunks(stream: TableStream) -> pd.DataFrame:
    """Every chunk of ``stream`` as one frame (``_extra`` present when any chunk has it)."""
    frames = list(stream.chunks)
    if any("_extra" in f.columns for f in frames):
        for f in frames:
            if "_extra" not in f.columns:
                f["_extra"] = pd.array([None] * len(f), dtype="string")
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)
