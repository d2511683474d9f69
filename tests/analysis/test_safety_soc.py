"""Adverse events by SOC and term: once per patient at the worst grade, worked by hand."""

import pandas as pd
import pytest

from oncorwe.analysis.safety import (
    SOC_COLUMNS,
    TERM_COLUMNS,
    UNMAPPED_SOC,
    adverse_events_by_soc,
    adverse_events_by_term,
    unmapped_term_findings,
)
from oncorwe.derive.toxicity import summarize_adverse_events

INV = "Investigations"
GI = "Gastrointestinal disorders"

# P1: platelets G3 and ALT G2 (Investigations worst 3); P2: ALT G1, diarrhea G5;
# P3: platelets G1 and ALT G4 (Investigations worst 4), "Made-up term" G2; P4: nausea G2.
WORST = pd.DataFrame(
    {
        "patient_id": ["P1", "P1", "P2", "P2", "P3", "P3", "P3", "P4"],
        "term": [
            "Platelet count decreased",
            "Alanine aminotransferase increased",
            "Alanine aminotransferase increased",
            "Diarrhea",
            "Platelet count decreased",
            "Alanine aminotransferase increased",
            "Made-up term",
            "Nausea",
        ],
        "worst_grade": pd.array([3, 2, 1, 5, 1, 4, 2, 2], dtype="Int64"),
    }
)
N = 10


def _row(table, soc, term):
    rows = table[(table["soc"] == soc) & (table["term"].isna() if term is None else
                                          (table["term"] == term))]  # fmt: skip
    assert len(rows) == 1
    return rows.iloc[0]


def test_soc_totals_count_each_patient_once_at_worst_grade():
    table = adverse_events_by_soc(WORST, N)
    assert list(table.columns) == SOC_COLUMNS
    inv = _row(table, INV, None)
    # P1 (worst 3), P2 (1), P3 (4): any 3, grade 1-2: 1, grade 3-4: 2, grade >= 3: 2
    assert (inv.any_n, inv.grade1_2_n, inv.grade3_4_n, inv.grade5_n, inv.grade3plus_n) == (
        3, 1, 2, 0, 2,
    )  # fmt: skip
    assert inv.any_pct == pytest.approx(30.0) and inv.grade3plus_pct == pytest.approx(20.0)
    alt = _row(table, INV, "Alanine aminotransferase increased")
    assert (alt.any_n, alt.grade1_2_n, alt.grade3_4_n) == (3, 2, 1)
    gi = _row(table, GI, None)
    # P2 diarrhea G5, P4 nausea G2
    assert (gi.any_n, gi.grade1_2_n, gi.grade5_n, gi.grade3plus_n) == (2, 1, 1, 1)
    assert gi.grade5_pct == pytest.approx(10.0)
    unmapped = _row(table, UNMAPPED_SOC, "Made-up term")
    assert unmapped.any_n == 1


def test_order_total_first_then_terms_and_socs_by_frequency():
    table = adverse_events_by_soc(WORST, N)
    assert table["soc"].tolist() == [INV, INV, INV, GI, GI, GI, UNMAPPED_SOC, UNMAPPED_SOC]
    assert table["term"].tolist() == [
        None,
        "Alanine aminotransferase increased",
        "Platelet count decreased",
        None,
        "Diarrhea",
        "Nausea",
        None,
        "Made-up term",
    ]


def test_invariant_to_row_order():
    shuffled = WORST.sample(frac=1, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        adverse_events_by_soc(shuffled, N), adverse_events_by_soc(WORST, N)
    )


def test_unmapped_terms_give_a_finding():
    findings = unmapped_term_findings(WORST)
    assert findings["value"].tolist() == ["Made-up term"]
    assert findings["rule"].tolist() == ["ae.term_unknown"]
    assert UNMAPPED_SOC in findings["message"].iloc[0]


def test_by_term_adds_percentages_to_the_lead_table():
    table = adverse_events_by_term(WORST, N)
    assert list(table.columns) == TERM_COLUMNS
    lead = summarize_adverse_events(WORST, N)
    pd.testing.assert_frame_equal(table[lead.columns], lead, check_dtype=False)
    alt = table.set_index("term").loc["Alanine aminotransferase increased"]
    assert alt.grade1_2_pct == pytest.approx(20.0) and alt.grade3_4_pct == pytest.approx(10.0)


def test_empty_input():
    empty = WORST.iloc[0:0]
    assert list(adverse_events_by_soc(empty, N).columns) == SOC_COLUMNS
    assert adverse_events_by_term(empty, N).empty
    assert unmapped_term_findings(empty).empty
