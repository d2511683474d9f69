"""Forest plots of hazard ratios: subgroups per endpoint and the multivariable Cox model.

Each row is a label, a text column (patients/events), a square at the HR with its CI whisker on a
log axis, a dashed reference line at HR = 1, and text columns with "HR (CI)" and p. Rows and
texts come from the analysis tables as they are (``subgroups``, ``cox``); the figure formats
them with ``report.format`` and computes nothing. A CI running off the axis ends in an arrow.

References
----------
.. [1] Lewis S, Clarke M. Forest plots: trying to see the wood and the trees. BMJ
   2001;322:1479-80.
.. [2] Cuzick J. Forest plots and the interpretation of subgroups. Lancet 2005;365:1308.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from oncorwe.report.figures.style import add_synthetic_banner, figure_style, new_figure
from oncorwe.report.format import format_count, format_p_value, format_ratio_ci, is_missing

FOREST_COLUMNS = ("label", "header", "counts", "hr", "lower", "upper", "hr_text", "p_text")
"""Rows of a forest plot: text label, header row flag, n/events text, HR and limits, texts."""
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
AXIS_LIMITS = (0.01, 100.0)
MARKER_COLOR = "#1f4e79"
ROW_INCHES = 0.24
# Figure-fraction x positions of the text columns and the plot panel.
LABEL_X, COUNTS_X, PANEL = 0.01, 0.40, (0.42, 0.28)
HR_TEXT_X, P_TEXT_X = 0.72, 0.99


def _row(label, header, counts="", hr=np.nan, lower=np.nan, upper=np.nan, hr_text="", p_text=""):
    values = (label, header, counts, hr, lower, upper, hr_text, p_text)
    return dict(zip(FOREST_COLUMNS, values, strict=True))


def _hr_text(hr, lower, upper) -> str:
    if not is_missing(hr) and float(hr) == 1.0 and is_missing(lower) and is_missing(upper):
        return "Reference"
    return format_ratio_ci(hr, lower, upper)


def subgroup_forest_rows(subgroups: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Forest rows of one endpoint from the ``subgroups`` table: a header per variable (with its
    log-rank p), then one row per level (patients/events, HR (CI); the reference level says so)."""
    part = subgroups[subgroups["endpoint"].astype(str).str.upper() == endpoint.upper()]
    rows = []
    for label, levels in part.groupby("label", sort=False):
        rows.append(_row(str(label), True, p_text=format_p_value(levels["p_logrank"].iloc[0])))
        for r in levels.itertuples():
            counts = f"{format_count(r.n)}/{format_count(r.events)}"
            text = _hr_text(r.hr, r.hr_lower, r.hr_upper)
            rows.append(_row(f"  {r.level}", False, counts, r.hr, r.hr_lower, r.hr_upper, text))
    return pd.DataFrame(rows, columns=list(FOREST_COLUMNS))


def model_forest_rows(
    cox: pd.DataFrame, endpoint: str, model: str = "multivariable"
) -> pd.DataFrame:
    """Forest rows of one Cox model of one endpoint: a header with the model's patients/events,
    then one row per term with HR (CI) and p."""
    part = cox[
        (cox["model"] == model) & (cox["endpoint"].astype(str).str.upper() == endpoint.upper())
    ]
    if part.empty:
        return pd.DataFrame(columns=list(FOREST_COLUMNS))
    first = part.iloc[0]
    counts = f"{format_count(first['n'])}/{format_count(first['events'])}"
    rows = [_row(f"{model.capitalize()} model", True, counts)]
    for r in part.itertuples():
        text = _hr_text(r.hr, r.hr_lower, r.hr_upper)
        rows.append(
            _row(f"  {r.label}", False, "", r.hr, r.hr_lower, r.hr_upper, text, format_p_value(r.p))
        )
    return pd.DataFrame(rows, columns=list(FOREST_COLUMNS))


def _limits(rows: pd.DataFrame) -> tuple[float, float]:
    """Axis range: the ticks just around every finite limit, clipped to ``AXIS_LIMITS``."""
    values = pd.concat([rows["lower"], rows["upper"], rows["hr"]]).astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    low = min([1.0, *values]) if len(values) else 0.5
    high = max([1.0, *values]) if len(values) else 2.0
    below = [t for t in TICKS if t <= low] or [TICKS[0]]
    above = [t for t in TICKS if t >= high] or [TICKS[-1]]
    return max(below[-1], AXIS_LIMITS[0]), min(above[0], AXIS_LIMITS[1])


def _draw_intervals(ax, rows: pd.DataFrame, y: np.ndarray, limits: tuple[float, float]) -> None:
    lo_axis, hi_axis = limits
    for yi, r in zip(y, rows.itertuples(), strict=True):
        if r.header or is_missing(r.hr) or is_missing(r.lower) or is_missing(r.upper):
            continue
        lower, upper = max(float(r.lower), lo_axis), min(float(r.upper), hi_axis)
        ax.plot([lower, upper], [yi, yi], color=MARKER_COLOR, linewidth=1.1, solid_capstyle="butt")
        for clipped, end, direction in (
            (r.lower < lo_axis, lower, "<"),
            (r.upper > hi_axis, upper, ">"),
        ):
            if clipped:
                ax.plot([end], [yi], marker=direction, color=MARKER_COLOR, markersize=4)
        if lo_axis <= r.hr <= hi_axis:
            ax.plot([r.hr], [yi], marker="s", color=MARKER_COLOR, markersize=5)


def _draw_texts(fig, ax, rows: pd.DataFrame, y: np.ndarray, top: float, headers) -> None:
    transform = blended_transform_factory(fig.transFigure, ax.transData)
    columns = ((LABEL_X, "label", "left"), (COUNTS_X, "counts", "right"),
               (HR_TEXT_X, "hr_text", "left"), (P_TEXT_X, "p_text", "right"))  # fmt: skip
    for yi, r in zip(y, rows.itertuples(), strict=True):
        weight = "bold" if r.header else "normal"
        for x, name, align in columns:
            ax.text(x, yi, getattr(r, name), transform=transform, ha=align, va="center",
                    fontweight=weight, fontsize=8)  # fmt: skip
    for (x, _, align), text in zip(columns, headers, strict=True):
        ax.text(
            x, top, text, transform=transform, ha=align, va="center", fontweight="bold", fontsize=8
        )


def plot_forest(
    rows: pd.DataFrame,
    *,
    title: str | None = None,
    xlabel: str = "Hazard ratio (log scale)",
    headers: tuple[str, str, str, str] = ("Subgroup", "Patients/events", "HR (95% CI)", "p"),
    synthetic: bool = False,
) -> Figure:
    """Draw a forest plot of ``rows`` (columns ``FOREST_COLUMNS``, top row first).

    Parameters
    ----------
    rows : from ``subgroup_forest_rows`` or ``model_forest_rows``.
    title : heading above the plot.
    xlabel : x-axis label.
    headers : headers of the label, counts, HR text and p columns.
    synthetic : add the synthetic-data banner.

    Returns
    -------
    Figure
    """
    n = len(rows)
    limits = _limits(rows)
    y = np.arange(n, 0, -1, dtype=float)  # top row at y = n
    height = ROW_INCHES * (n + 2) + 0.9
    with figure_style():
        fig = new_figure(7.5, height)
        bottom = 0.55 / height
        top_frac = 1 - (0.55 if synthetic else 0.3) / height
        ax = fig.add_axes((PANEL[0], bottom, PANEL[1], top_frac - bottom))
        ax.set_xscale("log")
        ax.set_xlim(*limits)
        ax.set_ylim(0.3, n + 1.2)
        ax.axvline(1.0, color="#5a5a5a", linestyle="--", linewidth=0.8)
        _draw_intervals(ax, rows, y, limits)
        ticks = [t for t in TICKS if limits[0] <= t <= limits[1]]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        _draw_texts(fig, ax, rows, y, n + 0.9, headers)
        if title:
            fig.text(LABEL_X, 1 - (0.32 if synthetic else 0.06) / height, title, ha="left",
                     va="top", fontweight="bold", fontsize=9)  # fmt: skip
        if synthetic:
            add_synthetic_banner(fig)
    return fig
