"""Every figure of the report, drawn and saved (PNG 300 dpi + SVG + PDF), by report section.

Kaplan-Meier curves (survival), the flow diagram (cohort selection), cumulative incidence of
first failure (local control), forest plots of the subgroup and multivariable hazard ratios
(subgroups), swimmer and waterfall plots (response).
A figure whose table is absent is skipped with a logged note.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from oncorwe.derive.endpoints import endpoint_labels
from oncorwe.privacy.shareable import NOTE_KEY, mark_suppressed
from oncorwe.privacy.suppression import suppress_counts
from oncorwe.protocol.model import Report
from oncorwe.report.display import endpoint_label, ties_text
from oncorwe.report.figure_ref import HtmlFigure
from oncorwe.report.figures.cif import plot_cif
from oncorwe.report.figures.flow import plot_flow
from oncorwe.report.figures.forest import model_forest_rows, plot_forest, subgroup_forest_rows
from oncorwe.report.figures.km import plot_km
from oncorwe.report.figures.style import save_figure
from oncorwe.report.figures.swimmer import plot_swimmer, plot_waterfall
from oncorwe.report.format import conf_label, format_estimate_ci
from oncorwe.report.narrative import lookup
from oncorwe.report.patient_displays import sample_patients
from oncorwe.report.tables_io import write_table
from oncorwe.results import StudyOutputs

LOG = logging.getLogger("oncorwe.report")
Figures = dict[str, list[HtmlFigure]]


def _saved(fig, folder: Path, name: str, title: str, caption: str, alt: str) -> HtmlFigure:
    paths = save_figure(fig, folder / name)
    svg = next(p for p in paths if p.suffix == ".svg")
    return HtmlFigure(name=name, title=title, caption=caption, alt=alt, path=svg)


def _with_note(caption: str, counts: pd.DataFrame, min_cell: int | None) -> str:
    """``caption`` and, when ``counts`` has suppressed cells, the note saying how they read."""
    note = mark_suppressed(counts, min_cell).attrs.get(NOTE_KEY)
    return f"{caption} {note}" if note else caption


def _median_annotation(results: Mapping[str, Any], endpoint: str) -> str | None:
    s = lookup(results, f"survival.{endpoint}")
    if not s or "median_months" not in s:
        return None
    level = lookup(results, "meta.conf_level")
    median = format_estimate_ci(
        s["median_months"], s.get("ci_lower"), s.get("ci_upper"), unit=" mo", conf_level=level
    )
    return f"Median {median}"


def km_figures(outputs: StudyOutputs, folder: Path, tables_dir: Path) -> list[HtmlFigure]:
    """One Kaplan-Meier figure per curve and its at-risk counts as ``<endpoint>_at_risk.csv``."""
    results = outputs.results
    conf = conf_label(lookup(results, "meta.conf_level"))
    conf_type = lookup(results, "meta.conf_type") or "log-log"
    labels = endpoint_labels(outputs.endpoints)
    shown = []
    for endpoint, km in outputs.curves.items():
        title = endpoint_label(endpoint, labels)
        drawn = plot_km(
            km,
            label=endpoint.upper(),
            annotation=_median_annotation(results, endpoint),
            synthetic=outputs.synthetic,
            min_cell=outputs.min_cell,
        )
        at_risk = suppress_counts(drawn.at_risk, "n_risk", outputs.min_cell)
        write_table(
            mark_suppressed(at_risk.assign(endpoint=endpoint), outputs.min_cell),
            tables_dir / f"{endpoint}_at_risk",
            outputs.synthetic,
        )
        caption = _with_note(
            f"Kaplan\u2013Meier estimate with pointwise {conf} ({conf_type}); + marks censored "
            "patients; the number at risk is given at each tick of the time axis.",
            at_risk,
            outputs.min_cell,
        )
        alt = f"Kaplan-Meier curve of {title.lower()} with number at risk"
        shown.append(_saved(drawn.figure, folder, f"{endpoint}_km", title, caption, alt))
    return shown


def forest_figures(outputs: StudyOutputs, folder: Path) -> list[HtmlFigure]:
    """Forest plots of the subgroup HRs per endpoint and of each endpoint's multivariable model."""
    conf = conf_label(lookup(outputs.results, "meta.conf_level"))
    labels = endpoint_labels(outputs.endpoints)
    shown = []
    subgroups, cox = outputs.tables.get("subgroups"), outputs.tables.get("cox")
    endpoints = []
    for table in (subgroups, cox):
        if table is not None and "endpoint" in table.columns:
            endpoints += [str(e) for e in table["endpoint"].unique() if str(e) not in endpoints]
    for endpoint in endpoints:
        name = endpoint_label(endpoint, labels)
        if subgroups is not None and not subgroups.empty:
            rows = subgroup_forest_rows(subgroups, endpoint)
            if len(rows):
                headers = ("Subgroup", "Patients/events", f"HR ({conf})", "Log-rank p")
                fig = plot_forest(rows, title=f"{name}: hazard ratio by subgroup",
                                  headers=headers, synthetic=outputs.synthetic)  # fmt: skip
                caption = (
                    f"Univariable Cox hazard ratios with {conf} of each level against the first "
                    "(reference) level of its subgroup; p from the log-rank test across levels."
                )
                alt = f"Forest plot of {name.lower()} hazard ratios by subgroup"
                shown.append(_saved(fig, folder, f"{endpoint.lower()}_forest_subgroups",
                                    f"{name} by subgroup", caption, alt))  # fmt: skip
        if cox is not None and not cox.empty:
            rows = model_forest_rows(cox, endpoint)
            if len(rows) > 1:
                fig = plot_forest(rows, title=f"{name}: multivariable Cox model",
                                  headers=("Variable", "Patients/events", f"HR ({conf})", "p"),
                                  synthetic=outputs.synthetic)  # fmt: skip
                caption = (
                    f"Hazard ratios with {conf} from one Cox model holding every covariate "
                    f"(complete cases; {ties_text(outputs.results)}); Wald p values."
                )
                alt = f"Forest plot of the multivariable Cox model of {name.lower()}"
                shown.append(_saved(fig, folder, f"{endpoint.lower()}_forest_multivariable",
                                    f"{name}, multivariable model", caption, alt))  # fmt: skip
    return shown


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def patient_figures(outputs: StudyOutputs, folder: Path, limit: int) -> list[HtmlFigure]:
    """Swimmer and waterfall plots, when the analysis provides their tables; each draws a seeded
    random sample of ``limit`` patients when it has more (``report.patient_displays``)."""
    shown = []
    swimmer, waterfall = outputs.tables.get("swimmer"), outputs.tables.get("waterfall")
    if swimmer is not None and len(swimmer):
        drawn = sample_patients(swimmer, limit)
        fig = plot_swimmer(drawn.rows, synthetic=outputs.synthetic)
        caption = _sentences(
            "One lane per patient (numbered by decreasing follow-up, never identified): ICI "
            "exposure (bar), radiotherapy courses (narrow bar), response assessments (circles, "
            "by category), progression, death, and the last contact of patients alive.",
            drawn.note,
        )
        shown.append(_saved(fig, folder, "swimmer", "Treatment and outcome of each patient",
                            caption, "Swimmer plot of each patient's timeline"))  # fmt: skip
    else:
        LOG.info("table 'swimmer' not in the analysis outputs: no swimmer plot")
    if waterfall is not None and len(waterfall):
        measured = waterfall.dropna(subset=["best_pct_change"])
        drawn = sample_patients(measured, limit)
        fig = plot_waterfall(drawn.rows, synthetic=outputs.synthetic)
        unmeasured = len(waterfall) - len(measured)
        caption = _sentences(
            "Best percentage change from baseline in the sum of target-lesion diameters, one bar "
            "per patient, coloured by best overall response; dashed lines at +20% and \u221230% "
            f"(RECIST 1.1 progression and partial response). {unmeasured} patient(s) without a "
            "measurable change are not drawn.",
            drawn.note,
        )
        shown.append(_saved(fig, folder, "waterfall", "Best change in target lesions", caption,
                            "Waterfall plot of best change in target lesions"))  # fmt: skip
    else:
        LOG.info("table 'waterfall' not in the analysis outputs: no waterfall plot")
    return shown


def failure_figures(outputs: StudyOutputs, folder: Path, tables_dir: Path) -> list[HtmlFigure]:
    """Cumulative incidence of each first-failure type (``failure_cif``), with its at-risk
    counts as ``failure_cif_at_risk.csv``."""
    table = outputs.tables.get("failure_cif")
    if table is None or table.empty:
        LOG.info("table 'failure_cif' not in the analysis outputs: no cumulative-incidence plot")
        return []
    drawn = plot_cif(table, synthetic=outputs.synthetic, min_cell=outputs.min_cell)
    at_risk = suppress_counts(drawn.at_risk, "n_risk", outputs.min_cell)  # flags kept if any
    write_table(
        mark_suppressed(at_risk, outputs.min_cell),
        tables_dir / "failure_cif_at_risk",
        outputs.synthetic,
    )
    caption = _with_note(
        "Aalen\u2013Johansen cumulative incidence of each type of first failure, the other types "
        "and death competing; the number at risk is given at each tick of the time axis.",
        at_risk,
        outputs.min_cell,
    )
    alt = "Cumulative incidence curves of first failure by type with number at risk"
    return [_saved(drawn.figure, folder, "failure_cif", "Cumulative incidence of first failure",
                   caption, alt)]  # fmt: skip


def write_figures(
    outputs: StudyOutputs,
    folder: Path,
    tables_dir: Path,
    max_patients_shown: int = Report.max_patients_shown,
) -> Figures:
    """Draw and save every figure; returns them by report section id. Swimmer and waterfall
    plots draw at most ``max_patients_shown`` patients (a seeded random sample above it)."""
    flow = plot_flow(outputs.tables["attrition"], synthetic=outputs.synthetic)
    caption = _with_note(
        "Flow of patients through the eligibility steps.",
        outputs.tables["attrition"],
        outputs.min_cell,
    )
    flow_figure = _saved(flow, folder, "flow", "Flow of patients", caption,
                         "Flow diagram of the eligibility steps")  # fmt: skip
    return {
        "attrition": [flow_figure],
        "response": patient_figures(outputs, folder, max_patients_shown),
        "survival": km_figures(outputs, folder, tables_dir),
        "subgroups": forest_figures(outputs, folder),
        "local-control": failure_figures(outputs, folder, tables_dir),
    }
