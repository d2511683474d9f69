"""Word output: python-docx reopens it, its footnotes are real OOXML footnotes, tables complete."""

from __future__ import annotations

import zipfile

import pytest
from report_fixtures import make_outputs

from oncorwe.report import write_report
from oncorwe.report.format import SYNTHETIC_BANNER

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn  # noqa: E402

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
