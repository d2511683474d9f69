"""Swimmer and waterfall plots, from the analysis' ``swimmer`` and ``waterfall`` tables.

Swimmer: one lane per patient (numbered 1..n by the analysis, never identified), the ICI exposure
as a bar, RT courses as narrower bars on it, each response assessment as a marker coloured by
category, progression and death as markers, and an arrow for a patient alive at last contact
(censored). Waterfall: one bar per patient with the best percentage change of the target-lesion
sum, sorted, coloured by best overall response, with the RECIST 1.1 thresholds drawn.

References
----------
.. [1] Eisenhauer EA, et al. RECIST 1.1. Eur J Cancer 2009;45:228-47 (PR: >= 30% decrease;
   PD: >= 20% increase of the sum of diameters), via ``oncorwe.derive.recist``.
.. [2] Gillespie TW. Understanding waterfall plots. J Adv Pract Oncol 2012;3:106-11.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from oncorwe.derive.recist import PD_MIN_INCREASE, PR_MIN_DECREASE
from oncorwe.report.figures.style import add_synthetic_banner, figure_style, new_figure

SWIMMER_COLUMNS = ("subject", "kind", "start_months", "end_months")
WATERFALL_COLUMNS = ("subject", "best_pct_change", "bor")
BARS = {"ici": ("ICI exposure", "#9ecae1", 0.62), "rt": ("Radiotherapy", "#f16913", 0.34)}
RESPONSE_COLORS = {
    "CR": "#006d2c",
    "PR": "#41ab5d",
    "SD": "#969696",
    "NON-CR/NON-PD": "#bdbdbd",
    "PD": "#cb181d",
    "NE": "#ffffff",
}
EVENTS = {  # kind -> (legend label, marker, colour)
    "progression": ("Progression", "v", "#cb181d"),
    "death": ("Death", "X", "#000000"),
    "last_contact": ("Alive at last contact", ">", "#08519c"),
}
LANE_INCHES = 0.085


def _rectangles(left, right, bottom, top) -> np.ndarray:
    """The corners of axis-aligned rectangles, shape (n, 4, 2), for one ``PolyCollection``."""
    left, right, bottom, top = (np.asarray(v, dtype=float) for v in (left, right, bottom, top))
    xs = np.stack([left, right, right, left], axis=1)
    ys = np.stack([bottom, bottom, top, top], axis=1)
    return np.stack([xs, ys], axis=2)


def _draw_bars(ax, data: pd.DataFrame) -> None:
    """One collection of rectangles per kind of bar, not one patch per bar: drawing time grows
    with the kinds, not the patients."""
    for kind, (_, color, height) in BARS.items():
        part = data[data["kind"] == kind]
        if part.empty:
            continue
        start = part["start_months"].to_numpy(float)
        end = part["end_months"].fillna(part["start_months"]).to_numpy(float)
        lane = part["subject"].to_numpy(float)
        bars = _rectangles(start, end, lane - height / 2, lane + height / 2)
        ax.add_collection(PolyCollection(bars, facecolors=color, linewidths=0))


def _draw_markers(ax, data: pd.DataFrame) -> list:
    handles = []
    responses = data[data["kind"] == "response"]
    for category, color in RESPONSE_COLORS.items():
        part = responses[responses["label"].astype(str).str.upper() == category]
        if part.empty:
            continue
        ax.scatter(part["start_months"], part["subject"], s=9, marker="o", color=color,
                   edgecolors="#404040", linewidths=0.3, zorder=3)  # fmt: skip
        handles.append(Line2D([], [], marker="o", linestyle="none", color=color,
                              markeredgecolor="#404040", label=category))  # fmt: skip
    for kind, (label, marker, color) in EVENTS.items():
        part = data[data["kind"] == kind]
        if part.empty:
            continue
        ax.scatter(
            part["start_months"], part["subject"], s=14, marker=marker, color=color, zorder=4
        )
        handles.append(Line2D([], [], marker=marker, linestyle="none", color=color, label=label))
    known = {"response", *EVENTS, *BARS}
    other = data[~data["kind"].isin(known)]
    if not other.empty:
        ax.scatter(other["start_months"], other["subject"], s=8, marker=".", color="#6a51a3")
        handles.append(Line2D([], [], marker=".", linestyle="none", color="#6a51a3", label="Other"))
    return handles


def plot_swimmer(swimmer: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Draw the swimmer plot of ``swimmer`` (``subject, kind, start_months, end_months, label``).

    Returns
    -------
    Figure
    """
    data = swimmer.copy()
    if "label" not in data.columns:
        data["label"] = ""
    subjects = np.sort(data["subject"].unique())
    n = len(subjects)
    end = data[["start_months", "end_months"]].max(axis=1)
    height = LANE_INCHES * n + 1.6
    with figure_style():
        fig = new_figure(7.0, height)
        ax = fig.add_axes((0.09, 0.9 / height, 0.88, 1 - (1.45 if synthetic else 1.25) / height))
        lanes = end.groupby(data["subject"]).max()
        ax.hlines(lanes.index, 0, lanes.to_numpy(), color="#d9d9d9", linewidth=0.5, zorder=0)
        _draw_bars(ax, data)
        handles = _draw_markers(ax, data)
        handles = [Patch(color=c, label=lab) for lab, c, _ in BARS.values()] + handles
        ax.set_ylim(n + 0.8, 0.2)
        ax.set_xlim(0, float(np.nanmax(end.to_numpy(float))) * 1.02)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Months from the start of treatment")
        ax.set_ylabel(f"Patients (n = {n})")
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6,
                  frameon=False, fontsize=7, handlelength=1.2, columnspacing=0.9)  # fmt: skip
        if synthetic:
            add_synthetic_banner(fig)
    return fig


def plot_waterfall(waterfall: pd.DataFrame, *, synthetic: bool = False) -> Figure:
    """Draw the waterfall plot of ``waterfall`` (``subject, best_pct_change, bor``).

    Patients without a measurable change (NaN) are not drawn; the caption gives their number.
    """
    data = waterfall.dropna(subset=["best_pct_change"]).sort_values(
        ["best_pct_change", "subject"], ascending=[False, True], kind="mergesort"
    )
    x = np.arange(len(data))
    categories = data["bor"].astype(str).str.upper()
    colors = [RESPONSE_COLORS.get(c, "#6a51a3") for c in categories]
    with figure_style():
        fig = new_figure(7.0, 3.6)
        ax = fig.add_axes((0.1, 0.14, 0.87, 0.74 if synthetic else 0.78))
        change = data["best_pct_change"].to_numpy(float)
        bars = _rectangles(x - 0.4, x + 0.4, np.minimum(change, 0), np.maximum(change, 0))
        ax.add_collection(
            PolyCollection(bars, facecolors=colors, edgecolors="#404040", linewidths=0.3)
        )
        for level, style in ((100 * PD_MIN_INCREASE, "--"), (-100 * PR_MIN_DECREASE, "--")):
            ax.axhline(level, color="#5a5a5a", linestyle=style, linewidth=0.8)
        ax.axhline(0, color="#000000", linewidth=0.6)
        ax.set_xticks([])
        ax.set_xlim(-0.8, max(len(data), 1) - 0.2)
        low = min(-100.0, float(data["best_pct_change"].min()) if len(data) else -100.0)
        high = max(
            100 * PD_MIN_INCREASE + 10, float(data["best_pct_change"].max()) + 5 if len(data) else 0
        )
        ax.set_ylim(low - 5, high)
        ax.set_ylabel("Best change in target-lesion sum (%)")
        ax.set_xlabel(f"Patients with a measurable change (n = {len(data)})")
        present = [c for c in RESPONSE_COLORS if c in set(categories)]
        handles = [
            Patch(facecolor=RESPONSE_COLORS[c], edgecolor="#404040", label=c) for c in present
        ]
        ax.legend(handles=handles, loc="upper right", frameon=False, ncol=max(1, len(present)),
                  fontsize=7)  # fmt: skip
        if synthetic:
            add_synthetic_banner(fig)
    return fig
