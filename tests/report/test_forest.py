"""Forest plots: rows read from the subgroup and Cox tables, drawn on a log axis with texts."""

from __future__ import annotations

import numpy as np
from optional_fixtures import cox_frame, subgroups_frame

from oncorwe.report.figures.forest import model_forest_rows, plot_forest, subgroup_forest_rows


def test_subgroup_rows_header_then_levels():
    rows = subgroup_forest_rows(subgroups_frame(), "os")
    assert list(rows["label"]) == ["PVTT", "  No", "  Yes", "Sex", "  Male", "  Female"]
    assert list(rows["header"]) == [True, False, False, True, False, False]
    assert list(rows["counts"]) == ["", "7/3", "5/4", "", "10/6", "2/1"]
    assert list(rows["hr_text"]) == [
        "", "Reference", "2.50 (0.90\u20136.94)", "", "Reference", "0.04 (<0.01\u20130.41)",
    ]  # fmt: skip
    assert list(rows["p_text"])[0] == "0.041" and list(rows["p_text"])[3] == "<0.001"


def test_model_rows_only_multivariable():
    rows = model_forest_rows(cox_frame(), "OS")
    assert list(rows["label"]) == ["Multivariable model", "  PVTT (yes vs no)", "  Sex: Female"]
    assert rows["counts"].iloc[0] == "11/7"
    assert list(rows["p_text"])[1:] == ["0.068", "0.470"]
    assert model_forest_rows(cox_frame(), "PFS").empty


def test_plot_log_axis_reference_line_and_texts():
    rows = subgroup_forest_rows(subgroups_frame(), "OS")
    fig = plot_forest(rows, title="OS by subgroup")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlim() == (0.01, 10.0)  # around 0.004 (clipped) .. 6.94
    vertical = [line for line in ax.lines if list(line.get_xdata()) == [1.0, 1.0]]
    assert vertical, "reference line at HR = 1"
    texts = {t.get_text() for t in ax.texts}
    assert {"2.50 (0.90\u20136.94)", "7/3", "Reference", "Patients/events", "0.041"} <= texts
    squares = [line for line in ax.lines if line.get_marker() == "s"]
    assert sorted(float(np.asarray(s.get_xdata())[0]) for s in squares) == [0.04, 2.5]


def test_interval_off_the_axis_ends_in_an_arrow():
    rows = subgroup_forest_rows(subgroups_frame(), "OS")  # Female lower limit 0.004 < 0.01
    ax = plot_forest(rows).axes[0]
    assert ax.get_xlim()[0] == 0.01
    assert any(line.get_marker() == "<" for line in ax.lines)
