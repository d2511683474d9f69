"""Small-cell suppression: no count 1..min_cell-1 remains, a suppressed cell cannot be
recovered from its group's total, and non-shareable output is unchanged (issue 6, item 3)."""

import numpy as np
import pandas as pd

from oncorwe.analysis.suppression import suppress_table, suppress_tables

BASELINE = pd.DataFrame(
    {
        "characteristic": ["sex", "sex", "ecog", "ecog", "ecog", "bclc", "bclc"],
        "level": ["M", "F", "0", "1", "2", "B", "C"],
        "n": [95, 13, 60, 45, 3, 20, 88],
        "pct": [87.96, 12.04, 55.56, 41.67, 2.78, 18.52, 81.48],
        "median": [np.nan] * 7,
    }
)


def test_primary_and_complementary_suppression_by_hand():
    out = suppress_table(BASELINE, 5)
    # ecog 2 (n = 3) is primary; ecog 1 (45, the next smallest of 60/45) is complementary
    flags = ["", "", "", "complementary", "primary", "", ""]
    assert out["n_suppressed"].tolist() == flags
    hidden = out["n_suppressed"].astype(bool)
    assert out["n"].isna().tolist() == hidden.tolist()
    assert out["pct"].isna().tolist() == hidden.tolist()
    # the rest is unchanged, and ecog 2 cannot be recovered as 108 - 60 - 45
    kept = ~hidden
    assert out.loc[kept, "n"].tolist() == BASELINE.loc[kept, "n"].tolist()
    ecog = out[out["characteristic"] == "ecog"]
    assert ecog["n"].isna().sum() >= 2


def test_no_small_cell_remains_and_two_hidden_cells_need_no_complement():
    table = pd.DataFrame(
        {
            "criteria": ["mRECIST"] * 4 + ["RECIST1.1"] * 4,
            "category": ["CR", "PR", "SD", "PD"] * 2,
            "n": [1, 40, 63, 4, 0, 30, 70, 8],
            "pct": [0.9, 37.0, 58.3, 3.7, 0.0, 27.8, 64.8, 7.4],
        }
    )
    out = suppress_table(table, 5)
    shown = out["n"].dropna()
    assert not ((shown >= 1) & (shown < 5)).any()
    # mRECIST: CR and PD are both primary, so no complement is needed
    assert out["n_suppressed"].tolist()[:4] == ["primary", "", "", "primary"]
    # RECIST1.1 has no small cell and is untouched (0 is shown)
    assert out["n"].tolist()[4:] == [0, 30, 70, 8]


def test_every_count_column_and_its_percentages():
    ae = pd.DataFrame(
        {
            "term": ["Fatigue", "Rash", "Pneumonitis"],
            "any_n": [30, 12, 2],
            "any_pct": [27.8, 11.1, 1.9],
            "grade3plus_n": [3, 0, 1],
            "grade3plus_pct": [2.8, 0.0, 0.9],
        }
    )
    out = suppress_table(ae, 5)
    assert out["any_n_suppressed"].tolist() == ["", "complementary", "primary"]
    assert out["grade3plus_n_suppressed"].tolist() == ["primary", "", "primary"]
    assert out["any_pct"].isna().tolist() == [False, True, True]
    assert out["grade3plus_pct"].isna().tolist() == [True, False, True]


def test_a_lone_small_cell_beside_zeros_gets_a_zero_complement():
    table = pd.DataFrame({"characteristic": ["x"] * 3, "level": list("abc"), "n": [3, 0, 0]})
    out = suppress_table(table, 5)
    assert out["n_suppressed"].tolist() == ["primary", "complementary", ""]


def test_min_cell_11_and_at_risk_counts():
    at_risk = pd.DataFrame(
        {"endpoint": ["os"] * 4, "time": [0, 6, 12, 24], "n_risk": [108, 60, 12, 9]}
    )
    out = suppress_table(at_risk, 11)
    assert out["n_risk"].isna().tolist() == [False, False, True, True]


def test_tables_without_small_cells_are_unchanged_and_patient_level_tables_dropped():
    big = BASELINE[BASELINE["n"] >= 5]
    pd.testing.assert_frame_equal(suppress_table(big, 5), big)
    tables = suppress_tables({"baseline": big, "swimmer": big}, 5)
    assert list(tables) == ["baseline"]


def test_the_ci_of_a_suppressed_response_count_is_suppressed_too():
    response = pd.DataFrame(
        {
            "criteria": ["mRECIST"] * 3,
            "category": ["CR", "PR", "ORR"],
            "n": [2, 40, 42],
            "pct": [1.9, 37.0, 38.9],
            "ci_lower": [0.2, 27.9, 29.6],
            "ci_upper": [6.6, 46.8, 48.7],
        }
    )
    out = suppress_table(response, 5)
    assert out["ci_lower"].isna().tolist() == [True, True, False]
    assert out["ci_upper"].isna().tolist() == [True, True, False]
    # a median's CI (no pct column) is not a count's: kept
    survival = pd.DataFrame({"endpoint": ["lc"], "n": [3], "ci_lower": [4.0], "ci_upper": [9.0]})
    assert suppress_table(survival, 5)["ci_lower"].tolist() == [4.0]
