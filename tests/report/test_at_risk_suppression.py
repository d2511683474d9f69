"""Shareable output: numbers at risk below min_cell are drawn and written as "<min_cell"."""

import numpy as np
import pandas as pd

from oncorwe.privacy.suppression import suppress_counts
from oncorwe.report.figures.km import plot_km
from oncorwe.report.format import format_count
from oncorwe.stats import kaplan_meier


def test_format_count_suppresses_small_non_zero_counts():
    assert [format_count(n, 5) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
    assert format_count(3) == "3"  # not shareable: exact


def test_km_figure_draws_suppressed_at_risk_counts():
    # 12 patients, one event a month: at risk 12, 6, 0 at months 0, 6, 12; 3 at month 9
    time = np.arange(1, 13, dtype=float)
    km = kaplan_meier(time, np.ones(12, dtype=int))
    drawn = plot_km(km, label="OS", ticks=np.array([0.0, 3.0, 6.0, 9.0, 12.0]), min_cell=5)
    texts = [t.get_text() for t in drawn.figure.findobj(lambda a: a.get_gid() == "at-risk-count")]
    assert drawn.at_risk["n_risk"].tolist() == [12, 10, 7, 4, 1]
    assert texts == ["12", "10", "7", "<5", "<5"]
    written = suppress_counts(drawn.at_risk, "n_risk", 5)
    assert written["n_risk_suppressed"].tolist() == ["", "", "", "primary", "primary"]
    assert pd.isna(written["n_risk"].iloc[3])
