"""The report's sections, in order, each with its tables and figures: one list for every format.

HTML and Word walk the same ``Section`` list, so a table or figure is placed once. Core sections
are always shown; an optional section (subgroups, local control, comparison) is shown only when
the analysis provided a table for it, and its absence is logged, not an error.

The STROBE/RECORD checklist (``data/checklist.csv``: guideline, item, recommendation, section
ids) is turned into a table that names, for each item, the sections of *this* report that answer
it; an item whose sections are absent, or that only the authors can answer, says so.

References
----------
.. [1] von Elm E, et al. The STROBE statement. Lancet 2007;370:1453-7.
.. [2] Benchimol EI, et al. The RECORD statement. PLoS Med 2015;12:e1001885.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from oncorwe.report.display import DisplayTable
from oncorwe.report.figure_ref import HtmlFigure
from oncorwe.report.registry import SPECS
from oncorwe.report.specs import RenderContext, render_spec

LOG = logging.getLogger("oncorwe.report")

SECTIONS = (
    ("summary", "Summary", True),
    ("attrition", "Cohort selection", True),
    ("baseline", "Baseline characteristics", True),
    ("treatment", "Treatment", True),
    ("response", "Tumour response", True),
    ("local-control", "Local control and patterns of failure", False),
    ("survival", "Survival", True),
    ("subgroups", "Subgroups and regression models", False),
    ("adverse-events", "Adverse events", True),
    ("comparison", "Comparison with published results", False),
    ("methods", "Methods", True),
    ("checklist", "Reporting checklist (STROBE, RECORD)", True),
    ("provenance", "Provenance", True),
)
"""(anchor id, heading, always shown)."""
TITLES = {anchor: title for anchor, title, _ in SECTIONS}
AUTHORS = "Not in the generated report (authors' text)"


@dataclass(frozen=True)
class Section:
    """One section of the report: anchor, heading, tables and figures in display order."""

    id: str
    title: str
    tables: tuple[DisplayTable, ...] = ()
    figures: tuple[HtmlFigure, ...] = ()


def optional_tables(
    tables: Mapping[str, pd.DataFrame], context: RenderContext
) -> dict[str, list[DisplayTable]]:
    """Display tables of every registered table that is present, by section id.

    An absent table is skipped with an INFO log line naming it.
    """
    by_section: dict[str, list[DisplayTable]] = {}
    for spec in SPECS:
        if spec.name == "checklist":
            continue
        if spec.name not in tables:
            LOG.info("table '%s' not in the analysis outputs: not shown", spec.name)
            continue
        by_section.setdefault(spec.section, []).extend(
            render_spec(tables[spec.name], spec, context)
        )
    return by_section


def checklist_items() -> pd.DataFrame:
    """The shipped checklist: ``guideline, item, recommendation, sections`` (ids, ``;``)."""
    source = resources.files("oncorwe.report").joinpath("data/checklist.csv")
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def checklist_frame(shown: Iterable[str]) -> pd.DataFrame:
    """The checklist with ``where``: the headings of the shown sections answering each item."""
    shown = set(shown)
    items = checklist_items()

    def where(ids: str) -> str:
        wanted = [i for i in ids.split(";") if i]
        if not wanted:
            return AUTHORS
        present = [TITLES[i] for i in wanted if i in shown]
        if present:
            return "; ".join(present)
        return "Not shown: " + "; ".join(TITLES.get(i, i) for i in wanted) + " not available"

    return items.assign(where=items["sections"].map(where))


def assemble_sections(
    core: Mapping[str, list[DisplayTable]],
    optional: Mapping[str, list[DisplayTable]],
    figures: Mapping[str, list[HtmlFigure]],
) -> list[Section]:
    """The sections to show, in order: core ones always, optional ones when they have content."""
    out = []
    for anchor, title, always in SECTIONS:
        tables = tuple(core.get(anchor, [])) + tuple(optional.get(anchor, []))
        shown_figures = tuple(figures.get(anchor, []))
        if always or tables or shown_figures:
            out.append(Section(anchor, title, tables, shown_figures))
        else:
            LOG.info("section '%s' has no table or figure: not shown", anchor)
    return out
