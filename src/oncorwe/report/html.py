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

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from oncorwe import __version__
from oncorwe.report.display import DisplayTable
from oncorwe.report.format import SYNTHETIC_BANNER, count_phrase, format_count

SECTIONS = (
    ("summary", "Summary"),
    ("attrition", "Cohort selection"),
    ("baseline", "Baseline characteristics"),
    ("treatment", "Treatment"),
    ("response", "Tumour response"),
    ("survival", "Survival"),
    ("adverse-events", "Adverse events"),
    ("methods", "Methods"),
    ("provenance", "Provenance"),
)
MIME = {".svg": "image/svg+xml", ".png": "image/png"}


@dataclass(frozen=True)
class HtmlFigure:
    """A figure as the page shows it: anchor name, title, caption and its file (embedded)."""

    name: str
    title: str
    caption: str
    alt: str
    path: Path

    @property
    def src(self) -> str:
        """The file as a ``data:`` URI (base64), so the page needs no other file."""
        payload = base64.b64encode(self.path.read_bytes()).decode("ascii")
        return f"data:{MIME[self.path.suffix]};base64,{payload}"


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
        excluded = int(r.n_excluded) if pd.notna(r.n_excluded) else 0
        steps.append(
            {
                "description": str(r.description),
                "remaining": format_count(r.n_remaining),
                "excluded": count_phrase(excluded) if excluded else "",
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
    tables: dict[str, DisplayTable],
    attrition: pd.DataFrame,
    figures: list[HtmlFigure],
    provenance: dict[str, Any],
    synthetic: bool,
) -> str:
    """Render the report page.

    Parameters
    ----------
    title, protocol : heading and protocol name.
    summary : the results paragraph (``narrative.write_summary``).
    follow_up : formatted median follow-up with CI.
    tables : display tables by name (attrition, baseline, treatment, response, survival,
        landmarks, adverse_events, methods).
    attrition : the tidy attrition table, for the flow diagram.
    figures : figures to embed, in order.
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
        sections=[{"id": i, "title": t} for i, t in SECTIONS],
        summary=summary,
        follow_up=follow_up,
        tables=tables,
        flow=flow_steps(attrition),
        figures=figures,
        provenance=provenance_blocks(provenance),
    )
