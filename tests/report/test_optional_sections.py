"""write_report with every optional table: sections, figures (PNG+SVG+PDF), Word, checklist."""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd
import pytest
from optional_fixtures import optional_tables
from report_fixtures import make_outputs

from oncorwe.report import write_report
from oncorwe.report.sections import AUTHORS, SECTIONS, checklist_frame, checklist_items

docx = pytest.importorskip("docx")
from oncorwe.report.word_footnotes import footnote_texts  # noqa: E402

FIGURES = ("flow", "os_km", "pfs_km", "os_forest_subgroups", "pfs_forest_subgroups",
           "os_forest_multivariable", "swimmer", "waterfall")  # fmt: skip


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("optional")
    base = make_outputs()
    results = {**base.results, "meta": {**base.results["meta"], "group_variable": "sequence"}}
    outputs = dataclasses.replace(
        base, tables={**base.tables, **optional_tables()}, results=results
    )
    page = write_report(outputs, out, pdf=False).read_text(encoding="utf-8")
    return out, page


def test_every_section_shown_in_order(written):
    _, page = written
    positions = [page.index(f'<section id="{anchor}">') for anchor, _, _ in SECTIONS]
    assert positions == sorted(positions)


def test_optional_tables_in_the_page(written):
    _, page = written
    for name in ("subgroups_os", "subgroups_pfs", "cox_os", "baseline_by_group",
                 "published_comparison", "adverse_events_by_soc", "checklist"):  # fmt: skip
        assert f'<table id="table-{name}">' in page, name
    assert "Baseline characteristics by sequence" in page
    assert "2.50 (0.90\u20136.94)" in page and "1 (reference)" in page


def test_every_figure_in_three_formats_and_embedded(written):
    out, page = written
    for name in FIGURES:
        for suffix in ("png", "svg", "pdf"):
            assert (out / "figures" / f"{name}.{suffix}").stat().st_size > 5_000, (name, suffix)
        assert (out / "figures" / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
    # every figure but the flow diagram (drawn in HTML itself) is an embedded SVG
    assert page.count('src="data:image/svg+xml;base64,') == len(FIGURES) - 1
    assert 'id="figure-os_forest_subgroups"' in page and 'id="figure-waterfall"' in page


def test_word_report_has_the_new_tables_figures_and_footnotes(written):
    out, _ = written
    document = docx.Document(str(out / "report.docx"))
    assert len(document.inline_shapes) == len(FIGURES)
    notes = set(footnote_texts(document).values())
    assert any("log-rank test across levels" in n for n in notes)
    assert "Finn RS, et al. N Engl J Med 2020;382:1894-905" in notes
    one = docx.Document(str(out / "tables" / "subgroups_os.docx"))
    header = [c.text for c in one.tables[0].rows[0].cells]
    assert header == ["Subgroup", "Patients", "Events", "Median, months (95% CI)",
                      "HR (95% CI)", "Log-rank p"]  # fmt: skip


def test_checklist_table_and_csv(written):
    out, page = written
    table = pd.read_csv(out / "tables" / "checklist.csv", comment="#")
    assert list(table.columns) == ["guideline", "item", "recommendation", "where"]
    where = dict(zip(table["guideline"] + " " + table["item"], table["where"], strict=True))
    assert where["STROBE 13(c)"] == "Cohort selection"
    assert where["STROBE 16(a)"] == "Subgroups and regression models"
    assert where["STROBE 14(c)"] == "Survival"
    assert where["RECORD 12.1"] == AUTHORS
    assert len(table) == 29


def test_checklist_names_absent_sections():
    core = [anchor for anchor, _, always in SECTIONS if always]
    frame = checklist_frame(core).set_index(["guideline", "item"])
    assert frame.loc[("STROBE", "16(a)"), "where"] == (
        "Not shown: Subgroups and regression models not available"
    )
    assert frame.loc[("STROBE", "17"), "where"].startswith("Not shown")


def test_checklist_sections_exist():
    anchors = {anchor for anchor, _, _ in SECTIONS}
    for ids in checklist_items()["sections"]:
        assert {i for i in ids.split(";") if i} <= anchors


def test_absent_optional_table_is_logged(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="oncorwe.report"):
        write_report(make_outputs(), tmp_path, pdf=False)
    assert "table 'subgroups' not in the analysis outputs: not shown" in caplog.text
    assert "section 'comparison' has no table or figure: not shown" in caplog.text
