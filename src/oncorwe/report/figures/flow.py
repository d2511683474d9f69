"""CONSORT/STROBE-style flow diagram drawn from the cohort's attrition table.

One box per eligibility step with the patients remaining, an arrow down to the next step, and a
side box with the patients excluded at that step. Only counts are drawn (never patient ids).

References
----------
.. [1] von Elm E, et al. The STROBE statement. Lancet 2007;370:1453-7, item 13 (numbers of
   individuals at each stage, with a flow diagram).
.. [2] Schulz KF, et al. CONSORT 2010 statement, flow diagram template.
"""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from oncorwe.report.figures.style import add_synthetic_banner, figure_style, new_figure
from oncorwe.report.format import format_count, nonzero_count_phrase

BOX_COLOR = "#1f4e79"
STEP_HEIGHT = 1.0
WRAP = 38


def _box(ax, x: float, y: float, width: float, text: str, dashed: bool = False) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - 0.3),
            width,
            0.6,
            boxstyle="round,pad=0.02",
            facecolor="white" if dashed else "#f4f6f9",
            edgecolor="#5a5a5a" if dashed else BOX_COLOR,
            linestyle="--" if dashed else "-",
            linewidth=1.0,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def plot_flow(attrition: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Draw the flow diagram.

    Parameters
    ----------
    attrition : ``step, description, n_remaining, n_excluded`` in step order.
    synthetic : add the synthetic-data banner.

    Returns
    -------
    Figure
    """
    steps = attrition.reset_index(drop=True)
    height = STEP_HEIGHT * len(steps) + 0.6
    with figure_style():
        fig = new_figure(7.0, 0.9 * height + 0.4)
        ax = fig.add_axes((0.02, 0.02, 0.96, 0.9 if synthetic else 0.96))
        ax.set_xlim(0, 10)
        ax.set_ylim(-height + 0.5, 0.6)
        ax.axis("off")
        for index, row in steps.iterrows():
            y = -index * STEP_HEIGHT
            label = textwrap.fill(str(row["description"]), WRAP)
            _box(ax, 3.2, y, 5.6, f"{label}\nn = {format_count(row['n_remaining'])}")
            excluded = nonzero_count_phrase(row["n_excluded"])
            if index > 0:
                ax.add_patch(
                    FancyArrowPatch(
                        (3.2, y + STEP_HEIGHT - 0.3),
                        (3.2, y + 0.3),
                        arrowstyle="-|>",
                        mutation_scale=10,
                        color=BOX_COLOR,
                    )
                )
            if excluded:
                _box(ax, 8.1, y + STEP_HEIGHT / 2, 3.4, f"Excluded: {excluded}", True)
                ax.plot([3.2, 6.4], [y + STEP_HEIGHT / 2] * 2, color="#5a5a5a", linewidth=0.8)
        if synthetic:
            add_synthetic_banner(fig)
    return fig
