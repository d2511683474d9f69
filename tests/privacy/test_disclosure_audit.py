"""The audit of a suppression pattern: feasibility intervals worked out by hand."""

from __future__ import annotations

import numpy as np

from oncorwe.privacy.disclosure_audit import exposed_cells, feasibility_intervals, reader_bounds


def test_reader_bounds_of_primary_complementary_and_zero_cells():
    values = np.array([3.0, 40.0, 0.0])
    lower, upper = reader_bounds(values, np.array([True, False, False]), 5)
    np.testing.assert_array_equal(lower, [1, 5, 0])
    np.testing.assert_array_equal(upper, [4, np.inf, 0])


def test_a_small_cell_and_its_complement_under_a_known_total():
    # x + y = 7, x shown as <5 (1..4), y as [c] (5 or more): x in 1..2, y in 5..6
    sign = np.array([[1.0, 1.0]])
    values, hidden, primary = np.array([2.0, 5.0]), np.array([True, True]), np.array([True, False])
    low, high = feasibility_intervals(sign, values, hidden, *reader_bounds(values, primary, 5))
    np.testing.assert_allclose(low, [1, 5])
    np.testing.assert_allclose(high, [2, 6])
    assert not exposed_cells(sign, values, hidden, primary, 5).any()
    # x + y = 6: y is at least 5, so y = 5 and x = 1
    values = np.array([1.0, 5.0])
    assert exposed_cells(sign, values, hidden, primary, 5).all()


def test_two_by_two_table_with_its_margins():
    # a b | 13      a = 3 (primary), b, c, d complementary; a + b = 13, c + d = 32,
    # c d | 32      a + c = 15, b + d = 30: one free parameter, a in 1..4 -> b in 9..12,
    # 15  30        c in 11..14, d in 18..21 (d = 17 + a)
    sign = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=float)
    values = np.array([3.0, 10.0, 12.0, 20.0])
    hidden, primary = np.ones(4, dtype=bool), np.array([True, False, False, False])
    low, high = feasibility_intervals(sign, values, hidden, *reader_bounds(values, primary, 5))
    np.testing.assert_allclose(low, [1, 9, 11, 18])
    np.testing.assert_allclose(high, [4, 12, 14, 21])
    # with d shown, a = 3 again: 20 = 17 + a
    hidden[3] = False
    assert exposed_cells(sign, values, hidden, primary, 5)[:3].all()


def test_a_cell_below_2_is_one_by_its_symbol_and_not_counted_as_a_leak():
    sign = np.array([[1.0, 1.0]])
    values, hidden, primary = np.array([1.0, 1.0]), np.array([True, True]), np.array([True, True])
    assert not exposed_cells(sign, values, hidden, primary, 2).any()
    # the same cells with min_cell 5: 1 + 1 = 2 and each is at least 1
    assert exposed_cells(sign, values, hidden, primary, 5).all()


def test_shown_cells_and_unrelated_hidden_cells_have_no_interval_to_pin():
    sign = np.array([[1.0, 1.0, 0.0]])
    values, hidden = np.array([2.0, 50.0, 3.0]), np.array([True, False, True])
    primary = np.array([True, False, True])
    low, high = feasibility_intervals(sign, values, hidden, *reader_bounds(values, primary, 5))
    assert np.isnan(low[1]) and (low[0], high[0]) == (2.0, 2.0)  # x = total - 50
    assert (low[2], high[2]) == (1.0, 4.0)  # in no relation: what "<5" says
    np.testing.assert_array_equal(
        exposed_cells(sign, values, hidden, primary, 5), [True, False, False]
    )
