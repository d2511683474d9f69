"""Kaplan-Meier figure: at-risk counts sit on the x ticks and equal km.at(ticks).n_risk."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from report_fixtures import OS_AT_RISK_BY_HAND, OS_EVENT, OS_TIME

from oncorwe.errors import InputError
from oncorwe.report.figures.km import plot_km, time_grid
from oncorwe.report.figures.style import save_figure
from oncorwe.stats import kaplan_meier


def drawn_counts(drawn):
    """(x position, text) of every number drawn on the at-risk axis."""
    risk_ax = drawn.figure.axes[1]
    return [
        (t.get_position()[0], t.get_text()) for t in risk_ax.texts if t.get_gid() == "at-risk-count"
    ]


def test_time_grid_covers_follow_up():
    assert list(time_grid(25.0, 6)) == [0, 6, 12, 18, 24, 30]
    assert list(time_grid(24.0, 6)) == [0, 6, 12, 18, 24]
    assert list(time_grid(40.0)) == [0, 6, 12, 18, 24, 30, 36, 42]
    assert list(time_grid(0.5)) == [0, 1]


def test_at_risk_on_ties_and_censoring_at_ticks_equals_hand_count():
    km = kaplan_meier(OS_TIME, OS_EVENT)
    ticks = np.array(list(OS_AT_RISK_BY_HAND))
    drawn = plot_km(km, label="OS", ticks=ticks)
    # the numbers are the fit's own, and they are right by hand (time >= t)
    assert list(drawn.at_risk["n_risk"]) == list(km.at(ticks, extend=True)["n_risk"])
    assert list(drawn.at_risk["n_risk"]) == list(OS_AT_RISK_BY_HAND.values())
    assert [int((OS_TIME >= t).sum()) for t in ticks] == list(OS_AT_RISK_BY_HAND.values())
    # and they are drawn exactly at the curve's ticks
    curve_ticks = drawn.figure.axes[0].get_xticks()
    positions = [x for x, _ in drawn_counts(drawn)]
    texts = [s for _, s in drawn_counts(drawn)]
    np.testing.assert_array_equal(curve_ticks, ticks)
    np.testing.assert_array_equal(positions, ticks)
    assert texts == [str(n) for n in OS_AT_RISK_BY_HAND.values()]
    assert drawn.figure.axes[1].get_xlim() == drawn.figure.axes[0].get_xlim()


def test_default_grid_is_the_axis_ticks():
    km = kaplan_meier([1, 3, 3, 5, 8, 8, 8, 14], [1, 0, 1, 1, 0, 1, 1, 0])
    drawn = plot_km(km, label="PFS")
    np.testing.assert_array_equal(drawn.figure.axes[0].get_xticks(), drawn.ticks)
    assert [x for x, _ in drawn_counts(drawn)] == list(drawn.ticks)
    # 8 is a tick (every 2 months): three leave at 8 (two events, one censored), at risk at 8
    assert dict(zip(drawn.ticks, drawn.at_risk["n_risk"], strict=True))[8.0] == 4


def test_censor_marks_at_censored_times():
    km = kaplan_meier(OS_TIME, OS_EVENT)
    marks = plot_km(km, label="OS").figure.axes[0].lines[-1]
    np.testing.assert_array_equal(marks.get_xdata(), [4.5, 6.0, 12.0, 20.2, 25.0])


def test_figures_are_byte_reproducible(tmp_path):
    km = kaplan_meier(OS_TIME, OS_EVENT)
    digests = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        paths = save_figure(plot_km(km, label="OS", synthetic=True).figure, tmp_path / run / "os")
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
    assert digests[0] == digests[1]


def test_at_risk_needs_one_row_per_tick():
    class Truncating:
        table = kaplan_meier(OS_TIME, OS_EVENT).table

        def at(self, times, extend=False):
            return kaplan_meier(OS_TIME, OS_EVENT).at(times, extend=False)

    with pytest.raises(InputError, match="one row per tick"):
        plot_km(Truncating(), label="OS", ticks=np.array([0.0, 12.0, 36.0]))
