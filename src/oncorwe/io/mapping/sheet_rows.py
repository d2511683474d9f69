"""Rows of a workbook's sheets, read fast: with calamine (Rust) for workbooks up to
``CALAMINE_MAX_BYTES``, else streamed by openpyxl.

calamine reads a sheet about ten times faster than openpyxl but holds it in memory, so it is
used only for workbooks small enough for that (a 1,000-patient hospital workbook is about 2 MB);
larger workbooks are streamed row by row in constant memory. Both give the same values once
read by ``oncorwe.io.text.cell_to_text``: the cells' typed values (numbers, dates, text), the
value Excel last calculated for a formula; an empty cell is None (openpyxl) or "" (calamine).
"""

from __future__ import annotations

from pathlib import Path

CALAMINE_MAX_BYTES = 32 * 1024 * 1024


class CalamineSheet:
    """One sheet read by calamine, with openpyxl's ``title`` and ``iter_rows``."""

    def __init__(self, book, title: str) -> None:
        self.book, self.title = book, title
        self._rows: list[list] | None = None
        self._limit: int | None = None  # rows converted so far (None: all)
        self._sheet = None  # the sheet as calamine parsed it, once

    def _first(self, rows: int | None) -> list[list]:
        """The first ``rows`` rows (all for None), converted once."""
        done = self._rows is not None and (self._limit is None or (rows or 1e18) <= self._limit)
        if not done:
            if self._sheet is None:
                self._sheet = self.book.get_sheet_by_name(self.title)
            self._rows = self._sheet.to_python(skip_empty_area=False, nrows=rows)
            self._limit = rows
        return self._rows

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, values_only: bool = True):
        rows = self._first(max_row)
        stop = len(rows) if max_row is None else min(max_row, len(rows))
        # empty cells stay "" (``cell_to_text`` reads them as None): no copy of each row
        yield from rows[min_row - 1 : stop]


def calamine_sheets(path: Path) -> list[CalamineSheet] | None:
    """The sheets of ``path`` read by calamine, or None (not installed, too big, unreadable:
    the caller streams the workbook with openpyxl instead)."""
    if path.stat().st_size > CALAMINE_MAX_BYTES:
        return None
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return [CalamineSheet(book, name) for name in book.sheet_names]
    except Exception:  # any failure: the streaming reader reads it (and reports a broken file)
        return None
