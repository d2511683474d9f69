"""Report text names the options the results record (Cox ties, proportion CI), and endpoint
labels come from the endpoint declarations."""

from __future__ import annotations

from optional_fixtures import cox_frame, subgroups_frame
from report_fixtures import response_frame

from oncorwe.report import display
from oncorwe.report.registry import BY_NAME
from oncorwe.report.specs import RenderContext, render_spec


def _meta(**options):
    return {"meta": {"conf_level": 0.95, **options}}


def test_recorded_options_name_the_method():
    recorded = _meta(ties="breslow", proportion_ci="wilson")
    assert display.ties_text(recorded) == "Breslow ties"
    assert display.proportion_ci_text(recorded) == "Wilson score"
    # results that record nothing were made with the statistics functions' defaults
    assert display.ties_text(_meta()) == "Efron ties"
    assert display.proportion_ci_text(_meta()) == "exact (Clopper\u2013Pearson)"


def test_footnotes_read_the_recorded_ties():
    context = RenderContext(conf_level=0.95, ties=display.ties_text(_meta(ties="breslow")))
    cox = render_spec(cox_frame(), BY_NAME["cox"], context)[0]
    assert any("Breslow ties; Wald p values" in note for note in cox.footnotes)
    subgroups = render_spec(subgroups_frame(), BY_NAME["subgroups"], context)[0]
    assert any("univariable Cox models (Breslow ties)" in note for note in subgroups.footnotes)
    assert not any("Efron" in note for note in cox.footnotes + subgroups.footnotes)


def test_response_footnote_reads_the_recorded_interval():
    text = display.proportion_ci_text(_meta(proportion_ci="wilson"))
    table = display.response_table(response_frame(), "all patients", 0.95, text)
    assert "Confidence intervals for ORR and DCR are Wilson score." in table.footnotes


def test_endpoint_labels_from_declarations():
    assert display.endpoint_label("TTF") == "Time to treatment failure"
    assert display.endpoint_label("ihpfs", {"ihpfs": "Intrahepatic PFS"}) == "Intrahepatic PFS"
    assert display.endpoint_label("other") == "other"
