"""BED / EQD2 against the worked-example table of docs/references/radiobiology.md (1 dp)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oncorwe.derive.radiobiology import (
    ALPHA_BETA_LIVER,
    ALPHA_BETA_LIVER_ALTERNATIVE,
    ALPHA_BETA_TUMOR,
    DoseInputError,
    bed,
    eqd2,
)
from oncorwe.errors import InputError

# regimen (total Gy, fractions) -> {alpha/beta: (BED, EQD2)}: worked examples of
# docs/references/radiobiology.md
WORKED = [
    (55.0, 25, {10: (67.1, 55.9), 3: (95.3, 57.2), 2: (115.5, 57.8)}),
    (40.0, 5, {10: (72.0, 60.0), 3: (146.7, 88.0), 2: (200.0, 100.0)}),
    (45.0, 3, {10: (112.5, 93.8), 3: (270.0, 162.0), 2: (382.5, 191.2)}),
    (50.0, 10, {10: (75.0, 62.5), 3: (133.3, 80.0), 2: (175.0, 87.5)}),
    (36.0, 6, {10: (57.6, 48.0), 3: (108.0, 64.8), 2: (144.0, 72.0)}),
    (30.0, 5, {10: (48.0, 40.0), 3: (90.0, 54.0), 2: (120.0, 60.0)}),
    (60.0, 30, {10: (72.0, 60.0), 3: (100.0, 60.0), 2: (120.0, 60.0)}),
]
CASES = [(d, n, ab, b, e) for d, n, table in WORKED for ab, (b, e) in table.items()]


@pytest.mark.parametrize(("dose", "fractions", "alpha_beta", "want_bed", "want_eqd2"), CASES)
def test_worked_examples(dose, fractions, alpha_beta, want_bed, want_eqd2):
    # the table is rounded to 0.1 Gy (191.25 printed as 191.2), so compare to 0.051
    assert bed(dose, fractions, alpha_beta) == pytest.approx(want_bed, abs=0.051)
    assert eqd2(dose, fractions, alpha_beta) == pytest.approx(want_eqd2, abs=0.051)


def test_exact_values():
    assert bed(45.0, 3, ALPHA_BETA_TUMOR) == 112.5
    assert eqd2(45.0, 3, 2.0) == pytest.approx(191.25)
    assert eqd2(40.0, 5, ALPHA_BETA_LIVER) == pytest.approx(88.0)


def test_constants():
    assert ALPHA_BETA_TUMOR == 10.0
    assert ALPHA_BETA_LIVER == 3.0
    assert ALPHA_BETA_LIVER_ALTERNATIVE == 2.0


@pytest.mark.parametrize("alpha_beta", [1.5, 2.0, 3.0, 8.0, 10.0, 15.0])
def test_two_gray_fractions_are_their_own_eqd2(alpha_beta):
    doses = np.array([2.0, 20.0, 50.0, 70.0])
    np.testing.assert_allclose(eqd2(doses, doses / 2.0, alpha_beta), doses)


def test_eqd2_is_bed_over_unit_bed():
    dose = np.array([55.0, 40.0, 45.0, 8.0])
    n = np.array([25, 5, 3, 1])
    for ab in (2.0, 3.0, 10.0):
        np.testing.assert_allclose(eqd2(dose, n, ab), bed(dose, n, ab) / (1 + 2.0 / ab))


def test_single_fraction_and_zero_dose():
    assert bed(8.0, 1, 10.0) == pytest.approx(14.4)
    assert bed(0.0, 1, 10.0) == 0.0
    assert eqd2(0.0, 5, 3.0) == 0.0


def test_vectorised_array_and_series():
    courses = pd.DataFrame(
        {"total_dose_gy": [40.0, 60.0, np.nan], "fractions": [5, 30, 5]}, index=[7, 8, 9]
    )
    out = eqd2(courses["total_dose_gy"], courses["fractions"], ALPHA_BETA_TUMOR)
    assert isinstance(out, pd.Series)
    assert list(out.index) == [7, 8, 9]
    np.testing.assert_allclose(out.to_numpy()[:2], [60.0, 60.0])
    assert np.isnan(out.iloc[2])  # missing dose propagates, never an error
    arr = bed(np.array([40.0, 45.0]), np.array([5, 3]), np.array([10.0, 2.0]))
    assert isinstance(arr, np.ndarray)
    np.testing.assert_allclose(arr, [72.0, 382.5])
    assert isinstance(bed(45, 3, 10), float)


@pytest.mark.parametrize(
    ("dose", "fractions", "alpha_beta", "column"),
    [
        (-1.0, 5, 10.0, "total_dose_gy"),
        (40.0, 0, 10.0, "fractions"),
        (40.0, 0.5, 10.0, "fractions"),
        (40.0, 5, 0.0, "alpha_beta"),
        ([40.0, 30.0], [5, 0], 10.0, "fractions"),
    ],
)
def test_bad_input_raises(dose, fractions, alpha_beta, column):
    for func in (bed, eqd2):
        with pytest.raises(DoseInputError, match=column):
            func(dose, fractions, alpha_beta)
    # the error is both an oncorwe InputError and a ValueError
    assert issubclass(DoseInputError, InputError)
    assert issubclass(DoseInputError, ValueError)


def test_bad_row_is_named():
    with pytest.raises(DoseInputError, match="row 1"):
        bed([40.0, 30.0], [5, 0], 10.0)


def test_non_numeric_raises():
    with pytest.raises(DoseInputError):
        bed("forty", 5, 10.0)
