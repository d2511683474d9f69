"""Kaplan-Meier curves of several groups on one axis, one number-at-risk row per group.

One curve (no grouping) is the report's own figure (``report.figures.km.plot_km``). Several
curves follow the same layout rules, with the report's pieces: one time grid
(``km.time_grid``) is both the x ticks and the times of every at-risk row
(``km.at_risk_counts``, i.e. the fit's own ``at(ticks)``), and the counts are drawn on an axis
sharing the curve axis' x, at the tick positions, so no row can drift from the axis.

References
----------
.. [1] Pocock SJ, Clayton TC, Altman DG. Survival plots of time-to-event outcomes in clinical
   trials: good practice and pitfalls. Lancet 2002;359:1686-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from oncorwe.report.figures.cif import COLORS, LINESTYLES
from oncorwe.report.figures.km import KMFigure, at_risk_counts, plot_km, time_grid
from oncorwe.report.figures.style import add_synthetic_banner, figure_style, new_figure
from oncorwe.report.format import format_compact, format_count

ROW_HEIGHT = 0.32
"""Height of one at-risk row, in the curve axis' height units (the curve axis is 5)."""


def plot_survival(
    fits: list[tuple[str, Any]],
    *,
    label: str,
    annotation: str | None = None,
    ylabel: str = "Survival probability",
    synthetic: bool = False,
    min_cell: int | None = None,
) -> KMFigure:
    """Draw one Kaplan-Meier curve per group with its at-risk row.

    Parameters
    ----------
    fits : ``(group label, KaplanMeier)`` pairs, in legend order; one pair draws the report's
        single-curve figure (with its confidence band).
    label : the at-risk row label when there is one curve (e.g. ``"OS"``).
    annotation : text above the plot, right-aligned (e.g. log-rank p).
    synthetic : add the synthetic-data banner.
    min_cell : shareable output: counts ``1..min_cell-1`` drawn as ``<min_cell``.

    Returns
    -------
    KMFigure
        The figure, its ticks and ``at_risk`` (``group, time, n_risk``): what is drawn.
    """
    longest = max(float(km.table["time"].max()) if len(km.table) else 0.0 for _, km in fits)
    ticks = time_grid(max(longest, 1e-9))
    if len(fits) == 1:
        group, km = fits[0]
        drawn = plot_km(
            km, label=label, ticks=ticks, annotation=annotation, ylabel=ylabel,
            synthetic=synthetic, min_cell=min_cell,
        )  # fmt: skip
        return KMFigure(drawn.figure, drawn.ticks, drawn.at_risk.assign(group=group))
    counts = [at_risk_counts(km, ticks).assign(group=group) for group, km in fits]
    with figure_style():
        fig, ax, risk_ax = _grouped_figure(len(fits), synthetic)
        for i, (group, km) in enumerate(fits):
            _draw_group_curve(ax, km, group, i)
        ax.set_xticks(ticks, [format_compact(t) for t in ticks])
        ax.set_xlim(ticks[0], ticks[-1])
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Months")
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower left", frameon=False)
        if annotation:
            ax.set_title(annotation, loc="right", fontsize=8.5)
        _draw_rows(risk_ax, counts, min_cell)
        if synthetic:
            add_synthetic_banner(fig)
    at_risk = pd.concat(counts, ignore_index=True)[["group", "time", "n_risk"]]
    return KMFigure(figure=fig, ticks=ticks, at_risk=at_risk)


def _grouped_figure(n_groups: int, synthetic: bool):
    """Curve axis above, an at-risk axis of ``n_groups`` rows below sharing its x axis."""
    rows = ROW_HEIGHT * (n_groups + 1)
    fig = new_figure(6.5, 4.3 + 0.22 * n_groups)
    grid = fig.add_gridspec(2, 1, height_ratios=(5, rows), hspace=0.3)
    ax = fig.add_subplot(grid[0])
    risk_ax = fig.add_subplot(grid[1], sharex=ax)
    fig.subplots_adjust(left=0.24, right=0.95, top=0.92 if synthetic else 0.96, bottom=0.04)
    return fig, ax, risk_ax


def _draw_group_curve(ax: Any, km: Any, group: str, index: int) -> None:
    table = km.table
    time = np.concatenate([[0.0], table["time"].to_numpy(float)])
    surv = np.concatenate([[1.0], table["surv"].to_numpy(float)])
    color = COLORS[index % len(COLORS)]
    style = LINESTYLES[index % len(LINESTYLES)]
    ax.step(time, surv, where="post", color=color, linestyle=style, linewidth=1.4, label=group)
    censored = table[table["n_censor"] > 0]
    ax.plot(
        censored["time"], censored["surv"], linestyle="none", marker="+", markersize=6,
        markeredgewidth=1.0, color=color,
    )  # fmt: skip


def _draw_rows(ax: Any, counts: list[pd.DataFrame], min_cell: int | None) -> None:
    """One row of counts per group, at the tick positions (x in data units)."""
    transform = ax.get_xaxis_transform()  # x in data units, y in axes units
    n = len(counts)
    for i, table in enumerate(counts):
        y = 1.0 - (i + 1.0) / (n + 0.5)
        color = COLORS[i % len(COLORS)]
        for time, count in zip(table["time"], table["n_risk"], strict=True):
            ax.text(
                time, y, format_count(count, min_cell), ha="center", va="center",
                transform=transform, gid="at-risk-count", color=color,
            )  # fmt: skip
        ax.annotate(
            str(table["group"].iloc[0]), xy=(0, y), xycoords="axes fraction", xytext=(-14, 0),
            textcoords="offset points", ha="right", va="center", color=color,
        )  # fmt: skip
    ax.set_title("Number at risk", loc="left", fontsize=9, fontweight="bold", pad=2)
    ax.tick_params(axis="both", which="both", length=0, labelbottom=False, labelleft=False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_ylim(0, 1)
