"""Number formatting: one decimal for percentages, NR for not reached, en dash ranges."""

from __future__ import annotations

import math

from oncorwe.report.format import (
    count_phrase,
    format_compact,
    format_estimate_ci,
    format_median_iqr,
    format_n_pct,
    format_pct_ci,
    format_proportion_ci,
)


def test_count_with_percentage_to_one_decimal():
    assert format_n_pct(58, 100 * 58 / 108) == "58 (53.7%)"
    assert format_n_pct(69.0, 100 * 69 / 108) == "69 (63.9%)"


def test_compact_drops_trailing_zero():
    assert format_compact(55.0) == "55"
    assert format_compact(52.5) == "52.5"


def test_median_with_confidence_interval_and_not_reached():
    assert (
        format_estimate_ci(17.04, 14.2, 20.13, unit=" months")
        == "17.0 months (95% CI 14.2\u201320.1)"
    )
    assert format_estimate_ci(14.1, 6.0, math.nan) == "14.1 (95% CI 6.0\u2013NR)"
    assert format_estimate_ci(None, 6.0, None) == "NR (95% CI 6.0\u2013NR)"


def test_percentage_and_survival_probability_with_ci():
    assert format_pct_ci(75.0, 65.76, 82.5, conf_level=0.9) == "75.0% (90% CI 65.8\u201382.5%)"
    assert format_proportion_ci(0.7333, 0.379, 0.9056) == "73.3% (95% CI 37.9\u201390.6%)"


def test_median_iqr_and_prose_counts():
    assert format_median_iqr(55, 50, 60.04) == "55.0 (50.0\u201360.0)"
    assert count_phrase(1) == "one patient"
    assert count_phrase(0) == "no patient"
    assert count_phrase(33) == "33 patients"


def test_absent_values_read_as_a_dash_not_as_empty_brackets():
    assert format_median_iqr(math.nan, None, None) == "\u2013"
    assert format_proportion_ci(1.0, math.nan, math.nan) == "100.0%"
