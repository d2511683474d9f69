"""The Word report (``report.docx``) and one Word file per table (``tables/<name>.docx``).

The same ``DisplayTable`` objects as the HTML page are drawn as three-line tables (rule above
and below the header, rule at the end); their notes become real Word footnotes
(``word_footnotes``) on the caption, so they survive editing. The synthetic-data banner is in
the page header, hence on every page.

References
----------
.. [1] python-docx documentation, "Working with Tables", "Working with Headers and Footers".
.. [2] ECMA-376 Part 1, 17.4.38 ``w:tblBorders``, the child order of ``w:tblPr`` (``CT_TblPr``) and
   17.4.66 ``w:tcBorders``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Inches, Pt, RGBColor

from oncorwe import __version__
from oncorwe.report.display import DisplayTable
from oncorwe.report.format import SYNTHETIC_BANNER
from oncorwe.report.reproducible import document_time, normalize_ooxml
from oncorwe.report.sections import Section
from oncorwe.report.word_footnotes import add_footnotes

BANNER_RGB = RGBColor(0xB0, 0x00, 0x20)
FIGURE_WIDTH_INCHES = 6.0
RULE = '<w:{side} w:val="single" w:sz="{size}" w:space="0" w:color="000000"/>'
TBL_PR_AFTER_BORDERS = (
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)


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


def _three_line_borders(table) -> None:
    """Rules above and below the table (thick) and under the header row (thin)."""
    borders = "".join(
        RULE.format(side=side, size=size) for side, size in (("top", 12), ("bottom", 12))
    )
    # CT_TblPr is a sequence (ECMA-376 Part 1): appended after python-docx's w:tblLook, the
    # borders made the table properties invalid (LibreOffice tolerates it, strict readers need not)
    table._tbl.tblPr.insert_element_before(
        parse_xml(f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>"), *TBL_PR_AFTER_BORDERS
    )
    for cell in table.rows[0].cells:
        rule = RULE.format(side="bottom", size=6)
        cell._tc.get_or_add_tcPr().append(
            parse_xml(f"<w:tcBorders {nsdecls('w')}>{rule}</w:tcBorders>")
        )


def _fill_row(cells, texts: Sequence[str], label_columns: int, indent: int, bold: bool) -> None:
    for index, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        paragraph = cell.paragraphs[0]
        # single-spaced, no space after: the template's document default (10 pt after, 1.15
        # lines) doubled every row's height and the report's page count
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        run = paragraph.add_run(text)
        run.bold = bold
        if index >= label_columns:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif index == 0 and indent:
            paragraph.paragraph_format.left_indent = Pt(10 * indent)


def add_table(document, table: DisplayTable) -> None:
    """Caption (with a real footnote per note), then the three-line table."""
    caption = document.add_paragraph()
    caption.add_run(table.title).bold = True
    add_footnotes(document, caption, table.footnotes)
    grid = document.add_table(rows=1, cols=len(table.columns))
    _fill_row(grid.rows[0].cells, table.columns, table.label_columns, 0, bold=True)
    for indent, cells in table.body():
        _fill_row(grid.add_row().cells, cells, table.label_columns, indent, bold=False)
    _three_line_borders(grid)
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
