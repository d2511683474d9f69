"""Table specs: the optional analysis tables rendered from small frames, cell by cell."""

from __future__ import annotations

import logging

import pandas as pd
from optional_fixtures import (
    adverse_events_by_soc_frame,
    baseline_by_group_frame,
    cox_frame,
    published_comparison_frame,
    subgroups_frame,
)

from oncorwe.report.format import format_p_value, format_ratio_ci
from oncorwe.report.registry import BY_NAME
from oncorwe.report.specs import RenderContext, generic_spec, render_spec

CONTEXT = RenderContext(conf_level=0.95, n_total=12, group_variable="RT and ICI sequence")


def test_p_value_and_ratio_formats():
    assert format_p_value(0.0412) == "0.041"
    assert format_p_value(0.00002) == "<0.001"
    assert format_ratio_ci(1.3514, 0.7794, 2.343) == "1.35 (0.78\u20132.34)"
    assert format_ratio_ci(0.04, 0.004, 0.41) == "0.04 (<0.01\u20130.41)"


def test_subgroups_one_table_per_endpoint_levels_under_variables():
    tables = render_spec(subgroups_frame(), BY_NAME["subgroups"], CONTEXT)
    assert [t.name for t in tables] == ["subgroups_os", "subgroups_pfs"]
    os_table = tables[0]
    assert os_table.title == "Survival by subgroup: Overall survival"
    assert os_table.columns == (
        "Subgroup", "Patients", "Events", "Median, months (95% CI)", "HR (95% CI)", "Log-rank p",
    )  # fmt: skip
    assert os_table.rows == (
        ("PVTT", "", "", "", "", "0.041"),
        ("No", "7", "3", "20.2 (8.3\u2013NR)", "1 (reference)", ""),
        ("Yes", "5", "4", "8.3 (6.0\u2013NR)", "2.50 (0.90\u20136.94)", ""),
        ("Sex", "", "", "", "", "<0.001"),
        ("Male", "10", "6", "14.1 (6.0\u2013NR)", "1 (reference)", ""),
        ("Female", "2", "1", "NR (2.0\u2013NR)", "0.04 (<0.01\u20130.41)", ""),
    )
    assert os_table.indent == (0, 1, 1, 0, 1, 1)
    assert "log-rank" in os_table.footnotes[0]


def test_cox_grouped_by_model():
    (table,) = render_spec(cox_frame(), BY_NAME["cox"], CONTEXT)
    assert table.name == "cox_os"
    assert table.rows[0][0] == "Univariable" and table.rows[3][0] == "Multivariable"
    assert table.rows[1] == ("PVTT (yes vs no)", "12", "7", "2.50 (0.90\u20136.94)", "0.078")
    assert table.rows[4] == ("PVTT (yes vs no)", "11", "7", "2.61 (0.93\u20137.30)", "0.068")
    assert "HR (95% CI)" in table.footnotes[0]


def test_row_notes_become_footnotes():
    frame = cox_frame()
    frame.loc[3, "note"] = "not estimable: monotone likelihood"
    (table,) = render_spec(frame, BY_NAME["cox"], CONTEXT)
    assert table.footnotes[-1] == "not estimable: monotone likelihood"


def test_baseline_by_group_wide_with_p_smd_and_tests():
    (table,) = render_spec(baseline_by_group_frame(), BY_NAME["baseline_by_group"], CONTEXT)
    assert table.title == "Baseline characteristics by RT and ICI sequence"
    assert table.columns == ("Characteristic", "Overall", "Concurrent", "Sequential", "p", "SMD")
    assert table.rows[0] == (
        "Age, years", "61.0 (55.5\u201367.2)", "63.0 (58.0\u201369.0)", "57.0 (52.0\u201362.0)",
        "0.310", "0.42",
    )  # fmt: skip
    assert table.rows[1] == ("Sex", "", "", "", "1.000", "0.09")
    assert table.rows[2] == ("Male", "10 (83.3%)", "6 (85.7%)", "4 (80.0%)", "", "")
    assert table.rows[-1] == ("Missing", "2", "1", "1", "", "")  # AFP only
    assert table.indent == (0, 0, 1, 1, 0, 1, 1)
    assert table.footnotes[-1] == (
        "p values: Wilcoxon rank-sum test (Age, years); Fisher's exact test (Sex, AFP > 400)."
    )


def test_adverse_events_by_soc_totals_as_headers():
    (table,) = render_spec(adverse_events_by_soc_frame(), BY_NAME["adverse_events_by_soc"], CONTEXT)
    assert table.columns[1] == "Any grade, n (%)" and table.columns[2] == "Grade 1\u20132, n"
    assert table.rows[0] == ("Investigations", "5 (41.7%)", "3", "2", "0", "2 (16.7%)")
    assert table.rows[1][0] == "Platelet count decreased"
    assert table.indent == (0, 1, 1, 0, 1)
    assert table.footnotes[-1].endswith("N = 12.")


def test_published_comparison_sources_as_footnotes():
    (table,) = render_spec(published_comparison_frame(), BY_NAME["published_comparison"], CONTEXT)
    assert table.columns[1] == "This cohort (95% CI)"
    assert table.rows[0] == (
        "ORR, %", "66.7 (34.9\u201390.1)", "Seed study", "RT + ICI", "44.4", "exact binomial",
        "0.160",
    )  # fmt: skip
    assert table.rows[1][1] == "14.1 (6.0\u2013NR)" and table.rows[1][-1] == "<0.001"
    assert "Finn RS, et al. N Engl J Med 2020;382:1894-905" in table.footnotes


def test_spec_with_missing_columns_falls_back_to_generic(caplog):
    frame = subgroups_frame().drop(columns=["hr_lower"])
    with caplog.at_level(logging.WARNING, logger="oncorwe.report"):
        (table,) = render_spec(frame, BY_NAME["subgroups"], CONTEXT)
    assert "lacks column(s) ['hr_lower']" in caplog.text
    assert table.name == "subgroups" and "Hr upper" in table.columns


def test_generic_spec_formats_by_dtype_and_hides_ids():
    frame = pd.DataFrame(
        {"patient_id": ["PT-1", "PT-2"], "site": ["liver", "bone"], "n": [3, 4],
         "rate_pct": [25.0, 33.333], "p_value": [0.2, 0.0001]}
    )  # fmt: skip
    spec = generic_spec("failure_patterns", frame, "Patterns of failure", "local-control")
    (table,) = render_spec(frame, spec, CONTEXT)
    assert table.columns == ("Site", "N", "Rate pct", "P value")
    assert table.rows == (("liver", "3", "25.0%", "0.200"), ("bone", "4", "33.3%", "<0.001"))
    assert all("PT-" not in cell for row in table.rows for cell in row)


def test_registered_spec_without_columns_is_generic_with_its_title():
    frame = pd.DataFrame({"group": ["all"], "n": [12], "eqd2_median": [60.0]})
    (table,) = render_spec(frame, BY_NAME["eqd2"], CONTEXT)
    assert table.title == "Radiotherapy dose, EQD2 and BED"
    assert table.rows == (("all", "12", "60.0"),)
