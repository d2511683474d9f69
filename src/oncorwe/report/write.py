"""``write_report``: one StudyOutputs in, the report folder out.

Layout of ``out_dir``::

    report.html              self-contained page (inline CSS, embedded figures)
    report.pdf               the page printed by headless Chromium (when one is installed)
    report.docx              Word report with real footnotes (when python-docx is installed)
    figures/<name>.png, .svg, .pdf  every figure: Kaplan-Meier curves, flow diagram, forest
                             plots, swimmer and waterfall plots (when their tables exist)
    tables/<name>.csv, .xlsx every tidy table, numbers at full precision (and the checklist)
    tables/<name>.docx       every displayed table as its own Word file

With ``SOURCE_DATE_EPOCH`` set, every file is byte-identical from run to run
(``report.reproducible`` explains the dates each format carries).

The report formats numbers and computes nothing: headline numbers come from
``outputs.results``, tables from ``outputs.tables``, curves and at-risk counts from the fits.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd

from oncorwe.derive.endpoints import endpoint_labels
from oncorwe.errors import InputError
from oncorwe.privacy.shareable import mark_suppressed, mark_tables
from oncorwe.privacy.suppression import suppress_counts
from oncorwe.protocol.model import Report
from oncorwe.report import display
from oncorwe.report.figure_set import Figures, write_figures
from oncorwe.report.format import format_estimate_ci
from oncorwe.report.html import provenance_blocks, render_html
from oncorwe.report.narrative import lookup, write_summary
from oncorwe.report.patient_displays import workbook_frame
from oncorwe.report.pdf import find_browser, write_pdf
from oncorwe.report.registry import BY_NAME
from oncorwe.report.sections import (
    SECTIONS,
    Section,
    assemble_sections,
    checklist_frame,
    optional_tables,
)
from oncorwe.report.specs import PRIVATE_COLUMNS, RenderContext, render_spec
from oncorwe.report.tables_io import write_table
from oncorwe.results import StudyOutputs

__all__ = ["PRIVATE_COLUMNS", "check_outputs", "write_report", "write_table"]

REQUIRED_COLUMNS = {
    "baseline": ("characteristic", "level", "n", "pct", "median", "q1", "q3", "missing"),
    "treatment": ("characteristic", "level", "n", "pct", "median", "q1", "q3", "missing"),
    "attrition": ("step", "description", "n_remaining", "n_excluded"),
    "response": ("criteria", "category", "n", "pct", "ci_lower", "ci_upper"),
    "survival": ("endpoint", "n", "events", "median_months", "ci_lower", "ci_upper"),
    "adverse_events": ("term", "any_n", "any_pct", "grade3plus_n", "grade3plus_pct"),
}
LANDMARK_COLUMNS = ("endpoint", "months", "surv", "lower", "upper", "n_risk")


def check_outputs(outputs: StudyOutputs) -> None:
    """Every table the report draws is present with its columns; raise InputError otherwise."""
    for name, columns in REQUIRED_COLUMNS.items():
        if name not in outputs.tables:
            raise InputError(f"StudyOutputs.tables has no '{name}' table; the report needs it")
        absent = [c for c in columns if c not in outputs.tables[name].columns]
        if absent:
            raise InputError(
                f"StudyOutputs.tables['{name}'] lacks column(s) {absent}; expected {list(columns)}"
            )
    for key in ("cohort.n", "meta.conf_level"):
        if lookup(outputs.results, key) is None:
            raise InputError(f"StudyOutputs.results has no '{key}'; the report needs it")


def landmarks_frame(outputs: StudyOutputs) -> pd.DataFrame:
    """The landmark table: ``tables["landmarks"]`` or, if absent, the rows of
    ``results["survival"][endpoint]["landmarks"]`` reshaped (no number is computed)."""
    if "landmarks" in outputs.tables:
        return outputs.tables["landmarks"]
    rows = [
        {"endpoint": endpoint, **mark}
        for endpoint in outputs.curves
        for mark in lookup(outputs.results, f"survival.{endpoint}.landmarks") or []
    ]
    return pd.DataFrame(rows, columns=list(LANDMARK_COLUMNS))


def core_tables(
    outputs: StudyOutputs, landmarks: pd.DataFrame
) -> dict[str, list[display.DisplayTable]]:
    """The always-present tables, formatted, by report section id."""
    t, r = outputs.tables, outputs.results
    n_total = lookup(r, "cohort.n")
    level = lookup(r, "meta.conf_level")
    labels = endpoint_labels(outputs.endpoints)
    return {
        "attrition": [display.attrition_table(t["attrition"])],
        "baseline": [
            display.characteristics_table(
                t["baseline"], "baseline", "Baseline characteristics", n_total
            )
        ],
        "treatment": [
            display.characteristics_table(t["treatment"], "treatment", "Treatment summary", n_total)
        ],
        "response": [
            display.response_table(
                t["response"],
                lookup(r, "response.denominator"),
                level,
                display.proportion_ci_text(r),
            )
        ],
        "survival": [
            display.survival_table(t["survival"], level, labels),
            display.landmarks_table(landmarks, level, labels),
        ],
        "adverse-events": [display.adverse_events_table(t["adverse_events"], n_total)],
        "methods": [display.methods_table(outputs.methods)],
    }


def report_sections(
    outputs: StudyOutputs, landmarks: pd.DataFrame, figures: Figures
) -> tuple[list[Section], pd.DataFrame]:
    """Every section with its tables and figures, and the checklist frame (for its CSV)."""
    results = outputs.results
    context = RenderContext(
        conf_level=lookup(results, "meta.conf_level"),
        n_total=lookup(results, "cohort.n"),
        group_variable=lookup(results, "meta.group_variable"),
        endpoint_labels=endpoint_labels(outputs.endpoints),
        ties=display.ties_text(results),
        proportion_ci=display.proportion_ci_text(results),
        response_windows=display.response_windows_text(results),
    )
    core = core_tables(outputs, landmarks)
    optional = optional_tables(outputs.tables, context)
    shown = [
        anchor
        for anchor, _, always in SECTIONS
        if always or optional.get(anchor) or figures.get(anchor)
    ]
    checklist = checklist_frame(shown)
    core["checklist"] = render_spec(checklist, BY_NAME["checklist"], context)
    return assemble_sections(core, optional, figures), checklist


def write_report(
    outputs: StudyOutputs,
    out_dir: Path,
    *,
    pdf: bool | None = None,
    max_patients_shown: int = Report.max_patients_shown,
) -> Path:
    """Write the HTML report, its figures and its tables into ``out_dir``.

    Steps
    -----
    1. Check the outputs carry every table and column the report draws.
    2. With ``outputs.min_cell`` (shareable), show each suppressed cell as its text
       (``privacy.shareable``: ``<5``, ``[c]``, with a note); write every tidy table (and the
       methods rows) as ``tables/<name>.csv`` and ``.xlsx`` (the workbook of a patient-level
       table above ``max_patients_shown`` patients holds its summary).
    3. Draw every figure (PNG 300 dpi + SVG + PDF): Kaplan-Meier curves with their at-risk
       tables, the flow diagram, forest plots, swimmer and waterfall plots (a seeded random
       sample of ``max_patients_shown`` patients above that number).
    4. Format the display tables by section (core tables, registered optional tables, the
       STROBE/RECORD checklist) and the summary paragraph.
    5. Render ``report.html`` with the figures embedded.
    6. Print it to ``report.pdf`` with headless Chromium.
    7. Write ``report.docx`` and one ``tables/<name>.docx`` per displayed table.

    Parameters
    ----------
    outputs : the analysis bundle (``oncorwe.results.StudyOutputs``).
    out_dir : folder to write into (created if needed).
    pdf : write ``report.pdf``; None (default) = when a Chromium browser is installed, with a
        warning when it is not; True = always (``PdfError`` without a browser); False = never.
    max_patients_shown : the protocol's ``report.max_patients_shown``
        (``report.patient_displays``).

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    # step 1
    check_outputs(outputs)
    out_dir = Path(out_dir)
    figures_dir, tables_dir = out_dir / "figures", out_dir / "tables"
    for folder in (out_dir, figures_dir, tables_dir):
        folder.mkdir(parents=True, exist_ok=True)
    # step 2: suppressed cells become their text ("<5", "[c]") once, for every format
    outputs = replace(outputs, tables=mark_tables(outputs.tables, outputs.min_cell))
    landmarks = mark_suppressed(
        suppress_counts(landmarks_frame(outputs), "n_risk", outputs.min_cell), outputs.min_cell
    )
    frames = {
        **outputs.tables,
        "landmarks": landmarks,
        "methods": display.methods_frame(outputs.methods),
    }
    for name, frame in frames.items():
        workbook = workbook_frame(name, frame, max_patients_shown)
        write_table(frame, tables_dir / name, outputs.synthetic,
                    workbook=None if workbook is frame else workbook)  # fmt: skip
    # step 3
    figures = write_figures(outputs, figures_dir, tables_dir, max_patients_shown)
    # step 4
    sections, checklist = report_sections(outputs, landmarks, figures)
    write_table(checklist.drop(columns="sections"), tables_dir / "checklist", outputs.synthetic)
    follow_up = lookup(outputs.results, "survival.follow_up") or {}
    follow_up_text = format_estimate_ci(
        follow_up.get("median_months"),
        follow_up.get("ci_lower"),
        follow_up.get("ci_upper"),
        unit=" months",
        conf_level=lookup(outputs.results, "meta.conf_level"),
    )
    # step 5
    page = render_html(
        title=outputs.title,
        protocol=lookup(outputs.results, "meta.protocol"),
        summary=write_summary(outputs.results, outputs.min_cell, outputs.endpoints),
        follow_up=follow_up_text,
        sections=sections,
        attrition=outputs.tables["attrition"],
        provenance=outputs.provenance,
        synthetic=outputs.synthetic,
    )
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    # steps 6 and 7: Chromium prints in its own process while Python writes the Word files
    printing = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        if pdf or (pdf is None and find_browser()):
            printing = pool.submit(write_pdf, path, out_dir / "report.pdf")
        elif pdf is None:
            warnings.warn("No Chromium browser found: report.pdf not written", stacklevel=2)
        write_word(outputs, out_dir, sections, follow_up_text)
        if printing is not None:
            printing.result()  # re-raises a PdfError
    return path


def write_word(
    outputs: StudyOutputs, out_dir: Path, sections: list[Section], follow_up: str
) -> None:
    """``report.docx`` and ``tables/<name>.docx``; skipped with a warning without python-docx."""
    try:
        from oncorwe.report import word
    except ImportError:
        warnings.warn("python-docx is not installed: Word files not written", stacklevel=3)
        return
    for section in sections:
        for table in section.tables:
            word.write_table_docx(
                table, out_dir / "tables" / f"{table.name}.docx", outputs.synthetic
            )
    word.write_report_docx(
        out_dir / "report.docx",
        title=outputs.title,
        summary=write_summary(outputs.results, outputs.min_cell, outputs.endpoints),
        follow_up=follow_up,
        sections=sections,
        provenance=provenance_blocks(outputs.provenance),
        synthetic=outputs.synthetic,
    )
