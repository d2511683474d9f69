"""What an analysis hands to the report: one immutable bundle.

``results`` is the single source of every headline number (written as ``results.json``); the
HTML, the narrative and the tests all read it. ``tables`` are tidy DataFrames that the report only
formats. ``curves`` are Kaplan-Meier results (``oncorwe.stats.kaplan_meier``) keyed by endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from oncorwe.derive.endpoints import ENDPOINTS, Endpoint


@dataclass(frozen=True)
class StudyOutputs:
    """Everything the report needs, computed before rendering starts.

    Attributes
    ----------
    results : nested dict of headline numbers (see ``oncorwe.analysis``), JSON-serialisable.
    tables : tidy tables by name. Always present: ``baseline`` (Table 1), ``treatment``,
        ``attrition``, ``response``, ``survival`` (medians and landmarks), ``adverse_events``.
    curves : Kaplan-Meier fits by endpoint name (``"os"``, ``"pfs"``), each with ``.table``,
        ``.at(times)``, ``.median`` and ``.quantile(p)``.
    methods : list of (setting, value, note) rows: every protocol default and statistical
        option, written into the report's methods section.
    provenance : input file hashes, protocol name, oncorwe and dependency versions.
    synthetic : True when the data are synthetic (the demo twin); every output says so.
    endpoints : the time-to-event endpoint declarations analysed (their labels name the
        endpoints in tables and figures).
    """

    results: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    curves: dict[str, Any]
    methods: list[tuple[str, str, str]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    title: str = "Real-world outcome study"
    # shareable output (protocol privacy.shareable): counts 1..min_cell-1 are shown as
    # "<min_cell" wherever the report draws a count itself (numbers at risk); None = exact
    min_cell: int | None = None
    endpoints: tuple[Endpoint, ...] = ENDPOINTS
