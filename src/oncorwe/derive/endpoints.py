"""The study's time-to-event endpoints, each declared once as data.

An ``Endpoint`` names its ADTTE parameter (``PARAMCD``/``PARAM``), its display label, its event
and censoring sources (``oncorwe.derive.sources``) and the analyses that use it. Derivation
(``derive_endpoints``), summaries, subgroups, the report's tables and figures and the ADTTE
dataset all read ``ENDPOINTS``; adding an endpoint is adding one declaration to it.

Rules (pharmaverse admiral ``derive_param_tte``): the event date is the earliest event-source
date, otherwise the patient is censored at the latest censoring-source date
(``oncorwe.derive.time_to_event``).

OS: event = death; censored at the last date known alive (admiralonco ``lastalive_censor``;
docs/references/adam.md).
PFS: event = first progression (a progression record, or a tumour assessment with a time-point
response of PD, after day 0) or death; censored at the last tumour assessment after day 0, or at
day 0 when there is none (admiralonco ``rand_censor``). With the protocol's
``survival.censor_pfs_at_new_therapy``, only dates on or before a new anticancer therapy count.
LC (local control): event = in-field progression; death and out-of-field progression are not
events (they censor at the last tumour assessment; see the competing-risk analysis of first
failure).
TTF (time to treatment failure): event = ICI stopped for progression, toxicity, patient choice,
death or another reason, progression, or death, whichever first; censored at the last contact.

References
----------
.. [1] pharmaverse admiral (R package): ``derive_param_tte()`` with ``event_source()`` and
   ``censor_source()`` objects; admiralonco's predefined sources.
.. [2] CDISC. ADaM Basic Data Structure for Time-to-Event Analyses (ADTTE), v1.0, 2012.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.derive import sources
from oncorwe.derive.new_therapy import derive_new_therapy
from oncorwe.derive.time_to_event import TTE_COLUMNS, DateSource, derive_time_to_event
from oncorwe.engine import Engine
from oncorwe.protocol import Protocol

PARAMCD = re.compile(r"[A-Z][A-Z0-9]{0,7}")  # ADaMIG: PARAMCD at most 8 characters


@dataclass(frozen=True)
class Endpoint:
    """One time-to-event endpoint and where it is used.

    Attributes
    ----------
    paramcd : ADTTE ``PARAMCD`` (``"OS"``); its lower case (``key``) names the ADSL columns
        ``<key>_months``/``<key>_event``, the ``results.json`` entry and the figure files.
    param : ADTTE ``PARAM`` (``"Overall Survival"``).
    label : the report's name for it (``"Overall survival"``).
    events, censors : event and censoring sources (``oncorwe.derive.sources``).
    new_therapy_censoring : with the protocol's ``survival.censor_pfs_at_new_therapy``, count
        only source dates on or before a new anticancer therapy (admiral's NACT rule).
    summary : Kaplan-Meier median and landmarks in ``results.json`` and the survival tables.
    km_figure : a Kaplan-Meier figure with its numbers at risk.
    subgroups : survival by each subgroup of the protocol (KM, log-rank, univariable Cox).
    cox : univariable and multivariable Cox models of the protocol's covariates.
    adtte : written to the ADTTE dataset.
    """

    paramcd: str
    param: str
    label: str
    events: tuple[DateSource, ...]
    censors: tuple[DateSource, ...]
    new_therapy_censoring: bool = False
    summary: bool = True
    km_figure: bool = False
    subgroups: bool = False
    cox: bool = False
    adtte: bool = True

    def __post_init__(self) -> None:
        if not PARAMCD.fullmatch(self.paramcd):
            raise ValueError(
                f"endpoint PARAMCD {self.paramcd!r} is not 1-8 upper-case letters or digits "
                "starting with a letter (ADaM PARAMCD)"
            )
        if not self.events or not self.censors:
            raise ValueError(f"endpoint {self.paramcd} needs event and censoring sources")

    @property
    def key(self) -> str:
        """``paramcd`` in lower case: ``"os"``."""
        return self.paramcd.lower()

    def sources(self, protocol: Protocol) -> tuple[tuple[DateSource, ...], ...]:
        """(event sources, censoring sources) under ``protocol``."""
        if self.new_therapy_censoring and protocol.survival.censor_pfs_at_new_therapy:
            restrict = sources.restricted_to_before_new_therapy
            return restrict(self.events), restrict(self.censors)
        return self.events, self.censors


OS = Endpoint(
    "OS",
    "Overall Survival",
    "Overall survival",
    events=(sources.death,),
    censors=(sources.last_alive, sources.origin_censor),
    km_figure=True,
    subgroups=True,
    cox=True,
)
PFS = Endpoint(
    "PFS",
    "Progression-Free Survival",
    "Progression-free survival",
    events=(sources.progression_record, sources.progression_assessment, sources.death),
    censors=(sources.last_assessment, sources.origin_censor),
    new_therapy_censoring=True,
    km_figure=True,
    subgroups=True,
    cox=True,
)
LC = Endpoint(
    "LC",
    "Local Control",
    "Local control",
    events=(sources.in_field_progression,),
    censors=(sources.last_assessment, sources.origin_censor),
)
TTF = Endpoint(
    "TTF",
    "Time to Treatment Failure",
    "Time to treatment failure",
    events=(
        sources.ici_discontinuation,
        sources.progression_record,
        sources.progression_assessment,
        sources.death,
    ),
    censors=(sources.last_alive, sources.origin_censor),
)

ENDPOINTS: tuple[Endpoint, ...] = (OS, PFS, LC, TTF)
"""Every endpoint of the study, in the order of the tables and of ADTTE."""


def endpoint_labels(endpoints: Sequence[Endpoint] = ENDPOINTS) -> dict[str, str]:
    """``{"os": "Overall survival", ...}``: each endpoint's label by its key."""
    return {e.key: e.label for e in endpoints}


def endpoint_time_to_event(
    t: Mapping[str, ir.Table], endpoint: Endpoint, protocol: Protocol
) -> ir.Table:
    """The per-patient time-to-event rows of one ``endpoint`` under ``protocol``: a table
    expression over the contract tables and ``cohort`` ``t`` (``derive_time_to_event``)."""
    events, censors = endpoint.sources(protocol)
    restricted = any(s.before_new_therapy for s in (*events, *censors))
    return derive_time_to_event(
        t,
        endpoint.paramcd,
        endpoint.param,
        events,
        censors,
        protocol.survival.days_per_month,
        protocol=protocol,
        new_therapy=derive_new_therapy(t, protocol) if restricted else None,
        count_origin_day=protocol.survival.count_origin_day,
    )


def endpoint_rows(
    t: Mapping[str, ir.Table],
    protocol: Protocol,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> ir.Table:
    """ADTTE-shaped rows (``TTE_COLUMNS``) of every endpoint, one per cohort patient and
    endpoint, with ``_k``, the endpoint's place in ``endpoints``: one table expression, each
    endpoint's part from its declaration (``endpoint_time_to_event``)."""
    return ibis.union(
        *(
            endpoint_time_to_event(t, e, protocol).mutate(_k=ibis.literal(k, "int64"))
            for k, e in enumerate(endpoints)
        )
    )


def typed_adtte(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``endpoint_rows`` as they came back, as ADTTE: ``TTE_COLUMNS``, dates in
    microseconds (the unit its Parquet file has always had)."""
    out = rows.loc[:, TTE_COLUMNS].reset_index(drop=True)
    return out.astype({"startdt": "datetime64[us]", "adt": "datetime64[us]"})


def derive_endpoints(
    engine: Engine,
    t: Mapping[str, ir.Table],
    protocol: Protocol,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> pd.DataFrame:
    """ADTTE-shaped rows (``TTE_COLUMNS``) of every endpoint, one per cohort patient and
    endpoint, endpoints in the order given: ``endpoint_rows`` run on ``engine``, ordered by
    endpoint and patient (a study keeps them on the engine:
    ``oncorwe.analysis.datasets.derive_datasets``)."""
    rows = endpoint_rows(t, protocol, endpoints)
    return typed_adtte(engine.query(rows.order_by(["_k", "patient_id"])))
