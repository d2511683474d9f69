"""Word output: python-docx reopens it, its footnotes are real OOXML footnotes, tables complete."""

from __future__ import annotations

import zipfile

import pytest
from report_fixtures import make_outputs

from oncorwe.report import write_report
from oncorwe.report.format import SYNTHETIC_BANNER

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Emu  # noqa: E402

from oncorwe.report.display import DisplayTable  # noqa: E402
from oncorwe.report.word import column_widths  # noqa: E402
from oncorwe.report.word_footnotes import footnote_texts  # noqa: E402

TBL_PR_SCHEMA_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription "
    "tblPrChange"
).split()
"""Children of ``w:tblPr`` in the order of the CT_TblPr sequence (ECMA-376 Part 1 schema)."""


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("word")
    write_report(make_outputs(), folder, pdf=False)
    return folder


def test_report_docx_has_real_footnotes(out):
    document = docx.Document(str(out / "report.docx"))
    notes = footnote_texts(document)
    assert (
        "Confidence intervals for ORR and DCR are exact (Clopper\u2013Pearson)." in notes.values()
    )
    assert "Denominator: all 12 patients in the cohort." in notes.values()
    # each note is referenced from the body exactly once, by id
    with zipfile.ZipFile(out / "report.docx") as package:
        body = package.read("word/document.xml").decode("utf-8")
        rels = package.read("word/_rels/document.xml.rels").decode("utf-8")
        types = package.read("[Content_Types].xml").decode("utf-8")
    for note_id in notes:
        assert body.count(f'<w:footnoteReference w:id="{note_id}"/>') == 1
    assert "relationships/footnotes" in rels
    assert "wordprocessingml.footnotes+xml" in types


def test_report_docx_holds_every_table_and_both_figures(out):
    document = docx.Document(str(out / "report.docx"))
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    for text in ("66.7% (95% CI 34.9\u201390.1%)", "9 (81.8%)", "Platelet count decreased"):
        assert any(text in c for c in cells) or text in "".join(p.text for p in document.paragraphs)
    assert len(document.tables) == 9  # 8 core tables + the STROBE/RECORD checklist
    assert len(document.inline_shapes) == 3  # flow diagram, OS, PFS
    assert SYNTHETIC_BANNER in document.sections[0].header.paragraphs[0].text


def test_one_docx_per_table_with_its_footnotes(out):
    for name in ("baseline", "treatment", "response", "adverse_events", "attrition", "survival"):
        document = docx.Document(str(out / "tables" / f"{name}.docx"))
        assert len(document.tables) == 1
    response = docx.Document(str(out / "tables" / "response.docx"))
    assert len(footnote_texts(response)) == 2
    rows = [[c.text for c in row.cells] for row in response.tables[0].rows]
    assert rows[0] == ["Response", "n (%)", "95% CI"]
    assert rows[-2] == ["Objective response rate (CR + PR)", "8 (66.7%)", "34.9\u201390.1%"]


def test_table_properties_in_schema_order(out):
    """``w:tblPr`` is a sequence (ECMA-376 CT_TblPr): the borders go before ``w:tblLook``."""
    order = [qn(f"w:{tag}") for tag in TBL_PR_SCHEMA_ORDER]
    for name in ("report.docx", "tables/response.docx"):
        for table in docx.Document(str(out / name)).tables:
            children = [child.tag for child in table._tbl.tblPr]
            assert qn("w:tblBorders") in children
            assert children == sorted(children, key=order.index), name


def test_adjacent_footnote_marks_are_separated(out):
    """Marks 1 and 2 on one caption print as "1,2", not as the number 12."""
    caption = docx.Document(str(out / "tables" / "response.docx")).paragraphs[0]
    runs = [
        "*" if run.find(qn("w:footnoteReference")) is not None else run.text
        for run in caption._p.findall(qn("w:r"))
    ]
    assert runs[1:] == ["*", ",", "*"]
    assert runs[0].startswith("Best overall response")


def _column_widths(table) -> list[int]:
    return [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.gridCol_lst]


def _text_width(document) -> int:
    section = document.sections[-1]
    return Emu(section.page_width - section.left_margin - section.right_margin).twips


def test_header_row_repeats_and_caption_stays_with_its_table(out):
    """``w:tblHeader`` on the header row only; ``w:keepNext`` on the caption before the table."""
    for name in ("report.docx", "tables/baseline.docx"):
        document = docx.Document(str(out / name))
        for table in document.tables:
            marked = [row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") for row in table.rows]
            assert marked[0] is not None, name
            assert all(mark is None for mark in marked[1:]), name
            caption = table._tbl.getprevious()
            assert caption.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None, name


def test_column_widths_follow_content_across_the_text_width(out):
    """Grid and cell widths agree, fill the text width, differ; Table 1's label column widest."""
    document = docx.Document(str(out / "report.docx"))
    text_width = _text_width(document)
    assert text_width == 8640  # US Letter less two 1.25-inch margins, in twips
    for table in document.tables:
        widths = _column_widths(table)
        assert sum(widths) == text_width
        assert len(set(widths)) == len(widths)
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        table_width = table._tbl.tblPr.find(qn("w:tblW"))
        assert (table_width.get(qn("w:type")), int(table_width.get(qn("w:w")))) == (
            "dxa",
            text_width,
        )
        for row in table.rows:
            cell_widths = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst]
            assert cell_widths == widths
    baseline = docx.Document(str(out / "tables" / "baseline.docx")).tables[0]
    widths = _column_widths(baseline)
    assert baseline.rows[0].cells[0].text == "Characteristic"
    assert widths[0] == max(widths)


def test_column_widths_by_hand():
    """Least widths hold the longest word; too many columns are scaled down together."""
    table = DisplayTable(
        name="t",
        title="T",
        columns=("Characteristic", "n", "p"),
        rows=(("Age", "12", "0.5"),),
    )
    widths = column_widths(table, 8640)
    assert sum(widths) == 8640
    assert widths[0] > widths[1] and widths[0] > widths[2]
    # "Characteristic" in bold: 1 capital, 4 narrow (t, i, t, i), 9 others, plus the margins
    least = (160 + 4 * 70 + 9 * 120) * 1.18 + 216
    assert widths[0] >= least
    squeezed = column_widths(table, 1000)
    assert sum(squeezed) == 1000 and squeezed[0] == max(squeezed)


def _table_through_python_docx(table: DisplayTable, widths):
    """The same table written cell by cell through python-docx's API (the reference)."""
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Twips

    from oncorwe.report.word import RULE, TABLE_LOOK

    document = docx.Document()
    grid = document.add_table(rows=1, cols=len(table.columns))
    body = [(0, table.columns, True)] + [(i, c, False) for i, c in table.body()]
    for number, (indent, texts, header) in enumerate(body):
        row = grid.rows[0] if number == 0 else grid.add_row()
        for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = 0
            paragraph.paragraph_format.line_spacing = 1.0
            right = index >= table.label_columns
            if indent and index == 0 and not right:
                paragraph.paragraph_format.left_indent = Twips(200 * indent)
            if right:
                paragraph.alignment = 2  # right
            run = paragraph.add_run(text)
            run.bold = header
            if header:
                rule = RULE.format(side="bottom", size=6)
                cell._tc.get_or_add_tcPr().append(
                    parse_xml(f"<w:tcBorders {nsdecls('w')}>{rule}</w:tcBorders>")
                )
        if header:
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    grid.autofit = False
    grid._tbl.tblPr.find(qn("w:tblW")).set(qn("w:type"), "dxa")
    grid._tbl.tblPr.find(qn("w:tblW")).set(qn("w:w"), str(sum(widths)))
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Twips(width)
    for row in grid.rows:
        for tc, width in zip(row._tr.tc_lst, widths, strict=True):
            tc.width = Twips(width)
    borders = "".join(RULE.format(side=side, size=12) for side in ("top", "bottom"))
    grid._tbl.tblPr.find(qn("w:tblLayout")).addprevious(
        parse_xml(f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>")
    )
    assert TABLE_LOOK.split()[0] in grid._tbl.tblPr.xml  # python-docx's own w:tblLook
    return grid._tbl


def test_table_xml_is_what_python_docx_writes():
    from lxml import etree

    from oncorwe.report.word import _table_xml

    table = DisplayTable(
        name="t",
        title="T",
        columns=("Characteristic", "A & B <n>", "C"),
        rows=(("Age", " 55 ", ""), ("Sex", "a\tb", "x\ny"), ("Male", "95 (88.0%)", "1\u20132")),
        indent=(0, 0, 1),
    )
    widths = (4000, 2320, 2320)

    def canonical(element):
        return etree.tostring(element, method="c14n", exclusive=True)

    ours = canonical(_table_xml(table, widths))
    reference = canonical(_table_through_python_docx(table, widths))
    assert ours == reference
