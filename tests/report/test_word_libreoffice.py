"""The demo's Word files opened by a real word processor (LibreOffice, headless).

python-docx reads back what python-docx wrote; LibreOffice lays the files out. Here the demo's
``report.docx`` and two per-table files are printed to PDF by ``soffice --convert-to pdf`` and
read with poppler (``pdftotext``, ``pdfimages``): the title, every table caption, every
footnote (at the foot of its page), the figures and Table 1's numbers must be on the pages.
``report.docx`` is also saved again as .docx by LibreOffice and must come back whole.

References
----------
.. [1] LibreOffice Help, "Starting LibreOffice Software With Parameters" (``--convert-to``,
   ``-env:UserInstallation``).
.. [2] ECMA-376 Part 1, 17.11 "Footnotes and Endnotes".
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import require_tool
from oncorwe.report.format import SYNTHETIC_BANNER

docx = pytest.importorskip("docx")
from oncorwe.report.word_footnotes import footnote_texts  # noqa: E402

TABLE_FILES = ("baseline", "baseline_by_group", "response")
SOFFICE_TIMEOUT_SECONDS = 120
NOTE_PIECE = 40


def _soffice(target: str, files: list[Path], out_dir: Path, profile: Path) -> None:
    """Convert ``files`` into ``out_dir`` with a private LibreOffice profile (parallel-safe)."""
    command = [
        require_tool("soffice"),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        target,
        "--outdir",
        str(out_dir),
        *map(str, files),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT_SECONDS, check=False
    )
    for path in files:
        converted = out_dir / f"{path.stem}.{target.split(':')[0]}"
        assert converted.is_file(), f"soffice did not convert {path.name}: {done.stderr}"


def _pages(pdf: Path) -> list[str]:
    """Text of each page (``pdftotext -layout``; pages end with a form feed)."""
    text = subprocess.run(
        [require_tool("pdftotext"), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")[:-1]


def _squeeze(text: str) -> str:
    """Without any whitespace, so lines wrapped by the layout still match."""
    return re.sub(r"\s+", "", text)


def _captions(document) -> list[str]:
    """Each table's caption: the bold title run of the paragraph just before the table."""
    body = list(document.element.body.iterchildren())
    paragraphs = {p._p: p for p in document.paragraphs}
    return [
        paragraphs[body[body.index(t._tbl) - 1]].runs[0].text
        for t in document.tables
        if body[body.index(t._tbl) - 1] in paragraphs
    ]


@pytest.fixture(scope="module")
def converted(tmp_path_factory, demo_output):
    """The demo, its Word files printed to PDF and ``report.docx`` re-saved by LibreOffice."""
    require_tool("soffice")
    require_tool("pdftotext")
    require_tool("pdfimages")
    demo = demo_output
    pdf, resaved = tmp_path_factory.mktemp("lo_pdf"), tmp_path_factory.mktemp("lo_docx")
    profile = tmp_path_factory.mktemp("lo_profile")
    sources = [demo / "report.docx"] + [demo / "tables" / f"{n}.docx" for n in TABLE_FILES]
    _soffice("pdf", sources, pdf, profile)
    _soffice("docx:MS Word 2007 XML", [demo / "report.docx"], resaved, profile)
    return demo, pdf, resaved


def test_title_captions_and_banner_on_the_pages(converted):
    demo, pdf, _ = converted
    pages = _pages(pdf / "report.pdf")
    text = _squeeze("".join(pages))
    assert _squeeze("Radiotherapy plus immune checkpoint inhibitors") in text
    captions = _captions(docx.Document(str(demo / "report.docx")))
    assert len(captions) == len(docx.Document(str(demo / "report.docx")).tables)
    assert {"Baseline characteristics", "Cohort selection"} <= set(captions)
    for caption in captions:
        assert _squeeze(caption) in text, caption
    # the banner is in the page header: every page carries it
    assert all(SYNTHETIC_BANNER in page for page in pages)


def test_every_footnote_is_printed(converted):
    demo, pdf, _ = converted
    text = _squeeze("".join(_pages(pdf / "report.pdf")))
    notes = footnote_texts(docx.Document(str(demo / "report.docx")))
    assert len(notes) > 20
    for note in map(_squeeze, notes.values()):
        # a long note near the foot of a full page may continue on the next page, so its start
        # and its end are looked for, not the whole text in one piece
        assert note[:NOTE_PIECE] in text and note[-NOTE_PIECE:] in text, note


def test_table_footnote_at_the_foot_of_the_page(converted):
    _, pdf, _ = converted
    page = _pages(pdf / "baseline.pdf")[0]  # the note goes where its mark is: the caption
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    assert lines[1] == "Baseline characteristics1"  # caption with its mark, under the banner
    assert lines[-1] == (
        "1 Values are n (%) or median (Q1\u2013Q3); percentages of patients with a known value."
    )
    response = _squeeze(_pages(pdf / "response.pdf")[0])
    assert _squeeze("Confidence intervals for ORR and DCR are exact (Clopper\u2013Pearson).") in (
        response
    )


def test_adjacent_footnote_marks_print_apart(converted):
    demo, pdf, _ = converted
    notes = footnote_texts(docx.Document(str(demo / "tables" / "baseline_by_group.docx")))
    assert len(notes) > 1
    marks = ",".join(str(n) for n in range(1, len(notes) + 1))
    first_page = _pages(pdf / "baseline_by_group.pdf")[0]
    assert f"Baseline characteristics by sequence{marks}" in first_page


def test_header_words_are_not_broken(converted):
    """Columns sized from their content: the six-column table's header holds "Characteristic"."""
    _, pdf, _ = converted
    first_page = _pages(pdf / "baseline_by_group.pdf")[0]
    assert re.search(r"^Characteristic +Overall ", first_page, re.MULTILINE), first_page


def test_table_one_numbers(converted):
    demo, pdf, _ = converted
    baseline = pd.read_csv(demo / "tables" / "baseline.csv", comment="#")
    age = baseline.loc[baseline["characteristic"] == "Age, years"].iloc[0]
    row = f"{age['median']:.1f} ({age['q1']:.1f}\u2013{age['q3']:.1f})"
    for document in ("baseline.pdf", "report.pdf"):
        text = "".join(_pages(pdf / document))
        assert "All patients (N = 108)" in text
        assert re.search(r"Age, years +" + re.escape(row), text), document


def test_every_figure_is_embedded(converted):
    demo, pdf, _ = converted
    listing = subprocess.run(
        [require_tool("pdfimages"), "-list", str(pdf / "report.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    images = [line.split() for line in listing if line.split()[2] == "image"]
    figures = sorted((demo / "figures").glob("*.png"))
    shapes = docx.Document(str(demo / "report.docx")).inline_shapes
    assert len(figures) >= 3
    assert len(images) == len(figures) == len(shapes)
    assert all(int(width) >= 600 for _, _, _, width, *_ in images)  # not thumbnails


def test_resaved_by_libreoffice_nothing_lost(converted):
    demo, _, resaved = converted
    original = docx.Document(str(demo / "report.docx"))
    again = docx.Document(str(resaved / "report.docx"))
    assert len(again.tables) == len(original.tables)
    assert len(again.inline_shapes) == len(original.inline_shapes)
    assert sorted(footnote_texts(again).values()) == sorted(footnote_texts(original).values())
    assert SYNTHETIC_BANNER in again.sections[0].header.paragraphs[0].text
