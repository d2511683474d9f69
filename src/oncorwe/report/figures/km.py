"""Kaplan-Meier figure with censor marks and a number-at-risk table that cannot misalign.

The time grid is computed once (``time_grid``); it is set as the curve's x ticks *and* handed to
``km.at(ticks)`` for the at-risk counts, and the counts are drawn on an axis that shares the
curve's x axis, at the tick positions themselves. The counts are read from the fit (the
statistics layer defines "at risk at t" as in R's ``summary.survfit(times=)``); nothing is
recomputed here.

References
----------
.. [1] Pocock SJ, Clayton TC, Altman DG. Survival plots of time-to-event outcomes in clinical
   trials: good practice and pitfalls. Lancet 2002;359:1686-9 (numbers at risk under the axis).
.. [2] lifelines issues #562, #1383 and survminer #649: at-risk tables misaligned or off by one,
   the failure this layout rules out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from oncorwe.errors import InputError
from oncorwe.report.figures.style import add_synthetic_banner, curve_figure, figure_style
from oncorwe.report.format import conf_label, format_compact, format_count

TICK_STEPS = (1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 48.0)
MAX_TICKS = 10
CURVE_COLOR = "#1f4e79"


@dataclass(frozen=True)
class KMFigure:
    """A drawn Kaplan-Meier figure with the grid and the counts it shows.

    Attributes
    ----------
    figure : the matplotlib figure (Agg canvas).
    ticks : the x-axis ticks, in months; also the columns of the at-risk table.
    at_risk : ``km.at(ticks)`` (``time, surv, lower, upper, n_risk``): exactly what is drawn.
    """

    figure: Figure
    ticks: np.ndarray
    at_risk: pd.DataFrame


def tick_step(max_time: float) -> float:
    """The smallest of 1, 2, 3, 6, 12, 24, 48 months giving at most ``MAX_TICKS`` intervals."""
    for step in TICK_STEPS:
        if max_time / step <= MAX_TICKS:
            return step
    return TICK_STEPS[-1] * math.ceil(max_time / (TICK_STEPS[-1] * MAX_TICKS))


def time_grid(max_time: float, step: float | None = None) -> np.ndarray:
    """Ticks ``0, step, 2 step, ...`` up to the first multiple of ``step`` >= ``max_time``."""
    step = tick_step(max_time) if step is None else float(step)
    intervals = max(1, math.ceil(max_time / step - 1e-9))
    return np.arange(intervals + 1, dtype=float) * step


def at_risk_counts(km: Any, ticks: np.ndarray) -> pd.DataFrame:
    """``km.at(ticks, extend=True)`` (ticks past the last time kept, n_risk 0), checked to
    hold one row per tick, in tick order."""
    table = km.at(ticks, extend=True).reset_index(drop=True)
    if len(table) != len(ticks) or not np.allclose(table["time"].to_numpy(float), ticks):
        raise InputError(
            f"Kaplan-Meier fit: at(times) returned times {list(table['time'])} for ticks "
            f"{list(ticks)}; the at-risk table needs one row per tick"
        )
    return table


def _curve_arrays(table: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Step coordinates starting at (0, 1): time, surv, lower, upper."""
    time = np.concatenate([[0.0], table["time"].to_numpy(float)])
    surv = np.concatenate([[1.0], table["surv"].to_numpy(float)])
    lower = np.concatenate([[1.0], table["lower"].to_numpy(float)])
    upper = np.concatenate([[1.0], table["upper"].to_numpy(float)])
    return time, surv, lower, upper


def _draw_curve(ax: Any, km: Any, show_ci: bool) -> None:
    table = km.table
    time, surv, lower, upper = _curve_arrays(table)
    if show_ci:
        ax.fill_between(
            time,
            lower,
            upper,
            step="post",
            color=CURVE_COLOR,
            alpha=0.15,
            linewidth=0,
            label=conf_label(getattr(km, "conf_level", 0.95)),
        )
    ax.step(time, surv, where="post", color=CURVE_COLOR, linewidth=1.4)
    censored = table[table["n_censor"] > 0]
    ax.plot(
        censored["time"],
        censored["surv"],
        linestyle="none",
        marker="+",
        markersize=6,
        markeredgewidth=1.0,
        color=CURVE_COLOR,
        label="Censored",
    )


def _draw_at_risk(ax: Any, at_risk: pd.DataFrame, label: str, min_cell: int | None = None) -> None:
    """Counts at the tick positions, on an axis sharing the curve's x axis (``min_cell``:
    counts below it drawn as "<min_cell", for shareable output)."""
    transform = ax.get_xaxis_transform()  # x in data units, y in axes units
    for time, n in zip(at_risk["time"], at_risk["n_risk"], strict=True):
        ax.text(
            time,
            0.4,
            format_count(n, min_cell),
            ha="center",
            va="center",
            transform=transform,
            gid="at-risk-count",
        )
    ax.annotate(
        label,
        xy=(0, 0.4),
        xycoords="axes fraction",
        xytext=(-14, 0),
        textcoords="offset points",
        ha="right",
        va="center",
        fontweight="bold",
    )
    ax.set_title("Number at risk", loc="left", fontsize=9, fontweight="bold", pad=2)
    ax.tick_params(axis="both", which="both", length=0, labelbottom=False, labelleft=False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_ylim(0, 1)


def plot_km(
    km: Any,
    *,
    label: str,
    ticks: np.ndarray | None = None,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    annotation: str | None = None,
    show_ci: bool = True,
    synthetic: bool = False,
    min_cell: int | None = None,
) -> KMFigure:
    """Draw a Kaplan-Meier curve with censor marks and its number-at-risk table.

    Parameters
    ----------
    km : a fit from ``oncorwe.stats.kaplan_meier`` (``.table``, ``.at(times)``); times in months.
    label : row label of the at-risk table (e.g. ``"OS"``).
    ticks : x-axis grid; by default ``time_grid`` of the longest follow-up.
    annotation : text above the plot, right-aligned (e.g. the median with CI, from ``results``).
    show_ci : shade the pointwise confidence band.
    synthetic : add the synthetic-data banner.
    min_cell : shareable output: at-risk counts ``1..min_cell-1`` are drawn as ``<min_cell``.

    Returns
    -------
    KMFigure
        The figure, its ticks and the at-risk counts drawn under them.

    References
    ----------
    .. [1] Pocock et al. 2002 (module docstring).
    """
    # step 1: one grid for ticks and counts
    if ticks is None:
        ticks = time_grid(float(km.table["time"].max()))
    ticks = np.asarray(ticks, dtype=float)
    at_risk = at_risk_counts(km, ticks)
    with figure_style():
        # step 2: curve axis above, at-risk axis below, sharing x
        fig, ax, risk_ax = curve_figure(synthetic)
        # step 3: the curve, its grid and labels
        _draw_curve(ax, km, show_ci)
        ax.set_xticks(ticks, [format_compact(t) for t in ticks])
        ax.set_xlim(ticks[0], ticks[-1])
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="lower left", frameon=False)
        if annotation:
            ax.set_title(annotation, loc="right", fontsize=8.5)
        # step 4: the counts, at the same ticks
        _draw_at_risk(risk_ax, at_risk, label, min_cell)
        if synthetic:
            add_synthetic_banner(fig)
    return KMFigure(figure=fig, ticks=ticks, at_risk=at_risk)
