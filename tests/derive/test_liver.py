"""Child-Pugh, ALBI, BCLC and PVTT mapping: hand-worked cases (docs/references/liver.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oncorwe.derive.liver import (
    LiverInputError,
    albi_grade,
    albi_score,
    bclc_stage,
    child_pugh_class,
    child_pugh_score,
    pvtt_to_cheng,
    pvtt_to_vp,
)

# bilirubin, albumin, INR, ascites, encephalopathy -> points (by hand from the Child-Pugh table)
CHILD_PUGH = [
    (15.0, 42.0, 1.1, "none", "none", 5),
    (33.9, 35.1, 1.69, "none", "none", 5),  # just inside every 1-point band
    (34.0, 35.0, 1.7, "none", "none", 8),  # every lab boundary scores 2 points
    (51.0, 28.0, 2.3, "none", "none", 8),
    (51.1, 27.9, 2.31, "none", "none", 11),
    (20.0, 40.0, 1.0, "mild", "none", 6),
    (20.0, 40.0, 1.0, "moderate_severe", "grade_1_2", 8),
    (60.0, 25.0, 2.5, "moderate_severe", "grade_3_4", 15),
]


@pytest.mark.parametrize(("bili", "alb", "inr", "asc", "enc", "want"), CHILD_PUGH)
def test_child_pugh_score(bili, alb, inr, asc, enc, want):
    assert child_pugh_score(bili, alb, inr, asc, enc) == want


def test_child_pugh_vectorised_and_missing():
    frame = pd.DataFrame(
        [row[:5] for row in CHILD_PUGH] + [(np.nan, 40.0, 1.0, "none", "none"),
                                           (20.0, 40.0, 1.0, None, "none")],
        columns=["bilirubin_umol_l", "albumin_g_l", "inr", "ascites", "encephalopathy"],
        index=range(10, 20),
    )  # fmt: skip
    out = child_pugh_score(*(frame[c] for c in frame.columns))
    assert list(out.index) == list(frame.index)
    np.testing.assert_array_equal(out.to_numpy()[:8], [r[5] for r in CHILD_PUGH])
    assert out.iloc[8:].isna().all()


@pytest.mark.parametrize(
    ("score", "label", "letter"),
    [(5, "A5", "A"), (6, "A6", "A"), (7, "B7", "B"), (9, "B9", "B"), (10, "C10", "C"),
     (15, "C15", "C")],
)  # fmt: skip
def test_child_pugh_class(score, label, letter):
    assert child_pugh_class(score) == label
    assert child_pugh_class(score, with_score=False) == letter


def test_child_pugh_class_series_and_errors():
    out = child_pugh_class(pd.Series([5.0, np.nan, 8.0]))
    assert out.tolist() == ["A5", None, "B8"]
    assert child_pugh_class(np.nan) is None
    for bad in (4, 16, 6.5):
        with pytest.raises(LiverInputError):
            child_pugh_class(bad)
    with pytest.raises(LiverInputError, match="ascites"):
        child_pugh_score(20, 40, 1.0, "severe", "none")
    with pytest.raises(LiverInputError, match="bilirubin"):
        child_pugh_score(-1, 40, 1.0, "none", "none")


def test_albi_domain_test_vectors():
    # ALBI worked examples: albumin 35, bilirubin 20.52 -> -2.109 (grade 2); 40 / 17.1 -> -2.586 (2)
    assert albi_score(20.52, 35.0) == pytest.approx(0.66 * np.log10(20.52) - 0.085 * 35.0)
    assert albi_score(20.52, 35.0) == pytest.approx(-2.109, abs=5e-4)
    assert albi_score(17.1, 40.0) == pytest.approx(-2.586, abs=5e-4)
    assert albi_grade(albi_score(20.52, 35.0)) == "2"
    assert albi_grade(albi_score(17.1, 40.0)) == "2"


@pytest.mark.parametrize(
    ("score", "grade", "modified"),
    [(-3.0, "1", "1"), (-2.60, "1", "1"), (-2.599, "2", "2a"), (-2.27, "2", "2a"),
     (-2.2, "2", "2b"), (-1.39, "2", "2b"), (-1.389, "3", "3"), (0.2, "3", "3")],
)  # fmt: skip
def test_albi_grade_cutoffs(score, grade, modified):
    assert albi_grade(score) == grade
    assert albi_grade(score, modified=True) == modified


def test_albi_vectorised():
    bili = pd.Series([10.0, 30.0, np.nan], index=["a", "b", "c"])
    alb = pd.Series([45.0, 30.0, 40.0], index=["a", "b", "c"])
    score = albi_score(bili, alb)
    assert list(score.index) == ["a", "b", "c"]
    assert albi_grade(score).tolist() == ["1", "2", None]
    with pytest.raises(LiverInputError):
        albi_score(0.0, 40.0)


# ecog, child-pugh, count, largest cm, macrovascular invasion, extrahepatic -> BCLC (2022 fig. 1)
BCLC = [
    (0, 5, 1, 1.8, False, False, "0"),
    (0, 6, 1, 2.0, False, False, "0"),
    (0, 5, 1, 6.0, False, False, "A"),
    (0, 5, 3, 3.0, False, False, "A"),
    (0, 5, 3, 3.1, False, False, "B"),
    (0, 5, 4, 2.0, False, False, "B"),
    (1, 5, 1, 1.5, False, False, "C"),
    (0, 6, 2, 4.0, True, False, "C"),
    (0, 5, 2, 4.0, False, True, "C"),
    (2, 7, 5, 9.0, True, True, "C"),
    (3, 5, 1, 1.0, False, False, "D"),
    (0, 10, 1, 1.0, False, False, "D"),
    (np.nan, 5, 1, 1.0, False, False, None),
    (0, 5, np.nan, 1.0, False, False, None),
    (0, 5, np.nan, np.nan, True, False, "C"),
    (np.nan, 12, np.nan, np.nan, None, None, "D"),
]


@pytest.mark.parametrize(("ecog", "cp", "n", "cm", "mvi", "ehs", "want"), BCLC)
def test_bclc_stage(ecog, cp, n, cm, mvi, ehs, want):
    assert bclc_stage(ecog, cp, n, cm, mvi, ehs) == want


def test_bclc_vectorised():
    cols = list(zip(*[row[:6] for row in BCLC], strict=True))
    out = bclc_stage(*(pd.Series(c) for c in cols))
    assert out.tolist() == [row[6] for row in BCLC]


def test_pvtt_mapping():
    values = pd.Series(["none", "Vp1", "Vp2", "Vp3", "Vp4", "I", "II", "III", "IV", None])
    assert pvtt_to_cheng(values).tolist() == [
        "none", "I", "I", "II", "III", "I", "II", "III", "IV", None
    ]  # fmt: skip
    assert pvtt_to_vp(values).tolist() == [
        "none", "Vp1", "Vp2", "Vp3", "Vp4", "Vp2", "Vp3", "Vp4", "Vp4", None
    ]  # fmt: skip
    assert pvtt_to_vp("III") == "Vp4"
    with pytest.raises(LiverInputError, match="pvtt"):
        pvtt_to_vp("Vp5")
