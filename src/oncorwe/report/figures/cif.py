"""Cumulative incidence of each first-failure type, with the number at risk under the axis.

Drawn from the analysis' ``failure_cif`` table (``pattern, label, time, n_risk, estimate, ...``:
one Aalen-Johansen curve per failure type, the others competing; one row per distinct time, event
or censoring, as R's ``cmprsk`` / ``survfit`` tables). Each curve is a step function from (0, 0).
The x ticks come from the Kaplan-Meier figures' grid (``km.time_grid``) and the same ticks are the
columns of the at-risk row, so counts and axis cannot misalign. All types share the risk set (a
patient leaves it at the first failure of any type or at censoring), so one row of counts is
drawn: at a tick ``t`` the ``n_risk`` of the first table time at or after ``t`` (``0`` past the
last time), as R's ``summary(fit, times = t, extend = TRUE)`` reads it. In shareable output
the table's ``n_risk`` is suppressed already (``n_risk_suppressed``); a tick reading a
suppressed count keeps its flag and is drawn as ``<min_cell`` (``privacy.shareable``).

References
----------
.. [1] Pocock SJ, Clayton TC, Altman DG. Survival plots of time-to-event outcomes in clinical
   trials: good practice and pitfalls. Lancet 2002;359:1686-9.
.. [2] Austin PC, Lee DS, Fine JP. Introduction to the analysis of survival data in the presence
   of competing risks. Circulation 2016;133:601-9 (cumulative incidence, not 1 - KM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from oncorwe.errors import InputError
from oncorwe.privacy.shareable import mark_suppressed
from oncorwe.privacy.suppression import SHOWN, SUPPRESSED_SUFFIX
from oncorwe.report.figures.km import _draw_at_risk, time_grid
from oncorwe.report.figures.style import add_synthetic_banner, curve_figure, figure_style
from oncorwe.report.format import format_compact

CIF_COLUMNS = ("pattern", "label", "time", "n_risk", "estimate")
COLORS = ("#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#404040")
LINESTYLES = ("-", "--", "-.", ":", "-", "--")


@dataclass(frozen=True)
class CIFFigure:
    """The drawn figure, its ticks and the at-risk counts under them (``time, n_risk``)."""

    figure: Figure
    ticks: np.ndarray
    at_risk: pd.DataFrame


def at_risk_at_ticks(curve: pd.DataFrame, ticks: np.ndarray) -> pd.DataFrame:
    """``n_risk`` of the first time >= each tick (0 after the last time), read from ``curve``.

    A suppressed ``curve`` (``n_risk_suppressed``, NaN or text in the hidden cells) gives
    suppressed ticks: ``n_risk`` NaN and the flag carried over.
    """
    times = curve["time"].to_numpy(float)
    n_risk = pd.to_numeric(curve["n_risk"], errors="coerce").to_numpy(float)
    position = np.searchsorted(times, ticks, side="left")
    inside = position < times.size
    at = np.minimum(position, times.size - 1)
    counts = np.where(inside, n_risk[at], 0.0)
    flag = "n_risk" + SUPPRESSED_SUFFIX
    if flag not in curve.columns:
        return pd.DataFrame({"time": ticks, "n_risk": counts.astype(int)})
    flags = np.where(inside, curve[flag].fillna(SHOWN).astype(str).to_numpy()[at], SHOWN)
    return pd.DataFrame({"time": ticks, "n_risk": counts, flag: flags})


def plot_cif(
    table: pd.DataFrame,
    *,
    ticks: np.ndarray | None = None,
    xlabel: str = "Months",
    synthetic: bool = False,
    min_cell: int | None = None,
) -> CIFFigure:
    """Draw one cumulative-incidence step curve per failure type and the number at risk.

    Parameters
    ----------
    table : the ``failure_cif`` table (``pattern, label, time, n_risk, estimate``), times in
        months, each pattern's rows sorted by time.
    ticks : x-axis grid; by default the KM figures' ``time_grid`` of the longest time.
    synthetic : add the synthetic-data banner.
    min_cell : shareable output: at-risk counts below it, or suppressed in ``table``, are
        drawn as ``<min_cell``.
    """
    missing = [c for c in CIF_COLUMNS if c not in table.columns]
    if missing or table.empty:
        raise InputError(f"table failure_cif: needs rows and columns {missing or CIF_COLUMNS}")
    # step 1: one grid for ticks and counts
    if ticks is None:
        ticks = time_grid(float(table["time"].max()))
    ticks = np.asarray(ticks, dtype=float)
    curves = list(table.groupby("pattern", sort=False))
    at_risk = at_risk_at_ticks(curves[0][1].sort_values("time", kind="mergesort"), ticks)
    top = float(table["estimate"].max())
    with figure_style():
        # step 2: curve axis above, at-risk axis below, sharing x (as the KM figure)
        fig, ax, risk_ax = curve_figure(synthetic)
        # step 3: the step curves from (0, 0)
        for k, (_, curve) in enumerate(curves):
            curve = curve.sort_values("time", kind="mergesort")
            time = np.concatenate([[0.0], curve["time"].to_numpy(float)])
            estimate = np.concatenate([[0.0], curve["estimate"].to_numpy(float)])
            ax.step(
                time,
                estimate,
                where="post",
                linewidth=1.4,
                color=COLORS[k % len(COLORS)],
                linestyle=LINESTYLES[k % len(LINESTYLES)],
                label=str(curve["label"].iloc[0]),
            )
        ax.set_xticks(ticks, [format_compact(t) for t in ticks])
        ax.set_xlim(ticks[0], ticks[-1])
        ax.set_ylim(0, min(1.0, max(0.1, np.ceil(top * 10 + 0.5) / 10)))
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Cumulative incidence")
        ax.legend(loc="upper left", frameon=False, title="First failure")
        # step 4: the counts, at the same ticks
        _draw_at_risk(risk_ax, mark_suppressed(at_risk, min_cell), "All", min_cell)
        if synthetic:
            add_synthetic_banner(fig)
    return CIFFigure(figure=fig, ticks=ticks, at_risk=at_risk)
