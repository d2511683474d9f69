"""Patient-level displays above the protocol's limit: a seeded sample, summaries in workbooks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from optional_fixtures import optional_tables, swimmer_frame, waterfall_frame
from report_fixtures import make_outputs

from oncorwe.report import write_report
from oncorwe.report.patient_displays import (
    sample_patients,
    swimmer_summary,
    waterfall_summary,
    workbook_frame,
)


def _timelines(n: int) -> pd.DataFrame:
    """Two rows per patient 1..n; the start time is the patient's number."""
    subject = np.repeat(np.arange(1, n + 1), 2)
    return pd.DataFrame({"subject": subject, "kind": ["ici", "death"] * n, "start_months": subject})


def test_up_to_the_limit_every_patient_is_drawn():
    table = _timelines(5)
    shown = sample_patients(table, 5)
    assert shown.rows is table and shown.note == ""


def test_above_the_limit_a_seeded_sample_renumbered_in_order():
    table = _timelines(1000)
    first, again = sample_patients(table, 30), sample_patients(table, 30)
    assert first.rows.equals(again.rows)  # the same patients in every run
    assert sorted(first.rows["subject"].unique()) == list(range(1, 31))
    assert len(first.rows) == 60  # every row of a drawn patient
    # original order kept: the start time (= original number) increases with the new number
    original = first.rows.groupby("subject")["start_months"].first().to_numpy()
    assert (np.diff(original) > 0).all() and len(set(original)) == 30
    assert "random sample of 30 of the 1,000 patients" in first.note
    assert not sample_patients(table, 30, seed=1).rows.equals(first.rows)


def test_swimmer_summary_by_kind_and_label():
    summary = swimmer_summary(swimmer_frame()).set_index(["kind", "label"])
    assert summary.loc[("death", ""), ["patients", "records"]].tolist() == [2, 2]
    assert summary.loc[("death", ""), "median_start_months"] == 7.0  # (2 + 12) / 2
    assert summary.loc[("response", "PR"), "records"] == 1
    assert summary.loc[("ici", "sintilimab"), "min_start_months"] == 1.2
    assert len(summary) == 11  # 3 ICI agents, 2 RT targets, 3 responses, 3 events


def test_waterfall_summary_by_best_response():
    frame = pd.concat([waterfall_frame()] * 2, ignore_index=True)
    frame.loc[5:, "best_pct_change"] = frame.loc[5:, "best_pct_change"] / 2
    summary = waterfall_summary(frame).set_index("bor")
    assert summary.loc["PD"].tolist() == [2, 2, 26.25, 21.875, 30.625, 17.5, 35.0]
    assert summary.loc["NE", ["patients", "measured"]].tolist() == [2, 0]


def test_workbook_holds_the_summary_above_the_limit():
    table = waterfall_frame()
    assert workbook_frame("waterfall", table, 5) is table
    assert workbook_frame("survival", table, 1) is table  # not a patient-level table
    summary = workbook_frame("waterfall", table, 4)
    assert summary["bor"].tolist() == ["CR", "NE", "PD", "PR", "SD"]
    assert summary.attrs["footnotes"] == [
        "Summary of 5 patients (more than the protocol's report.max_patients_shown = 4); one "
        "row per patient is in waterfall.csv."
    ]


@pytest.mark.parametrize("limit", [300, 2])
def test_report_files_above_and_below_the_limit(tmp_path, limit):
    outputs = make_outputs()
    outputs = replace(outputs, tables={**outputs.tables, **optional_tables()})
    page = write_report(outputs, tmp_path, pdf=False, max_patients_shown=limit)
    text = page.read_text(encoding="utf-8")
    sheet = load_workbook(tmp_path / "tables" / "swimmer.xlsx")["table"]
    header = [c.value for c in sheet[2]]  # row 1 is the synthetic banner
    csv = pd.read_csv(tmp_path / "tables" / "swimmer.csv", comment="#")
    assert len(csv) == 12  # the CSV keeps every row either way
    if limit == 300:
        assert header == ["subject", "kind", "start_months", "end_months", "label"]
        assert "random sample" not in text
    else:
        assert header[:3] == ["kind", "label", "patients"]
        assert "A random sample of 2 of the 3 patients is drawn" in text
        assert "A random sample of 2 of the 4 patients is drawn" in text  # waterfall: measured
