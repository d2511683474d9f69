"""The self-contained HTML report: Jinja2 templates shipped in ``report/templates``.

Everything the page needs is inside the one file: the stylesheet is inlined and each figure is
an SVG embedded as a ``data:`` URI in an ``<img>`` (its own document, so the SVG ids of two
figures cannot clash). There is no script and no external resource, so it opens offline.

References
----------
.. [1] Jinja2 docs, "API: Loaders" (``PackageLoader``) and "Autoescaping".
.. [2] RFC 2397, The "data" URL scheme.
"""

from __future__ import annotations

from typing import Any

import jinja2
import pandas as pd

from oncorwe import __version__
from oncorwe.report.figure_ref import HtmlFigure
from oncorwe.report.format import SYNTHETIC_BANNER, format_count, nonzero_count_phrase
from oncorwe.report.sections import SECTIONS, Section

__all__ = ["SECTIONS", "HtmlFigure", "environment", "provenance_blocks", "render_html"]


def environment() -> jinja2.Environment:
    """The template environment: package templates, autoescaping, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("oncorwe.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def flow_steps(attrition: pd.DataFrame) -> list[dict[str, str]]:
    """Boxes of the flow diagram: each step's criterion, patients remaining and excluded."""
    steps = []
    for r in attrition.itertuples():
        steps.append(
            {
                "description": str(r.description),
                "remaining": format_count(r.n_remaining),
                "excluded": nonzero_count_phrase(r.n_excluded),
            }
        )
    return steps


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def provenance_blocks(provenance: dict[str, Any]) -> list[dict[str, Any]]:
    """Provenance as display blocks: scalars as key/value pairs, dicts as titled pairs,
    lists of dicts (e.g. input files with sha256) as small tables."""
    blocks: list[dict[str, Any]] = []
    scalars = [(k, _text(v)) for k, v in provenance.items() if not isinstance(v, dict | list)]
    if scalars:
        blocks.append({"kind": "pairs", "title": "", "rows": scalars})
    for key, value in provenance.items():
        if isinstance(value, dict):
            rows = [(k, _text(v)) for k, v in value.items()]
            blocks.append(
                {"kind": "pairs", "title": key.replace("_", " ").capitalize(), "rows": rows}
            )
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for v in value for k in v))
            rows = [[_text(v.get(c)) for c in columns] for v in value]
            title = key.replace("_", " ").capitalize()
            blocks.append({"kind": "table", "title": title, "columns": columns, "rows": rows})
        elif isinstance(value, list):
            blocks.append(
                {"kind": "pairs", "title": "", "rows": [(key, ", ".join(map(str, value)))]}
            )
    return blocks


def render_html(
    *,
    title: str,
    protocol: str | None,
    summary: str,
    follow_up: str,
    sections: list[Section],
    attrition: pd.DataFrame,
    provenance: dict[str, Any],
    synthetic: bool,
) -> str:
    """Render the report page.

    Parameters
    ----------
    title, protocol : heading and protocol name.
    summary : the results paragraph (``narrative.write_summary``).
    follow_up : formatted median follow-up with CI.
    sections : the sections to show, in order, with their tables and figures
        (``sections.assemble_sections``); the table of contents lists exactly these.
    attrition : the tidy attrition table, for the flow diagram.
    provenance : ``StudyOutputs.provenance``.
    synthetic : show the synthetic-data banner.

    Returns
    -------
    str
        The HTML document.
    """
    template = environment().get_template("report.html.j2")
    return template.render(
        title=title,
        protocol=protocol,
        version=__version__,
        synthetic=synthetic,
        banner=SYNTHETIC_BANNER,
        sections=sections,
        summary=summary,
        follow_up=follow_up,
        flow=flow_steps(attrition),
        provenance=provenance_blocks(provenance),
    )
