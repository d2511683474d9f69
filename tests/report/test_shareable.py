"""Shareable output: a suppressed cell reads "<5" (primary) or "[c]" (complementary, and the
percentage of any suppressed count) in the CSV, the XLSX, the HTML and the Word files alike,
with a note under the table; the value of a complementary cell is in no output file."""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import replace

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest
from report_fixtures import make_outputs

from oncorwe.privacy.additivity import column_rule
from oncorwe.privacy.shareable import NOTE_KEY, is_suppressed, mark_suppressed, suppression_note
from oncorwe.privacy.suppression import suppress_table, suppress_tables
from oncorwe.report import write_report
from oncorwe.report.figures.cif import at_risk_at_ticks
from oncorwe.report.format import (
    format_count,
    format_n_pct,
    format_pct,
    format_pct_ci,
    format_range,
)
from oncorwe.report.narrative import hidden_count
from oncorwe.report.specs import RenderContext, generic_spec, render_spec
from oncorwe.report.word_footnotes import footnote_texts

NOTE = (
    "Counts of 1\u20134 are shown as <5; [c]: a further count withheld so that a count below 5 "
    "cannot be recovered from the total (complementary suppression), or a percentage or "
    "confidence interval that would reveal a withheld count."
)
MARKER = pd.DataFrame(
    {
        "characteristic": ["Marker class"] * 3,
        "level": ["rare", "frequent", "dominant"],
        "n": [3, 4711, 5200],
        "pct": [0.03, 47.37, 52.3],
        "median": [np.nan] * 3,
        "q1": [np.nan] * 3,
        "q3": [np.nan] * 3,
        "missing": [0, 0, 0],
    }
)
"""A hand-made characteristic: 3 is primary, 4711 (next smallest) its complement."""
COMPLEMENT_LEAKS = re.compile(r"(?<![\d.])4711(?![\d])|47\.37|47\.4%")


def test_note_names_only_the_symbols_used():
    assert suppression_note(5, complementary=True, derived=True) == NOTE
    assert suppression_note(5) == "Counts of 1\u20134 are shown as <5."
    assert suppression_note(11, derived=True) == (
        "Counts of 1\u201310 are shown as <11; [c]: a percentage or confidence interval that "
        "would reveal a withheld count."
    )
    assert suppression_note(2) == "Counts of 1 are shown as <2."


def test_mark_suppressed_by_hand():
    marked = mark_suppressed(suppress_table(MARKER, 5, column_rule(MARKER)), 5)
    assert marked["n"].tolist() == ["<5", "[c]", 5200]
    assert marked["n_suppressed"].tolist() == ["primary", "complementary", ""]
    assert marked["pct"].tolist() == ["[c]", "[c]", 52.3]
    assert marked.attrs["footnotes"] == (NOTE,) and marked.attrs[NOTE_KEY] == NOTE
    # idempotent, and nothing to do without min_cell or without a suppressed cell
    assert mark_suppressed(marked, 5).attrs["footnotes"] == (NOTE,)
    assert (
        mark_suppressed(suppress_table(MARKER, 5, column_rule(MARKER)), None)["n"].isna().sum() == 2
    )
    assert mark_suppressed(MARKER, 5) is MARKER


def test_response_ci_of_a_suppressed_count_is_withheld():
    response = pd.DataFrame(
        {
            "criteria": ["mRECIST"] * 3,
            "category": ["CR", "PR", "ORR"],
            "n": [2, 40, 42],
            "pct": [1.9, 37.0, 38.9],
            "ci_lower": [np.nan, np.nan, 29.6],
            "ci_upper": [np.nan, np.nan, 48.7],
        }
    )
    out = mark_suppressed(suppress_table(response, 5, column_rule(response)), 5)
    assert out["n"].tolist() == ["<5", "[c]", 42]  # PR 40 is the complement
    assert out["ci_lower"].tolist()[:2] == ["[c]", "[c]"]


def test_every_format_shows_the_suppressed_text():
    assert format_count("<5") == "<5" and format_count("[c]") == "[c]"
    assert format_n_pct("<5", "[c]") == "<5"
    assert format_n_pct("[c]", "[c]") == "[c]"
    assert format_pct("[c]") == "[c]"
    assert format_range("[c]", "[c]") == "[c]"
    assert format_pct_ci("[c]", "[c]", "[c]") == "[c]"
    assert [is_suppressed(v) for v in ("<5", "<11", "[c]", "5", "<0.001", 3)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_cif_at_risk_keeps_the_flags_of_a_suppressed_table():
    curve = pd.DataFrame(
        {
            "time": [1.0, 5.0, 9.0],
            "n_risk": [20.0, np.nan, np.nan],
            "n_risk_suppressed": ["", "primary", "primary"],
        }
    )
    at_risk = at_risk_at_ticks(curve, np.array([0.0, 6.0, 12.0]))
    assert at_risk["n_risk_suppressed"].tolist() == ["", "primary", ""]
    assert mark_suppressed(at_risk, 5)["n_risk"].tolist() == [20, "<5", 0]


def test_narrative_hides_a_small_count_and_its_complement():
    assert [hidden_count(n, 108, 5) for n in (0, 1, 4, 5, 103, 104, 107, 108)] == [
        None,
        "<5",
        "<5",
        None,
        None,
        ">103",
        ">103",
        None,
    ]
    assert hidden_count(1, 108, None) is None


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    outputs = make_outputs(synthetic=False)
    baseline = pd.concat([outputs.tables["baseline"], MARKER], ignore_index=True)
    tables = suppress_tables({**outputs.tables, "baseline": baseline}, 5)
    out = tmp_path_factory.mktemp("shareable")
    write_report(replace(outputs, tables=tables, min_cell=5), out, pdf=False)
    return out


def _row_texts(page: str, table: str) -> dict[str, list[str]]:
    """First cell -> the other cells' texts, of one HTML table."""
    body = re.search(rf'<table id="table-{table}">(.*?)</table>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in
                 re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]  # fmt: skip
        rows[cells[0]] = cells[1:]
    return rows


def test_csv_shows_the_symbols_and_the_note(shared):
    text = (shared / "tables" / "baseline.csv").read_text(encoding="utf-8")
    assert text.startswith(f"# {NOTE}\n")
    table = pd.read_csv(shared / "tables" / "baseline.csv", comment="#", dtype=str).fillna("")
    rows = table.set_index("level").loc[["rare", "frequent", "dominant", "Female", "Male"]]
    assert rows["n"].tolist() == ["<5", "[c]", "5200", "<5", "[c]"]
    flags = ["primary", "complementary", "", "primary", "complementary"]
    assert rows["n_suppressed"].tolist() == flags
    assert rows["pct"].tolist()[:2] == ["[c]", "[c]"]
    at_risk = pd.read_csv(shared / "tables" / "os_at_risk.csv", comment="#", dtype=str)
    # every 3 months: 12 11 10 6 6, then 3 2 2 1 (hidden), 0 past the last time
    assert at_risk["n_risk"].tolist() == ["12", "11", "10", "6", "6"] + ["<5"] * 4 + ["0"]


def test_xlsx_cells_and_notes_sheet(shared):
    workbook = openpyxl.load_workbook(shared / "tables" / "baseline.xlsx")
    rows = list(workbook["table"].iter_rows(values_only=True))
    header = rows[0]
    by_level = {r[header.index("level")]: r for r in rows[1:]}
    assert by_level["rare"][header.index("n")] == "<5"
    assert by_level["frequent"][header.index("n")] == "[c]"
    assert by_level["dominant"][header.index("n")] == 5200  # still a number
    assert [r[0] for r in workbook["notes"].iter_rows(values_only=True)] == [NOTE]


def test_html_cells_note_and_summary(shared):
    page = (shared / "report.html").read_text(encoding="utf-8")
    rows = _row_texts(page, "baseline")
    assert rows["rare"] == ["<5"] and rows["frequent"] == ["[c]"]
    assert rows["dominant"] == ["5200 (52.3%)"]
    notes = re.search(r'<table id="table-baseline">.*?</table>\s*<ol class="footnotes">(.*?)</ol>',
                      page, re.S).group(1)  # fmt: skip
    assert NOTE in html.unescape(notes)
    # 15 -> 14 -> 12, excluded 1 and 2: 14 is hidden too, or 1 = 15 - 14 (the last count,
    # the cohort size, is printed everywhere and stays)
    assert _row_texts(page, "attrition")["2"] == ["Stage IV or recurrent HCC", "[c]", "<5"]
    assert _row_texts(page, "attrition")["3"] == ["Received RT and an ICI", "12", "<5"]
    assert re.findall(r"<strong>n = (.*?)</strong>", page) == ["15", "[c]", "12"]  # the flow
    assert "In-field recurrence occurred in &lt;5 patients." in page  # not "Only one patient"
    assert "Counts of 1\u20134 are shown as &lt;5." in page  # the KM figures' caption


def test_docx_table_text_and_footnote(shared):
    document = docx.Document(str(shared / "tables" / "baseline.docx"))
    cells = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert (cells["rare"], cells["frequent"], cells["Female"]) == ("<5", "[c]", "<5")
    assert NOTE in footnote_texts(document).values()
    assert NOTE in footnote_texts(docx.Document(str(shared / "report.docx"))).values()


def test_the_complementary_value_is_in_no_output(shared):
    """4711 (and its 47.37%) may be read from no byte: text files as they are, XLSX and DOCX
    by their XML parts, SVG figures as text (PNG and PDF figures draw the same texts)."""
    texts = {}
    for path in sorted(shared.rglob("*")):
        if path.suffix in (".html", ".csv", ".svg"):
            texts[str(path)] = path.read_text(encoding="utf-8")
        elif path.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(path) as package:
                for member in package.namelist():
                    texts[f"{path}:{member}"] = package.read(member).decode("utf-8", "replace")
    assert len(texts) > 50
    leaks = {name: COMPLEMENT_LEAKS.findall(text) for name, text in texts.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_a_table_shown_without_a_spec_keeps_its_formats_and_symbols():
    table = pd.DataFrame(
        {"pattern": ["a", "b", "c", "d"], "n": [3, 35, 20, 50], "pct": [2.7, 32.4, 18.5, 46.4]}
    )
    marked = mark_suppressed(suppress_table(table, 5, column_rule(table)), 5)
    spec = generic_spec("patterns", marked)
    assert [(c.label, c.fmt) for c in spec.columns] == [
        ("Pattern", "text"),
        ("N", "count"),
        ("Pct", "pct"),
    ]  # no "N suppressed" column: the cells say it
    (shown,) = render_spec(marked, spec, RenderContext())
    assert shown.rows == (
        ("a", "<5", "[c]"),
        ("b", "35", "32.4%"),
        ("c", "[c]", "[c]"),
        ("d", "50", "46.4%"),
    )
    assert shown.footnotes == (suppression_note(5, complementary=True, derived=True),)
