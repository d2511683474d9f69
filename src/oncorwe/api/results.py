"""Result objects of the notebook API: values with ``to_frame()``, ``plot()`` and HTML display.

Every number in them comes from the analysis and statistics layers (``oncorwe.analysis``,
``oncorwe.stats``); these classes only hold, show and draw it. In shareable output (protocol
``privacy.shareable``) their frames are already suppressed (``oncorwe.privacy.suppression``)
and figures draw small at-risk counts as ``<min_cell``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from oncorwe.report.format import format_estimate_ci, format_p_value, format_ratio_ci

SUMMARY_COLUMNS = [
    "group", "n", "events", "median_months", "ci_lower", "ci_upper", "hr", "hr_lower", "hr_upper",
]  # fmt: skip
"""Columns of :attr:`SurvivalResult.summary` (one row per group; HR against the first group)."""
LANDMARK_COLUMNS = ["group", "months", "surv", "lower", "upper", "n_risk"]
"""Columns of :attr:`SurvivalResult.landmarks` (protocol ``survival.landmark_months``)."""


def p_text(p: Any) -> str:
    """``"p = 0.041"`` or ``"p <0.001"`` (the report's p-value format)."""
    text = format_p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _frame_html(frame: pd.DataFrame, title: str, notes: tuple[str, ...] = ()) -> str:
    """A captioned HTML table (numbers with 4 significant digits) and its notes."""
    table = frame.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.4g}", border=0)
    caption = f"<p><strong>{html.escape(title)}</strong></p>"
    foot = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in notes)
    return f"<div class='oncorwe-result'>{caption}{table}{foot}</div>"


@dataclass(frozen=True, eq=False)  # holds DataFrames: compared by identity
class TableResult:
    """A tidy table of the study (Table 1, attrition, response, adverse events, Cox models).

    Attributes
    ----------
    name : the table's name in the report (``baseline``, ``attrition``, ``response`` ...).
    title : a caption.
    frame : the table (the report's columns; suppressed in shareable output).
    notes : footnotes (filter applied, tests used, suppression).
    """

    name: str
    title: str
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """A copy of the table.

        Returns
        -------
        pandas.DataFrame
        """
        return self.frame.copy()

    def _repr_html_(self) -> str:
        return _frame_html(self.frame, self.title, self.notes)


@dataclass(frozen=True, eq=False)  # holds DataFrames: compared by identity
class SurvivalResult:
    """Kaplan-Meier curves of one endpoint, overall or by group, with their comparison.

    Attributes
    ----------
    endpoint : ``"os"``, ``"pfs"``, ``"lc"`` or ``"ttf"``.
    label : the endpoint's name (``"Overall survival"``).
    by : the grouping column, or None for one curve.
    where : the filter applied to the cohort, or None.
    fits : ``(group label, oncorwe.stats.KaplanMeier)`` pairs, reference group first.
    summary : one row per group (:data:`SUMMARY_COLUMNS`); medians in months with the
        protocol's CI; HR (univariable Cox, Efron ties) against the first group.
    landmarks : survival at the protocol's landmarks per group (:data:`LANDMARK_COLUMNS`).
    logrank_p : log-rank test across groups (R ``survdiff``), None with one group.
    conf_level : confidence level of every interval.
    note : why a comparison is missing (e.g. a group without events), else "".
    min_cell : shareable output: counts below it are hidden; None = exact counts.
    synthetic : the data are synthetic (figures carry the banner).
    """

    endpoint: str
    label: str
    by: str | None
    where: str | None
    fits: tuple[tuple[str, Any], ...]
    summary: pd.DataFrame
    landmarks: pd.DataFrame
    logrank_p: float | None
    conf_level: float
    note: str = ""
    min_cell: int | None = None
    synthetic: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def groups(self) -> tuple[str, ...]:
        """Group labels in legend order (one ``"All patients"`` without ``by``)."""
        return tuple(group for group, _ in self.fits)

    def to_frame(self) -> pd.DataFrame:
        """The per-group summary (:data:`SUMMARY_COLUMNS`) with the log-rank p on every row.

        Returns
        -------
        pandas.DataFrame
        """
        out = self.summary.copy()
        out.insert(0, "endpoint", self.endpoint.upper())
        out["p_logrank"] = self.logrank_p
        return out

    def curves(self) -> pd.DataFrame:
        """Every fit's table (``group, time, n_risk, n_event, n_censor, surv, lower, upper``).

        Returns
        -------
        pandas.DataFrame
            Long format, one row per group and distinct time (suppressed in shareable output
            is *not* applied: use :meth:`to_frame` for what may be shared).
        """
        parts = [km.table.assign(group=group) for group, km in self.fits]
        columns = ["group", "time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"]
        return pd.concat(parts, ignore_index=True)[columns]

    def annotation(self) -> str | None:
        """The line drawn above the curves: the median (one group) or the log-rank p."""
        if self.logrank_p is not None:
            return f"Log-rank {p_text(self.logrank_p)}"
        row = self.summary.iloc[0]
        median = format_estimate_ci(
            row["median_months"], row["ci_lower"], row["ci_upper"], unit=" mo",
            conf_level=self.conf_level,
        )  # fmt: skip
        return f"Median {median}"

    def plot(self):
        """Draw the curves with the number-at-risk table under them, aligned to the x ticks.

        Returns
        -------
        matplotlib.figure.Figure
            In the report's style (``oncorwe.report.figures``); ``.savefig`` as usual.
        """
        return self.figure().figure

    def figure(self):
        """The drawn figure with its ticks and the at-risk counts shown.

        Returns
        -------
        oncorwe.report.figures.km.KMFigure
        """
        from oncorwe.api.figure import plot_survival  # matplotlib only when drawing

        return plot_survival(
            list(self.fits),
            label=self.endpoint.upper(),
            annotation=self.annotation(),
            synthetic=self.synthetic,
            min_cell=self.min_cell,
        )

    def _repr_html_(self) -> str:
        shown = self.summary.copy()
        shown["median (CI)"] = [
            format_estimate_ci(r.median_months, r.ci_lower, r.ci_upper, conf_level=self.conf_level)
            for r in shown.itertuples()
        ]
        shown["HR (CI)"] = [
            format_ratio_ci(r.hr, r.hr_lower, r.hr_upper) for r in shown.itertuples()
        ]
        shown = shown[["group", "n", "events", "median (CI)", "HR (CI)"]]
        title = f"{self.label}" + (f" by {self.by}" if self.by else "")
        notes = list(self.notes)
        if self.logrank_p is not None:
            notes.append(f"Log-rank test across groups: {p_text(self.logrank_p)}.")
        if self.note:
            notes.append(self.note)
        return _frame_html(shown, title, tuple(notes))
