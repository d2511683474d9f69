"""Swimmer and waterfall plots from their tables (numbered subjects only)."""

from __future__ import annotations

import numpy as np
from optional_fixtures import swimmer_frame, waterfall_frame

from oncorwe.report.figures.swimmer import plot_swimmer, plot_waterfall


def rectangles(ax) -> list[tuple[float, float, float, float]]:
    """(left, width, bottom, height) of every bar: one collection of rectangles per kind."""
    found = []
    for collection in ax.collections:
        for path in collection.get_paths():
            (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
            if len(path.vertices) >= 4:
                found.append((float(x0), float(x1 - x0), float(y0), float(y1 - y0)))
    return found


def test_swimmer_lanes_bars_and_markers():
    ax = plot_swimmer(swimmer_frame()).axes[0]
    bars = [r for r in rectangles(ax) if round(r[3], 2) in (0.62, 0.34)]
    spans = sorted((round(left, 2), round(width, 2)) for left, width, _, _ in bars)
    assert spans == [(0.0, 1.0), (0.0, 2.0), (0.0, 14.0), (0.5, 1.0), (1.2, 4.8)]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["ICI exposure", "Radiotherapy", "CR", "PR", "SD", "Progression", "Death",
                      "Alive at last contact"]  # fmt: skip
    assert ax.get_ylabel() == "Patients (n = 3)"
    assert ax.get_ylim() == (3.8, 0.2)  # subject 1 on top


def test_waterfall_sorted_with_recist_lines():
    ax = plot_waterfall(waterfall_frame()).axes[0]
    bars = rectangles(ax)
    heights = [height if bottom >= 0 else -height for _, _, bottom, height in bars]
    assert heights == [35.0, 12.0, -45.0, -100.0]  # NE without a change is not drawn
    assert [left for left, *_ in bars] == [-0.4, 0.6, 1.6, 2.6]  # sorted, one bar per patient
    levels = sorted(float(np.asarray(line.get_ydata())[0]) for line in ax.lines)
    assert levels == [-30.0, 0.0, 20.0]
    assert ax.get_xlabel() == "Patients with a measurable change (n = 4)"
