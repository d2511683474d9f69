"""Flow diagram: one box per step with its count, an exclusion box where patients left."""

from __future__ import annotations

from report_fixtures import PATIENT_IDS, make_outputs

from oncorwe.report.figures.flow import plot_flow


def test_boxes_carry_the_attrition_counts():
    attrition = make_outputs().tables["attrition"]
    texts = [t.get_text() for t in plot_flow(attrition).axes[0].texts]
    assert texts == [
        "Patients in the source data\nn = 15",
        "Stage IV or recurrent HCC\nn = 14",
        "Excluded: one patient",
        "Received RT and an ICI\nn = 12",
        "Excluded: 2 patients",
    ]
    assert not any(p in t for t in texts for p in PATIENT_IDS)
