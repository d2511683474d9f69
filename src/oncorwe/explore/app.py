"""The explorer's web page (Shiny for Python): controls left, curves and numbers right.

Why Shiny for Python: it is maintained by Posit (the makers of R Shiny, familiar to the
biostatisticians who use this toolkit), its wheel ships every JavaScript and CSS asset it serves
(jQuery, Bootstrap, bslib, shiny.js under ``shiny/www``), so the page works with the network off,
and its reactive model recomputes only what a changed control touches. The figure is the
notebook API's matplotlib figure (the report's style, at-risk table aligned), sent as a PNG;
nothing is redrawn in JavaScript.

The page: endpoint, "group by" and a filter (the :mod:`oncorwe.api.where` language) on the left;
the Kaplan-Meier figure with its number-at-risk table, medians with CI, hazard ratios, the
log-rank p and landmark rates on the right; downloads of the view as PNG, SVG and CSV.
"""

from __future__ import annotations

import functools
import html

import pandas as pd
from shiny import App, reactive, render, ui

from oncorwe.derive.endpoints import ENDPOINTS
from oncorwe.explore import view as state
from oncorwe.explore.view import (
    View,
    combined_where,
    compute_view,
    figure_bytes,
    grouping_columns,
    level_choices,
    quick_filter_columns,
)
from oncorwe.protocol import Protocol

FIRST_ENDPOINT = ENDPOINTS[0].key
"""The endpoint shown first (the first declared: overall survival)."""
VIEWS_KEPT = 64
"""Views kept in memory (a view is immutable: going back to a state redraws nothing)."""
FILTER_HELP = "e.g. child_pugh_class == 'B' and age >= 60"
CSS = """
#km-image { max-width: 100%; height: auto; }
#view-error { color: #b00020; font-weight: 600; }
.note { font-size: 0.85em; color: #555; margin: 0; }
"""


def _controls(cohort: pd.DataFrame, default_by: str, choices: dict[str, dict]) -> list:
    endpoints = {e.key: e.label for e in ENDPOINTS if f"{e.key}_months" in cohort.columns}
    by_choices = {"": "(all patients)"} | {c: c for c in grouping_columns(cohort)}
    ticks = [
        ui.input_checkbox_group(f"pick_{c}", c, levels, selected=list(levels), inline=True)
        for c, levels in choices.items()
    ]
    return [
        ui.input_select("endpoint", "Endpoint", endpoints, selected=FIRST_ENDPOINT),
        ui.input_select("by", "Group by", by_choices, selected=default_by),
        *ticks,
        ui.input_text("where", "Filter", "", placeholder=FILTER_HELP, update_on="blur"),
        ui.input_action_button("apply", "Apply filter", class_="btn-sm"),
        ui.hr(),
        ui.download_button("export_png", "PNG", class_="btn-sm"),
        ui.download_button("export_svg", "SVG", class_="btn-sm"),
        ui.download_button("export_csv", "CSV", class_="btn-sm"),
    ]


def page(cohort: pd.DataFrame, choices: dict, title: str, default_by: str, banner: str):
    """The page layout (ids used by the browser tests: km-image, summary-table, logrank ...)."""
    return ui.page_sidebar(
        ui.sidebar(*_controls(cohort, default_by, choices), width=300),
        ui.tags.style(CSS),
        ui.tags.p(banner, id="banner", style="color:#b00020;font-weight:700") if banner else None,
        ui.output_ui("view_error"),
        ui.layout_columns(
            ui.card(ui.card_header("Kaplan-Meier"), ui.output_ui("km_plot")),
            ui.card(
                ui.card_header("Medians, hazard ratios and log-rank test"),
                ui.output_ui("summary"),
                ui.card_header("Landmark survival"),
                ui.output_ui("landmarks"),
            ),
            col_widths=(6, 6),
        ),
        title=title,
        window_title=title,
        lang="en",
    )


def explorer_app(
    cohort: pd.DataFrame,
    protocol: Protocol,
    *,
    synthetic: bool = False,
    title: str | None = None,
) -> App:
    """The Shiny app over one study's cohort.

    Parameters
    ----------
    cohort : one row per patient (:attr:`oncorwe.api.Study.cohort`).
    protocol : CI options, landmarks and privacy (shareable output hides small counts).
    synthetic : show the synthetic-data banner and mark figures.
    title : page title; default the protocol's study title.

    Returns
    -------
    shiny.App
        An ASGI application; ``oncorwe explore`` serves it on 127.0.0.1.
    """
    title = title or protocol.study.title
    banner = "SYNTHETIC DATA \u2014 not real patients" if synthetic else ""
    if protocol.privacy.shareable:
        banner += f" Shareable output: counts below {protocol.privacy.min_cell} are hidden."
    default_by = protocol.subgroups.table1_by if protocol.subgroups.table1_by in cohort else ""
    choices = {c: level_choices(cohort, c) for c in quick_filter_columns(cohort, protocol)}
    layout = page(cohort, choices, title, default_by, banner.strip())

    @functools.lru_cache(maxsize=VIEWS_KEPT)
    def cached_view(endpoint: str, by: str, where: str) -> View:
        return compute_view(cohort, protocol, endpoint, by, where, synthetic)

    cached_view(FIRST_ENDPOINT, default_by, "")  # the first page's view is ready before anyone asks

    def server(input, output, session):  # Shiny's argument names
        @reactive.calc
        def view() -> View:
            input.apply()  # the button applies a filter typed without leaving the field
            picks = {c: tuple(input[f"pick_{c}"]()) for c in choices}
            where = combined_where(input.where(), picks, choices)
            return cached_view(input.endpoint(), input.by(), where)

        _view_outputs(view)
        _downloads(input, view)

    return App(layout, server)


def _view_outputs(view) -> None:
    """The error line, the figure and the two tables of the current view."""

    @render.ui
    def view_error():
        error = view().error
        return ui.tags.p(error, id="view-error") if error else None

    @render.ui
    def km_plot():
        current = view()
        if current.result is None:
            return None
        alt = html.escape(f"Kaplan-Meier curves of {current.result.label}")
        return ui.HTML(f"<img id='km-image' src='{current.image_uri()}' alt='{alt}'>")

    @render.ui
    def summary():
        return ui.HTML(view().summary_html)

    @render.ui
    def landmarks():
        return ui.HTML(view().landmarks_html)


def _downloads(input, view) -> None:
    """The current view as PNG (300 dpi), SVG and CSV (what the page shows)."""

    def stem() -> str:
        by = f"_by_{input.by()}" if input.by() else ""
        return f"{input.endpoint()}_km{by}"

    @render.download_button(filename=lambda: f"{stem()}.png", media_type="image/png")
    def export_png():
        if view().result is not None:
            yield figure_bytes(view().result, "png")

    @render.download_button(filename=lambda: f"{stem()}.svg", media_type="image/svg+xml")
    def export_svg():
        if view().result is not None:
            yield figure_bytes(view().result, "svg")

    @render.download_button(filename=lambda: f"{stem()}.csv", media_type="text/csv")
    def export_csv():
        if view().result is not None:
            yield state.export_csv(view().result)
