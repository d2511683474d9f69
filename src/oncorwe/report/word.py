"""The Word report (``report.docx``) and one Word file per table (``tables/<name>.docx``).

The same ``DisplayTable`` objects as the HTML page are drawn as three-line tables (rule above
and below the header, rule at the end); their notes become real Word footnotes
(``word_footnotes``) on the caption, so they survive editing. The synthetic-data banner is in
the page header, hence on every page.

Each table fills the text width with a fixed layout whose column widths follow its content
(``column_widths``), written both to the grid and to every cell so Word and LibreOffice draw
the same table; its header row repeats on each page the table runs onto, and its caption is
kept on the page of the table's first row.

References
----------
.. [1] python-docx documentation, "Working with Tables", "Working with Headers and Footers".
.. [2] ECMA-376 Part 1, 17.4.38 ``w:tblBorders``, the child order of ``w:tblPr`` (``CT_TblPr``) and
   17.4.66 ``w:tcBorders``.
.. [3] ECMA-376 Part 1, 17.4.48 ``w:tblGrid`` / 17.4.16 ``w:gridCol``, 17.4.72 ``w:tcW``,
   17.4.53 ``w:tblLayout`` (fixed), 17.4.49 ``w:tblHeader`` and 17.3.1.15 ``w:keepNext``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Emu, Inches, Pt, RGBColor

from oncorwe import __version__
from oncorwe.report.display import DisplayTable
from oncorwe.report.format import SYNTHETIC_BANNER
from oncorwe.report.reproducible import document_time, normalize_ooxml
from oncorwe.report.sections import Section
from oncorwe.report.word_footnotes import add_footnotes

BANNER_RGB = RGBColor(0xB0, 0x00, 0x20)
FIGURE_WIDTH_INCHES = 6.0
RULE = '<w:{side} w:val="single" w:sz="{size}" w:space="0" w:color="000000"/>'
TABLE_LOOK = (
    '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
    'w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
)
"""python-docx's default ``w:tblLook`` for a new table."""
CHAR_TWIPS = 120
"""Estimated advance of a digit or lower-case letter of 9.5 pt DejaVu Sans (108-120 measured)."""
NARROW_CHARS, NARROW_TWIPS = frozenset(" .,:;()[]'|!ijlft"), 70
WIDE_TWIPS = 160
"""Capitals, ``%``, ``m``, ``w`` and dashes: up to 160 twips (``%``), capitals 128 on average."""
BOLD_FACTOR = 1.18
"""Bold (the header row) is about 15-20 % wider than regular."""
CELL_PADDING_TWIPS = 2 * 108
"""Word's default left and right cell margins (0.075 in each)."""
INDENT_TWIPS = 200
"""The label column's left indent per level (10 pt, as ``_table_xml`` sets it)."""
WHOLE_CHARS = 12
"""Cells up to this long (``107 (99.1%)``) are kept on one line when the page allows it."""
WRAP_CHARS = 32
"""A cell longer than this wraps anyway; it asks for no more room than this many characters."""
LABEL_COLUMN_WEIGHT = 1.5
"""Share of the spare width the first (label) column gets, relative to the other columns."""
BREAK_AFTER = re.compile(r"\s+|(?<=[-\u2013/])")
"""Where a line may break: at spaces and after a hyphen, an en dash or a slash."""


def new_document(synthetic: bool, title: str = ""):
    """A document with the report's base font and, when synthetic, the banner in the header.

    Its core properties name oncorwe (not python-docx's template) and carry
    ``reproducible.document_time()`` as created and modified date.
    """
    document = Document()
    props = document.core_properties
    props.author = props.last_modified_by = "oncorwe"
    props.comments = f"Written by oncorwe {__version__}" + (
        f"; {SYNTHETIC_BANNER}" if synthetic else ""
    )
    props.title = title
    props.created = props.modified = document_time().replace(tzinfo=None)
    props.revision = 1
    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(9.5)
    if synthetic:
        header = document.sections[0].header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = header.add_run(SYNTHETIC_BANNER)
        run.bold = True
        run.font.color.rgb = BANNER_RGB
    return document


def _cell_xml(text: str, width: int, right: bool, indent: int, header: bool) -> str:
    """One ``w:tc``: its width, the header's rule below, a single-spaced paragraph (the
    template's default, 10 pt after and 1.15 lines, doubled every row's height and the report's
    page count), indented label (``indent`` points) or right-aligned number, one run."""
    rule = f"<w:tcBorders>{RULE.format(side='bottom', size=6)}</w:tcBorders>" if header else ""
    spacing = '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    indented = f'<w:ind w:left="{20 * indent}"/>' if indent else ""
    aligned = '<w:jc w:val="right"/>' if right else ""
    weight = "<w:b/>" if header else '<w:b w:val="0"/>'
    return (
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{rule}</w:tcPr>'
        f"<w:p><w:pPr>{spacing}{indented}{aligned}</w:pPr>"
        f"<w:r><w:rPr>{weight}</w:rPr>{_text_xml(text)}</w:r></w:p></w:tc>"
    )


def _text_xml(text: str) -> str:
    """``w:t`` as python-docx writes ``run.text``: none for "", ``xml:space="preserve"`` when
    the text starts or ends with white space (tabs and line breaks: see ``_table_xml``)."""
    if not text:
        return ""
    space = ' xml:space="preserve"' if len(text.strip()) < len(text) else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<w:t{space}>{escaped}</w:t>"


def _table_xml(table: DisplayTable, widths: Sequence[int]):
    """The three-line table as one ``w:tbl`` element, built as XML text and parsed once (the
    same XML python-docx writes through its table API, ~10x faster: ~1 ms a row that way).

    Fixed layout at ``widths`` (grid and every cell), rules above and below the table (thick)
    and under the header row (thin), the header row repeated on each page. ``w:tblBorders``
    sits before ``w:tblLayout`` and ``w:tblLook``: ``CT_TblPr`` is a sequence (ECMA-376 Part 1).
    """
    borders = "".join(RULE.format(side=side, size=12) for side in ("top", "bottom"))
    rows = [(0, table.columns, True)] + [(indent, cells, False) for indent, cells in table.body()]
    unusual = []  # cells with tabs, line breaks or control characters
    xml_rows = []
    for indent, texts, header in rows:
        cells = []
        for index, (text, width) in enumerate(zip(texts, widths, strict=True)):
            right = index >= table.label_columns
            if any(ord(char) < 32 for char in text):
                unusual.append((len(xml_rows), index, text))
                text = ""
            points = 10 * indent if index == 0 and not right else 0
            cells.append(_cell_xml(text, width, right, points, header))
        head = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
        xml_rows.append(f"<w:tr>{head}{''.join(cells)}</w:tr>")
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    element = parse_xml(
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:type="dxa" w:w="{sum(widths)}"/><w:tblBorders>{borders}</w:tblBorders>'
        f'<w:tblLayout w:type="fixed"/>{TABLE_LOOK}</w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(xml_rows)}</w:tbl>"
    )
    for row, column, text in unusual:  # python-docx turns these into w:tab / w:br
        element.tr_lst[row].tc_lst[column].p_lst[0].r_lst[0].text = text
    return element


def _text_twips(text: str, bold: bool) -> float:
    """Estimated printed width of ``text`` (character classes, not font metrics)."""
    width = sum(
        NARROW_TWIPS
        if char in NARROW_CHARS
        else WIDE_TWIPS
        if char.isupper() or char in "%mw\u2013\u2014"
        else CHAR_TWIPS
        for char in text
    )
    return width * (BOLD_FACTOR if bold else 1.0)


def _column_demand(texts: Sequence[str], indents: Sequence[int]) -> tuple[float, float, float]:
    """``(word, whole, wished)`` widths of one column: its longest word, its longest short
    cell (up to ``WHOLE_CHARS``) in one piece and its longest text (up to ``WRAP_CHARS``).

    ``texts[0]`` is the (bold) header; ``indents`` are in twips.
    """
    word = whole = wished = 0.0
    for row, (text, indent) in enumerate(zip(texts, indents, strict=True)):
        bold = row == 0
        longest = max((_text_twips(w, bold) for w in BREAK_AFTER.split(text)), default=0.0)
        word = max(word, indent + longest)
        if len(text) <= WHOLE_CHARS:
            whole = max(whole, indent + _text_twips(text, bold))
        wished = max(wished, indent + _text_twips(text[:WRAP_CHARS], bold))
    whole = max(whole, word)
    return word, whole, max(wished, whole)


def column_widths(table: DisplayTable, text_width: int) -> tuple[int, ...]:
    """Column widths in twips, from the cells' text, adding up to ``text_width``.

    Steps
    -----
    1. Per column (header bold, label cells with their indent, plus the cell margins): the
       width of its longest word, of its longest short cell kept whole and of its longest text.
    2. The least widths are the short cells kept whole if they all fit, else the longest words.
    3. The width left over is shared in proportion to what each column still wishes for (to the
       wishes themselves once all are met), the first (label) column weighted
       ``LABEL_COLUMN_WEIGHT``.
    4. When even the longest words do not fit, they are scaled down together (words break).
    5. Whole twips; the rounding remainder goes to the label column.

    Widths are estimated from character classes (``CHAR_TWIPS``, ``NARROW_TWIPS``,
    ``WIDE_TWIPS``), not from font metrics, so a table gives the same file on every machine.
    """
    # step 1
    body = table.body()
    demands = (
        np.array(
            [
                _column_demand(
                    [table.columns[col]] + [cells[col] for _, cells in body],
                    [0] + [INDENT_TWIPS * indent if col == 0 else 0 for indent, _ in body],
                )
                for col in range(len(table.columns))
            ],
            dtype=float,
        ).reshape(-1, 3)
        + CELL_PADDING_TWIPS
    )
    word, whole, wished = demands.T
    # step 2
    least = whole if whole.sum() <= text_width else word
    spare = text_width - least.sum()
    if spare > 0:  # step 3
        weights = wished - least if wished.sum() > text_width else wished.copy()
        weights[0] *= LABEL_COLUMN_WEIGHT
        if weights.sum() == 0:
            weights[:] = 1.0
        widths = least + spare * weights / weights.sum()
    else:  # step 4
        widths = least * text_width / least.sum()
    # step 5
    rounded = np.floor(widths).astype(int)
    rounded[0] += text_width - rounded.sum()
    return tuple(int(w) for w in rounded)


def text_width(document) -> int:
    """Width between the margins of the document's last section, in twips."""
    section = document.sections[-1]
    return Emu(section.page_width - section.left_margin - section.right_margin).twips


def add_table(document, table: DisplayTable) -> None:
    """Caption (with a real footnote per note), then the three-line table.

    The caption is kept with the table's first row, the header row repeats on every page and
    the columns have content-based widths (``column_widths``) across the text width.
    """
    caption = document.add_paragraph()
    caption.paragraph_format.keep_with_next = True  # w:keepNext
    caption.add_run(table.title).bold = True
    add_footnotes(document, caption, table.footnotes)
    if not len(table.columns):  # e.g. the EQD2 table of a study without radiotherapy
        document.add_paragraph("No data.")
        return
    widths = column_widths(table, text_width(document))
    document.element.body._insert_tbl(_table_xml(table, widths))
    document.add_paragraph()


def add_figure(document, path: Path, caption: str) -> None:
    """A PNG figure at the text width with its caption below."""
    document.add_picture(str(path), width=Inches(FIGURE_WIDTH_INCHES))
    document.add_paragraph().add_run(caption).italic = True


def add_provenance(document, blocks: Sequence[dict]) -> None:
    """Provenance blocks (from ``html.provenance_blocks``) as labelled paragraphs."""
    document.add_heading("Provenance", level=1)
    for block in blocks:
        if block["title"]:
            document.add_heading(block["title"], level=2)
        rows = block["rows"]
        if block["kind"] == "table":
            rows = [
                ("; ".join(f"{c}: {v}" for c, v in zip(block["columns"], r, strict=True)), "")
                for r in rows
            ]
        for key, value in rows:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{key}: " if value else key).bold = bool(value)
            paragraph.add_run(value)


def save(document, path: Path) -> Path:
    """Save, then fix the package's entry times and dates (``reproducible.normalize_ooxml``)."""
    document.save(str(path))
    return normalize_ooxml(path)


def write_table_docx(table: DisplayTable, path: Path, synthetic: bool) -> Path:
    """One table alone in a Word file (for journal submission), footnotes included."""
    document = new_document(synthetic, table.title)
    add_table(document, table)
    return save(document, path)


def write_report_docx(
    path: Path,
    *,
    title: str,
    summary: str,
    follow_up: str,
    sections: Sequence[Section],
    provenance: Sequence[dict],
    synthetic: bool,
) -> Path:
    """The whole report as one Word document, in the HTML page's sections and order.

    Parameters
    ----------
    path : where to save ``report.docx``.
    title, summary, follow_up : heading, results paragraph and formatted median follow-up.
    sections : from ``sections.assemble_sections``: tables (real footnotes) and figures (PNG)
        of each section; the provenance section is written from ``provenance``.
    provenance : blocks from ``html.provenance_blocks`` (pairs or small tables).
    synthetic : banner in the page header and under the title.
    """
    document = new_document(synthetic, title)
    document.add_heading(title, level=0)
    if synthetic:
        run = document.add_paragraph().add_run(SYNTHETIC_BANNER)
        run.bold = True
        run.font.color.rgb = BANNER_RGB
    for section in sections:
        if section.id == "provenance":
            continue
        document.add_heading(section.title, level=1)
        if section.id == "summary":
            document.add_paragraph(summary)
        if section.id == "survival":
            document.add_paragraph(f"Median follow-up (reverse Kaplan\u2013Meier): {follow_up}.")
        for table in section.tables:
            add_table(document, table)
        for figure in section.figures:
            add_figure(document, figure.png, f"{figure.title}. {figure.caption}")
    add_provenance(document, provenance)
    return save(document, path)
