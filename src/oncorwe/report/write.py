"""``write_report``: one StudyOutputs in, the report folder out.

Layout of ``out_dir``::

    report.html              self-contained page (inline CSS, embedded figures)
    report.pdf               the page printed by headless Chromium (when one is installed)
    report.docx              Word report with real footnotes (when python-docx is installed)
    figures/<endpoint>_km.png, .svg
    figures/flow.png, .svg   flow diagram of the eligibility steps
    tables/<name>.csv, .xlsx every tidy table, numbers at full precision
    tables/<name>.docx       every displayed table as its own Word file

The report formats numbers and computes nothing: headline numbers come from
``outputs.results``, tables from ``outputs.tables``, curves and at-risk counts from the fits.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.report import display
from oncorwe.report.display import endpoint_label
from oncorwe.report.figures.flow import plot_flow
from oncorwe.report.figures.km import plot_km
from oncorwe.report.figures.style import save_figure
from oncorwe.report.format import SYNTHETIC_BANNER, conf_label, format_estimate_ci
from oncorwe.report.html import HtmlFigure, provenance_blocks, render_html
from oncorwe.report.narrative import lookup, write_summary
from oncorwe.report.pdf import find_browser, write_pdf
from oncorwe.report.xlsx import write_xlsx
from oncorwe.results import StudyOutputs

REQUIRED_COLUMNS = {
    "baseline": ("characteristic", "level", "n", "pct", "median", "q1", "q3", "missing"),
    "treatment": ("characteristic", "level", "n", "pct", "median", "q1", "q3", "missing"),
    "attrition": ("step", "description", "n_remaining", "n_excluded"),
    "response": ("criteria", "category", "n", "pct", "ci_lower", "ci_upper"),
    "survival": ("endpoint", "n", "events", "median_months", "ci_lower", "ci_upper"),
    "adverse_events": ("term", "any_n", "any_pct", "grade3plus_n", "grade3plus_pct"),
}
LANDMARK_COLUMNS = ("endpoint", "months", "surv", "lower", "upper", "n_risk")

PRIVATE_COLUMNS = ("patient_id", "patient_ids", "excluded_ids")
"""Never written: the report shows counts, not patients."""


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


def write_table(df: pd.DataFrame, stem: Path, synthetic: bool) -> Path:
    """Write a tidy table as ``stem.csv`` and ``stem.xlsx``; returns the CSV path.

    A synthetic CSV starts with a ``# SYNTHETIC DATA`` comment line (read it back with
    ``pd.read_csv(path, comment="#")``); a synthetic workbook has the banner in row 1.
    """
    public = df.drop(columns=[c for c in PRIVATE_COLUMNS if c in df.columns])
    path = stem.with_suffix(".csv")
    with path.open("w", encoding="utf-8", newline="") as handle:
        if synthetic:
            handle.write(f"# {SYNTHETIC_BANNER}\n")
        public.to_csv(handle, index=False, lineterminator="\n")
    write_xlsx(public, stem.with_suffix(".xlsx"), synthetic=synthetic)
    return path


def _median_annotation(results: dict[str, Any], endpoint: str) -> str | None:
    s = lookup(results, f"survival.{endpoint}")
    if not s or "median_months" not in s:
        return None
    level = lookup(results, "meta.conf_level")
    median = format_estimate_ci(
        s["median_months"], s.get("ci_lower"), s.get("ci_upper"), unit=" mo", conf_level=level
    )
    return f"Median {median}"


def write_figures(outputs: StudyOutputs, figures_dir: Path, tables_dir: Path) -> list[HtmlFigure]:
    """One Kaplan-Meier figure per curve (PNG + SVG) and its at-risk counts as CSV."""
    results = outputs.results
    conf = f"{conf_label(lookup(results, 'meta.conf_level'))}"
    conf_type = lookup(results, "meta.conf_type") or "log-log"
    shown = []
    for endpoint, km in outputs.curves.items():
        title = endpoint_label(endpoint)
        drawn = plot_km(
            km,
            label=endpoint.upper(),
            annotation=_median_annotation(results, endpoint),
            synthetic=outputs.synthetic,
        )
        paths = save_figure(drawn.figure, figures_dir / f"{endpoint}_km")
        at_risk = drawn.at_risk.assign(endpoint=endpoint)
        write_table(at_risk, tables_dir / f"{endpoint}_at_risk", outputs.synthetic)
        caption = (
            f"Kaplan\u2013Meier estimate with pointwise {conf} ({conf_type}); + marks censored "
            "patients; the number at risk is given at each tick of the time axis."
        )
        svg = next(p for p in paths if p.suffix == ".svg")
        shown.append(
            HtmlFigure(
                name=f"{endpoint}_km",
                title=title,
                caption=caption,
                alt=f"Kaplan-Meier curve of {title.lower()} with number at risk",
                path=svg,
            )
        )
    return shown


def display_tables(
    outputs: StudyOutputs, landmarks: pd.DataFrame
) -> dict[str, display.DisplayTable]:
    """Every table the page shows, formatted."""
    t, r = outputs.tables, outputs.results
    n_total = lookup(r, "cohort.n")
    level = lookup(r, "meta.conf_level")
    return {
        "attrition": display.attrition_table(t["attrition"]),
        "baseline": display.characteristics_table(
            t["baseline"], "baseline", "Baseline characteristics", n_total
        ),
        "treatment": display.characteristics_table(
            t["treatment"], "treatment", "Treatment summary", n_total
        ),
        "response": display.response_table(t["response"], lookup(r, "response.denominator"), level),
        "survival": display.survival_table(t["survival"], level),
        "landmarks": display.landmarks_table(landmarks, level),
        "adverse_events": display.adverse_events_table(t["adverse_events"], n_total),
        "methods": display.methods_table(outputs.methods),
    }


def write_report(outputs: StudyOutputs, out_dir: Path, *, pdf: bool | None = None) -> Path:
    """Write the HTML report, its figures and its tables into ``out_dir``.

    Steps
    -----
    1. Check the outputs carry every table and column the report draws.
    2. Write every tidy table (and the methods rows) as ``tables/<name>.csv``.
    3. Draw the Kaplan-Meier figures (PNG 300 dpi + SVG) with their at-risk tables, and the
       flow diagram.
    4. Format the display tables and the summary paragraph.
    5. Render ``report.html`` with the figures embedded.
    6. Print it to ``report.pdf`` with headless Chromium.
    7. Write ``report.docx`` and one ``tables/<name>.docx`` per displayed table.

    Parameters
    ----------
    outputs : the analysis bundle (``oncorwe.results.StudyOutputs``).
    out_dir : folder to write into (created if needed).
    pdf : write ``report.pdf``; None (default) = when a Chromium browser is installed, with a
        warning when it is not; True = always (``PdfError`` without a browser); False = never.

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
    # step 2
    landmarks = landmarks_frame(outputs)
    frames = {
        **outputs.tables,
        "landmarks": landmarks,
        "methods": display.methods_frame(outputs.methods),
    }
    for name, frame in frames.items():
        write_table(frame, tables_dir / name, outputs.synthetic)
    # step 3
    figures = write_figures(outputs, figures_dir, tables_dir)
    flow = plot_flow(outputs.tables["attrition"], synthetic=outputs.synthetic)
    save_figure(flow, figures_dir / "flow")
    # step 4
    tables = display_tables(outputs, landmarks)
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
        summary=write_summary(outputs.results),
        follow_up=follow_up_text,
        tables=tables,
        attrition=outputs.tables["attrition"],
        figures=figures,
        provenance=outputs.provenance,
        synthetic=outputs.synthetic,
    )
    path = out_dir / "report.html"
    path.write_text(page, encoding="utf-8")
    # step 6
    if pdf or (pdf is None and find_browser()):
        write_pdf(path, out_dir / "report.pdf")
    elif pdf is None:
        warnings.warn("No Chromium browser found: report.pdf not written", stacklevel=2)
    # step 7
    write_word(outputs, out_dir, tables, follow_up_text, figures)
    return path


def write_word(
    outputs: StudyOutputs,
    out_dir: Path,
    tables: dict[str, display.DisplayTable],
    follow_up: str,
    figures: list[HtmlFigure],
) -> None:
    """``report.docx`` and ``tables/<name>.docx``; skipped with a warning without python-docx."""
    try:
        from oncorwe.report import word
    except ImportError:
        warnings.warn("python-docx is not installed: Word files not written", stacklevel=3)
        return
    for table in tables.values():
        word.write_table_docx(table, out_dir / "tables" / f"{table.name}.docx", outputs.synthetic)
    word.write_report_docx(
        out_dir / "report.docx",
        title=outputs.title,
        summary=write_summary(outputs.results),
        follow_up=follow_up,
        tables=tables,
        figures=[(f.path.with_suffix(".png"), f"{f.title}. {f.caption}") for f in figures],
        provenance=provenance_blocks(outputs.provenance),
        synthetic=outputs.synthetic,
        flow=out_dir / "figures" / "flow.png",
    )
