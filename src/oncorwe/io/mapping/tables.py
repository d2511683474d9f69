"""A source as *named tables of text columns*: every sheet of a workbook (any sheet names), every
CSV file of a folder (any file names), each streamed in chunks as ``oncorwe.io.readers`` yields
them, with the source's own headers.

This is what a mapping (``oncorwe.io.mapping.spec``) reads from. Other formats (a REDCap export
decoded through its dictionary, SAS/SPSS/Stata files) present themselves the same way by
registering a reader with ``register_reader``: a function ``(path, encoding, chunk_rows) ->
NamedTables``.

Workbook sheets are read as the people who keep them write them: the header may sit below a
title row (``header_row``), two columns may share a header (the later ones are renamed
``<header> [<column letter>]``), merged cells repeat the value of their top-left cell, and
formulas give the value Excel last calculated; each of these is a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from oncorwe.errors import InputError
from oncorwe.io.mapping.sheet_rows import calamine_sheets
from oncorwe.io.mapping.workbook_scan import SheetScan, cell_position, listed, scan_workbook
from oncorwe.io.readers import (
    CHUNK_ROWS,
    TableStream,
    _chunks,
    _header_names,
    finding,
    open_workbook,
    stream_csv_file,
)
from oncorwe.io.sources import EXCEL_SUFFIXES, SourceFile, sha256_of
from oncorwe.io.text import cell_to_text

HEADER_SEARCH_ROWS = 20  # rows searched for the header of a sheet
Reader = Callable[[Path, "str | None", "int | None"], "NamedTables"]


@dataclass
class NamedTables:
    """A source's tables by name, opened for reading in chunks; close it when done.

    Attributes
    ----------
    path : the workbook, folder or file read.
    streams : table name -> stream whose header is the source's own (duplicates renamed).
    letters : table name -> header -> spreadsheet column letter (A, B, ...).
    header_rows : table name -> the row the header was read from (1 for CSV files).
    files : every input file with its SHA-256.
    notes : findings about the source's structure (hidden sheets, merged cells, formulas,
        duplicate headers, title rows above the header).
    bad_cells : table name -> source row -> {header: (rule, message)} for cells whose value is
        missing for a reason the mapping must report (a formula never calculated).
    hidden : names of hidden tables (sheets).
    """

    path: Path
    streams: dict[str, TableStream]
    letters: dict[str, dict[str, str]]
    header_rows: dict[str, int]
    files: list[SourceFile]
    notes: list[dict] = field(default_factory=list)
    bad_cells: dict[str, dict[int, dict[str, tuple[str, str]]]] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for stream in self.streams.values():
            close = getattr(stream.chunks, "close", None)
            if close is not None:
                close()
        for closer in self.closers:
            closer()

    def __enter__(self) -> NamedTables:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_READERS: dict[str, Reader] = {}


def register_reader(suffix: str, reader: Reader) -> None:
    """Let ``open_named_tables`` read files ending in ``suffix`` (e.g. ``.sav``) with
    ``reader``; a folder reader registers the suffix ``/``."""
    _READERS[suffix.lower()] = reader


def open_named_tables(
    path: str | Path,
    encoding: str | None = None,
    chunk_rows: int | None = CHUNK_ROWS,
    header_rows: dict[str, int] | None = None,
    max_rows: int | None = None,
    redcap_dictionary: str | Path | None = None,
) -> NamedTables:
    """Open every table of a workbook, a CSV folder or a registered format by its own name.

    Parameters
    ----------
    path : an .xlsx workbook, a folder of CSV files, or a file of a registered format.
    encoding : text encoding of CSV files (None: detect, as ``oncorwe.io.text``).
    chunk_rows : rows per chunk (None: one chunk).
    header_rows : table -> header row to use instead of the detected one (workbooks).
    max_rows : read at most this many rows below each sheet's header (a sample; workbooks).
    redcap_dictionary : a REDCap data dictionary; ``path`` is then the project's CSV export
        (raw or labels), or a folder holding it, read as one table per instrument.

    Raises
    ------
    InputError
        The path does not exist, cannot be read, or holds no table.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist. Give an .xlsx workbook or a folder of CSV files.")
    from oncorwe.io.formats.named import open_format_named  # SAS/SPSS/Stata, REDCap

    if redcap_dictionary is not None and not Path(redcap_dictionary).is_file():
        raise InputError(f"REDCap data dictionary {redcap_dictionary} does not exist.")
    formatted = open_format_named(path, encoding, chunk_rows, redcap_dictionary)
    if formatted is not None:
        return formatted
    suffix = "/" if path.is_dir() else path.suffix.lower()
    if suffix in _READERS:
        return _READERS[suffix](path, encoding, chunk_rows)
    if path.is_dir():
        return _open_csv_folder(path, encoding, chunk_rows)
    if suffix in EXCEL_SUFFIXES:
        return _open_workbook(path, chunk_rows, header_rows or {}, max_rows)
    raise InputError(
        f"{path.name} cannot be mapped: give an .xlsx workbook (any sheet names), a folder of "
        "CSV files (any file names), or a REDCap export with its data dictionary "
        "(--redcap-dictionary DICT.csv); an old .xls workbook must be saved again as .xlsx."
    )


def letter_map(header: list[str]) -> dict[str, str]:
    """Header -> column letter (A, B, ...), by position."""
    return {name: get_column_letter(k) for k, name in enumerate(header, start=1)}


def unique_header(table: str, header: list[str], notes: list[dict]) -> list[str]:
    """Rename the second and later columns of one name to ``<name> [<letter>]``, with a
    finding (``mapping.duplicate_header``) naming the columns."""
    seen: dict[str, list[int]] = {}
    for k, name in enumerate(header):
        seen.setdefault(name, []).append(k)
    names = list(header)
    for name, places in seen.items():
        if len(places) < 2:
            continue
        letters = [get_column_letter(k + 1) for k in places]
        for k in places[1:]:
            names[k] = f"{name} [{get_column_letter(k + 1)}]"
        notes.append(
            finding(
                None,
                None,
                name,
                ", ".join(letters),
                "mapping.duplicate_header",
                "warning",
                f"{table}: header '{name}' appears in columns {', '.join(letters)}; the later "
                f"ones are read as {', '.join(repr(names[k]) for k in places[1:])}. Check which "
                "one the mapping means (rule mapping.duplicate_header).",
            )
        )
    return names


def _open_csv_folder(folder: Path, encoding: str | None, chunk_rows: int | None) -> NamedTables:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise InputError(f"{folder} holds no CSV file to map.")
    streams, letters, rows, sources, notes = {}, {}, {}, [], []
    for path in files:
        name = path.stem
        stream, used = stream_csv_file(path, name, encoding, chunk_rows)
        header = unique_header(name, stream.header, notes)
        stream = _positional(stream, header)
        streams[name], letters[name], rows[name] = stream, letter_map(header), 1
        sources.append(SourceFile(path.name, sha256_of(path), (name,), used))
    return NamedTables(folder, streams, letters, rows, sources, notes)


def _positional(stream: TableStream, header: list[str]) -> TableStream:
    if header == stream.header:
        return stream

    def chunks() -> Iterator[pd.DataFrame]:
        for chunk in stream.chunks:
            chunk.columns = ["_row", *header, *chunk.columns[len(header) + 1 :]]
            yield chunk

    return TableStream(stream.table, header, chunks(), stream.notes)


def detect_header_row(rows: list[list[str | None]]) -> int:
    """1-based number of the header among a sheet's first rows: the first row filled at least
    half as wide as the widest of them (a title row above a table fills one cell)."""
    widths = [sum(c is not None for c in r) for r in rows]
    widest = max(widths, default=0)
    for k, width in enumerate(widths, start=1):
        if width and width >= max(2, widest / 2):
            return k
    return next((k for k, w in enumerate(widths, start=1) if w), 1)


def _open_workbook(path: Path, chunk_rows, header_rows: dict[str, int], max_rows=None):
    # openpyxl only when calamine cannot read the file: opening a workbook, openpyxl scans
    # every sheet whose size the file does not state
    sheets = calamine_sheets(path)
    book = open_workbook(path) if sheets is None else None
    scans = scan_workbook(path)
    tables = NamedTables(path, {}, {}, {}, [], closers=[book.close] if book else [])
    try:
        for sheet in sheets or book.worksheets:
            scan = scans.get(sheet.title, SheetScan(sheet.title))
            _add_sheet(tables, sheet, scan, chunk_rows, header_rows.get(sheet.title), max_rows)
    except BaseException:
        tables.close()
        raise
    if not tables.streams:
        tables.close()
        raise InputError(f"{path.name}: every sheet is empty; there is nothing to map.")
    tables.hidden = tuple(s.title for s in scans.values() if s.hidden and s.title in tables.streams)
    tables.files.append(SourceFile(path.name, sha256_of(path), tuple(tables.streams)))
    return tables


def _add_sheet(tables: NamedTables, sheet, scan, chunk_rows, header_row, max_rows) -> None:
    title = sheet.title
    head = [
        [cell_to_text(v) for v in values]
        for values in sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True)
    ]
    if not any(any(c is not None for c in r) for r in head):
        return
    header_row = header_row or detect_header_row(head)
    cells = head[header_row - 1] if header_row <= len(head) else []
    while cells and cells[-1] is None:
        cells = cells[:-1]
    notes = tables.notes
    header = unique_header(title, _header_names(cells), notes)
    _structure_notes(title, scan, header_row, head, notes)
    records = _records(sheet, header_row, scan, max_rows)
    width = len(header)
    trimmed = ((n, _trim(c, width)) for n, c in records)
    stream_notes: list[dict] = []
    tables.streams[title] = TableStream(
        title, header, _chunks(title, header, trimmed, stream_notes, chunk_rows), stream_notes
    )
    tables.letters[title] = letter_map(header)
    tables.header_rows[title] = header_row
    if scan.formulas_without_value or scan.errors:
        tables.bad_cells[title] = _uncalculated(title, header, header_row, scan)


def _trim(cells: list, width: int) -> list:
    # a sheet's row ends at its last filled cell: pad it to the header, trim empty cells beyond
    if len(cells) < width:
        return cells + [None] * (width - len(cells))
    while len(cells) > width and cells[-1] is None:
        cells = cells[:-1]
    return cells


def _records(sheet, header_row: int, scan: SheetScan, max_rows: int | None = None):
    """(row number, cell texts) below the header; merged ranges repeat their top-left value."""
    spans = [m for m in scan.merged if m[1][0] > header_row]
    anchors: dict[tuple[int, int], str | None] = {}
    last = header_row + max_rows if max_rows else None
    rows = sheet.iter_rows(min_row=header_row + 1, max_row=last, values_only=True)
    for number, values in enumerate(rows, start=header_row + 1):
        cells = list(map(cell_to_text, values))
        for (r1, c1), (r2, c2) in spans:
            if not r1 <= number <= r2:
                continue
            if number == r1:
                anchors[(r1, c1)] = cells[c1 - 1] if c1 <= len(cells) else None
            value = anchors.get((r1, c1))
            cells += [None] * (c2 - len(cells))
            cells[c1 - 1 : c2] = [value] * (c2 - c1 + 1)
        yield number, cells


def _structure_notes(title, scan: SheetScan, header_row, head, notes: list[dict]) -> None:
    def note(rule, value, message, severity="warning"):
        notes.append(finding(None, None, None, value, rule, severity, f"{message} (rule {rule})."))

    if header_row > 1:
        note(
            "mapping.header_row",
            str(header_row),
            f"sheet '{title}': the header is on row {header_row}, not row 1; rows 1-"
            f"{header_row - 1} above it are titles and are not read",
        )
    if scan.hidden:
        note(
            "mapping.hidden_sheet",
            title,
            f"sheet '{title}' is hidden in the workbook; check that its rows belong to the study",
        )
    data = [f"{_ref(a)}:{_ref(b)}" for a, b in scan.merged if b[0] > header_row]
    if data:
        note(
            "mapping.merged_cells",
            listed(data),
            f"sheet '{title}': merged cells {listed(data)}; the value of each range's top-left "
            "cell is used for every cell of the range",
        )
    if scan.formulas or scan.formulas_without_value:
        cells = listed([*scan.formulas, *scan.formulas_without_value])
        message = (
            f"sheet '{title}': cells {cells} hold formulas; the values Excel last calculated "
            "are read"
        )
        if scan.formulas_without_value:
            message += (
                f"; cells {listed(list(scan.formulas_without_value))} were never calculated and "
                "have no value (a mapped one quarantines its row, rule mapping.formula_no_value)"
            )
        note("mapping.formula", cells, message)


def _ref(position: tuple[int, int]) -> str:
    return f"{get_column_letter(position[1])}{position[0]}"


def _uncalculated(title, header, header_row, scan: SheetScan):
    """Cells with no usable value, by source row and header: formulas never calculated and
    Excel error values (a mapped one quarantines its row)."""
    problems = [
        (
            ref,
            "mapping.formula_no_value",
            f"sheet '{title}' cell {ref} holds a formula that was never calculated (no value); "
            "open and save the workbook in Excel or LibreOffice, or type the value",
        )
        for ref in scan.formulas_without_value
    ]
    problems += [
        (
            ref,
            "mapping.error_cell",
            f"sheet '{title}' cell {ref} holds the Excel error {error}, not a value; correct the "
            "cell (or its formula) in the workbook",
        )
        for ref, error in scan.errors
    ]
    cells: dict[int, dict[str, tuple[str, str]]] = {}
    for ref, rule, message in problems:
        row, column = cell_position(ref)
        if row <= header_row or column > len(header):
            continue
        cells.setdefault(row, {})[header[column - 1]] = (rule, message)
    return cells
