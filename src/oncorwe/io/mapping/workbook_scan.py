"""What an .xlsx workbook hides from a values-only reader: hidden sheets, merged cells,
formulas and error values, read from the workbook's XML parts without loading the cells.

openpyxl's streaming (read-only) mode yields cell values only: a merged range shows its value in
the top-left cell and nothing in the others, a formula shows the value Excel last calculated
(nothing when the file was never opened in Excel), and a hidden sheet looks like any other. The
mapped intake reports each of these (``oncorwe.io.mapping.tables``), so that a value is never
lost without a finding.

References
----------
ECMA-376 Office Open XML, Part 1, 18.3.1.55 (``mergeCell``), 18.3.1.40 (``f``, cell formula),
18.2.19 (``sheet`` ``state="hidden"``), 18.18.11 (``ST_CellType`` ``e``: an error value).
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+):([A-Z]+\d+)"')
_FORMULA_CELL = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+\d+)"[^>]*>\s*<(?:\w+:)?f[\s>/](.*?)</(?:\w+:)?c>', re.S
)
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s([^>]*?\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.S)
_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
MAX_LISTED = 10  # cell references listed in a message


@dataclass(frozen=True)
class SheetScan:
    """One sheet's hidden state, merged ranges and formula cells.

    Attributes
    ----------
    title : the sheet's name.
    hidden : ``hidden`` or ``veryHidden`` in the workbook, else empty.
    merged : merged ranges as ((first row, first column), (last row, last column)), 1-based.
    formulas : cells holding a formula with a calculated value, e.g. ``D7``.
    formulas_without_value : formula cells with no calculated value (read as empty).
    errors : cells holding an Excel error value, as (reference, error), e.g. ``("F2", "#N/A")``
        (ECMA-376 18.18.11, cell type ``e``).
    """

    title: str
    hidden: str = ""
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()
    formulas: tuple[str, ...] = field(default=())
    formulas_without_value: tuple[str, ...] = field(default=())
    errors: tuple[tuple[str, str], ...] = field(default=())


def cell_position(ref: str) -> tuple[int, int]:
    """``"C7"`` -> (7, 3): the 1-based row and column of an A1 reference."""
    letters, digits = _CELL_REF.fullmatch(ref).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits), column


def _attributes(blob: bytes) -> dict[str, str]:
    return {k.decode().split(":")[-1]: v.decode() for k, v in _ATTR.findall(blob)}


def _sheet_parts(book: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(title, state, part path) of every sheet, in workbook order."""
    workbook = book.read("xl/workbook.xml")
    rels = book.read("xl/_rels/workbook.xml.rels")
    targets = {}
    for blob in _REL.findall(rels):
        attrs = _attributes(blob)
        target = attrs.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get("Id")] = str(PurePosixPath(path))
    parts = []
    for blob in _SHEET.findall(workbook):
        attrs = _attributes(blob)
        state = attrs.get("state", "")
        hidden = state if state in ("hidden", "veryHidden") else ""
        parts.append((html.unescape(attrs.get("name", "")), hidden, targets.get(attrs.get("id"))))
    return parts


def _error_cells(xml: bytes) -> tuple[tuple[str, str], ...]:
    if b't="e"' not in xml:
        return ()
    found = []
    for attributes, body in _ERROR_CELL.findall(xml):
        ref, value = _REF.search(attributes), _VALUE.search(body)
        if ref is not None:
            found.append((ref[1].decode(), html.unescape(value[1].decode()) if value else "#"))
    return tuple(found)


def _scan_part(book: zipfile.ZipFile, part: str | None):
    if part is None or part not in book.namelist():
        return (), (), (), ()
    xml = book.read(part)
    # the patterns are searched only where their element can be: a byte search skips the
    # megabytes of cell data of a sheet with no merged cell and no formula
    start = xml.find(b"mergeCell")
    found = _MERGE.findall(xml, max(start - 16, 0)) if start >= 0 else []
    merged = tuple((cell_position(a.decode()), cell_position(b.decode())) for a, b in found)
    formulas, empty = [], []
    if b"<f" in xml or b":f" in xml:
        for ref, rest in _FORMULA_CELL.findall(xml):
            has_value = re.search(rb"<(?:\w+:)?v>[^<]", rest) is not None
            (formulas if has_value else empty).append(ref.decode())
    return merged, tuple(formulas), tuple(empty), _error_cells(xml)


def scan_workbook(path: Path) -> dict[str, SheetScan]:
    """Every sheet of an .xlsx workbook by title; empty when the parts cannot be read (the
    values reader then reports the file itself)."""
    try:
        with zipfile.ZipFile(path) as book:
            scans = {}
            for title, state, part in _sheet_parts(book):
                scans[title] = SheetScan(title, state, *_scan_part(book, part))
            return scans
    except (zipfile.BadZipFile, KeyError, OSError, AttributeError):
        return {}


def listed(refs: tuple[str, ...] | list[str]) -> str:
    """A short list of cell references for a message."""
    shown = ", ".join(refs[:MAX_LISTED])
    return shown + (f" and {len(refs) - MAX_LISTED} more" if len(refs) > MAX_LISTED else "")
