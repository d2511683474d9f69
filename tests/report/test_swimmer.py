"""Swimmer and waterfall plots from their tables (numbered subjects only)."""

from __future__ import annotations

import numpy as np
from optional_fixtures import swimmer_frame, waterfall_frame

from oncorwe.report.figures.swimmer import plot_swimmer, plot_waterfall


def test_swimmer_lanes_bars_and_markers():
    ax = plot_swimmer(swimmer_frame()).axes[0]
    bars = [p for p in ax.patches if round(p.get_height(), 2) in (0.62, 0.34)]
    spans = sorted((round(p.get_x(), 2), round(p.get_width(), 2)) for p in bars)
    assert spans == [(0.0, 1.0), (0.0, 2.0), (0.0, 14.0), (0.5, 1.0), (1.2, 4.8)]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["ICI exposure", "Radiotherapy", "CR", "PR", "SD", "Progression", "Death",
                      "Alive at last contact"]  # fmt: skip
    assert ax.get_ylabel() == "Patients (n = 3)"
    assert ax.get_ylim() == (3.8, 0.2)  # subject 1 on top


def test_waterfall_sorted_with_recist_lines():
    ax = plot_waterfall(waterfall_frame()).axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [35.0, 12.0, -45.0, -100.0]  # NE without a change is not drawn
    levels = sorted(float(np.asarray(line.get_ydata())[0]) for line in ax.lines)
    assert levels == [-30.0, 0.0, 20.0]
    assert ax.get_xlabel() == "Patients with a measurable change (n = 4)"
