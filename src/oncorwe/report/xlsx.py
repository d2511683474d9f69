"""Tables as Excel workbooks, written beside their CSV files.

Row 1 of a synthetic table is the banner; the header is then on row 2 (read it back with
``pd.read_excel(path, skiprows=1)``). Footnotes attached to a table (``df.attrs["footnotes"]``)
go to a second sheet, ``notes``, so the first sheet stays a plain rectangle of data.

References
----------
.. [1] openpyxl documentation, "Simple usage" and "Working with styles".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from oncorwe.report.format import SYNTHETIC_BANNER
from oncorwe.report.reproducible import normalize_ooxml

BANNER_FILL = PatternFill("solid", fgColor="B00020")
MAX_WIDTH = 60


def _cell_value(value: object) -> object:
    """Excel cells take numbers and text; NaN/None become empty cells."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, int | float | str | bool) else str(value)


def write_xlsx(df: pd.DataFrame, path: Path, *, synthetic: bool, sheet: str = "table") -> Path:
    """Write ``df`` (numbers as numbers) to ``path``; banner row first when ``synthetic``."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    if synthetic:
        ws.append([SYNTHETIC_BANNER])
        ws["A1"].font = Font(bold=True, color="FFFFFF")
        ws["A1"].fill = BANNER_FILL
        ws.oddHeader.center.text = SYNTHETIC_BANNER
    ws.append([str(c) for c in df.columns])
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([_cell_value(v) for v in row])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for index, column in enumerate(df.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in df[column].head(200)])
        ws.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
    notes = [str(n) for n in df.attrs.get("footnotes", ())]
    if notes or synthetic:
        ws_notes = workbook.create_sheet("notes")
        for note in ([SYNTHETIC_BANNER] if synthetic else []) + notes:
            ws_notes.append([note])
    workbook.save(path)
    normalize_ooxml(path)  # fixed entry times and core dates: reproducible bytes
    return path
