"""One explorer state without a browser: numbers, exports and shareable output."""

from dataclasses import replace

import pandas as pd
import pytest

from oncorwe.api import Study
from oncorwe.explore.view import compute_view, export_csv, figure_bytes, grouping_columns
from oncorwe.protocol.model import Privacy
from oncorwe.synth import seed_twin_path


@pytest.fixture(scope="module")
def study():
    return Study.load(seed_twin_path())


def test_grouping_columns_are_categorical(study):
    columns = grouping_columns(study.cohort)
    assert {"sequence", "pvtt_present", "child_pugh_class", "sex"} <= set(columns)
    assert "age" not in columns and "patient_id" not in columns and "os_event" not in columns


def test_view_shows_the_api_numbers(study):
    view = compute_view(study.cohort, study.protocol, "os", "sequence", None, True)
    assert view.error == "" and view.image.startswith(b"\x89PNG")
    expected = study.km("os", by="sequence").summary
    for row in expected.itertuples():
        assert f"data-group='{row.group}' data-value='{row.n}'" in view.summary_html
    assert "id='logrank'" in view.summary_html and "id='landmark-table'" in view.landmarks_html


def test_errors_become_a_message(study):
    view = compute_view(study.cohort, study.protocol, "os", "", "child_pugh == 'B'")
    assert view.result is None and "'child_pugh'" in view.error
    view = compute_view(study.cohort, study.protocol, "os", "", "age > 500")
    assert view.result is None and "age > 500" in view.error


def test_exports(study):
    result = compute_view(study.cohort, study.protocol, "pfs", "pvtt_present", None).result
    csv = export_csv(result)
    frame = pd.read_csv(pd.io.common.StringIO(csv))
    assert frame["group"].tolist() == ["No", "Yes"]
    assert frame["n"].sum() == result.summary["n"].sum()
    assert {"surv_6m", "surv_12m", "surv_24m", "p_logrank"} <= set(frame.columns)
    assert figure_bytes(result, "svg").lstrip().startswith(b"<?xml")
    # no timestamp in the bytes: two exports are identical
    assert figure_bytes(result, "png") == figure_bytes(result, "png")


def test_shareable_view_shows_no_small_count(study):
    protocol = replace(study.protocol, privacy=Privacy(shareable=True, min_cell=5))
    view = compute_view(study.cohort, protocol, "os", "sequence", "child_pugh_class == 'B'")
    exact = study.km("os", by="sequence", where="child_pugh_class == 'B'").summary
    assert ((exact["n"] < 5) | (exact["events"] < 5)).any()
    assert "&lt;5" in view.summary_html or "[c]" in view.summary_html
    for value in exact.loc[exact["n"] < 5, "n"]:
        assert "data-field='n' data-group='" in view.summary_html
        assert f">{value}</td>" not in view.summary_html
    csv = pd.read_csv(pd.io.common.StringIO(export_csv(view.result)))
    shown = pd.to_numeric(csv["n"], errors="coerce").dropna()
    assert not ((shown > 0) & (shown < 5)).any()


def test_ticked_levels_become_a_filter(study):
    from oncorwe.explore.view import combined_where, level_choices, quick_filter_columns

    columns = quick_filter_columns(study.cohort, study.protocol)
    assert columns[:2] == ["child_pugh_class", "sequence"]
    choices = {c: level_choices(study.cohort, c) for c in columns}
    assert choices["pvtt_present"] == {"False": "No", "True": "Yes"}
    everything = {c: tuple(levels) for c, levels in choices.items()}
    assert combined_where("", everything, choices) == ""
    picks = {**everything, "child_pugh_class": ("'A'",), "pvtt_present": ("True", "evil()")}
    where = combined_where("age >= 50", picks, choices)
    assert where == "child_pugh_class in ['A'] and pvtt_present in [True] and (age >= 50)"
    cohort = study.cohort
    expected = cohort[(cohort["child_pugh_score"] <= 6) & (cohort["pvtt_present"] == True)]  # noqa: E712
    expected = expected[expected["age"] >= 50]
    assert study.km("os", where=where).summary["n"].iloc[0] == len(expected)
