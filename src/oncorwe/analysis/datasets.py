"""The study's analysis datasets: ADSL in Python, the per-event datasets on the engine.

``derive_datasets`` runs every derivation of the cohort. What has one row per patient comes
back as a frame: ADSL (``oncorwe.derive.adsl``, with each endpoint's ``<key>_months`` and
``<key>_event``, the primary best response and the worst treatment-emergent AE grade) and the
liver-toxicity rows. The datasets with a row per event stay where they were derived, as tables
made on the engine (``Engine.materialize``): ADTTE (one row per patient and endpoint), ADRS (per
patient, criteria and confirmation), ADAE (per patient and term) and the timeline of the swimmer
plot (per treatment interval or event). Statistics read aggregates of them (``response_counts``,
``recorded_counts``); the ADaM files are written from them batch by batch
(``AnalysisDatasets.batches``); ``AnalysisDatasets.frame`` (and the ``adtte``, ``adrs``,
``adae``, ``timeline`` attributes) fetches a whole one as a frame, for a notebook or a test.
Memory then follows the number of patients, not the number of event rows.

The tables live as long as the engine: an engine opened on a study store drops them when it
closes (they are in its in-memory catalogue, spilled to disk beyond its memory limit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.analysis.radiotherapy_outcomes import derive_liver_toxicity
from oncorwe.derive.adsl import assemble_adsl, baseline_characteristics, derive_baseline
from oncorwe.derive.endpoints import ENDPOINTS, Endpoint, endpoint_rows, typed_adtte
from oncorwe.derive.local_control import derive_failure_sites
from oncorwe.derive.response import ADRS_COLUMNS, derive_best_response, typed_adrs
from oncorwe.derive.time_to_event import TTE_COLUMNS
from oncorwe.derive.timeline import derive_timeline
from oncorwe.derive.toxicity import check_adverse_events, derive_worst_grade
from oncorwe.derive.treatment import derive_rt_summary, derive_sequence
from oncorwe.engine import Engine
from oncorwe.engine.connect import BATCH_ROWS
from oncorwe.protocol import Protocol

TABLE_PREFIX = "_oncorwe_"  # the engine tables of the per-event datasets: _oncorwe_adtte, ...
ORDER = "_k"  # the place of a row's part (endpoint; criteria and confirmation) in its dataset
EVENT_DATASETS = ("adtte", "adrs", "adae", "timeline")


@dataclass(frozen=True, eq=False)
class EventDataset:
    """A per-event dataset on the engine: ``rows``, an expression over its table giving its
    rows in order, and ``typed``, which gives a batch of them the pandas types its readers
    expect."""

    rows: ir.Table
    typed: Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True, eq=False)  # holds frames and an engine: compared by identity
class AnalysisDatasets:
    """ADaM-shaped analysis datasets of one study (written as Parquet and XPT for R or SAS).

    ``adsl`` (one row per patient) and ``liver_toxicity`` are frames; ``adtte``, ``adrs``,
    ``adae`` and ``timeline`` are tables on ``engine`` (``events``), fetched whole by the
    attributes of those names, batch by batch by :meth:`batches`. ``adae`` holds the worst
    grade per patient and term of every adverse event, with ``treatment_emergent`` (ADAE
    ``TRTEMFL``); safety tables count only the treatment-emergent rows
    (:meth:`treatment_emergent_adae`).
    """

    adsl: pd.DataFrame
    liver_toxicity: pd.DataFrame
    engine: Engine
    events: Mapping[str, EventDataset]

    def frame(self, name: str) -> pd.DataFrame:
        """Per-event dataset ``name`` (of ``EVENT_DATASETS``) as one frame."""
        dataset = self.events[name]
        return dataset.typed(self.engine.query(dataset.rows))

    def batches(self, name: str, rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
        """Per-event dataset ``name`` in order, as frames of at most about ``rows`` rows (at
        least one, empty when the dataset is)."""
        dataset = self.events[name]
        for batch in self.engine.batches(dataset.rows, rows):
            yield dataset.typed(batch)

    @property
    def adtte(self) -> pd.DataFrame:
        return self.frame("adtte")

    @property
    def adrs(self) -> pd.DataFrame:
        return self.frame("adrs")

    @property
    def adae(self) -> pd.DataFrame:
        return self.frame("adae")

    @property
    def timeline(self) -> pd.DataFrame:
        return self.frame("timeline")

    def treatment_emergent_adae(self) -> pd.DataFrame:
        """The treatment-emergent rows of ``adae`` (what the safety tables count), in order."""
        dataset = self.events["adae"]
        rows = dataset.rows.filter(dataset.rows.treatment_emergent)
        return dataset.typed(self.engine.query(rows))

    def response_counts(self) -> pd.DataFrame:
        """``criteria, confirmed, bor, bor_source, n``: patients per best overall response
        and its source, for each criteria and confirmation in the order of ``adrs``."""
        rows = self.events["adrs"].rows
        keys = [ORDER, "criteria", "confirmed", "bor", "bor_source"]
        counts = rows.group_by(keys).aggregate(n=rows.count()).order_by(keys)
        out = self.engine.query(counts).drop(columns=ORDER)
        return out.astype({"confirmed": bool, "n": "int64"})


def endpoint_columns(rows: ir.Table, endpoints: Sequence[Endpoint]) -> ir.Table:
    """One row per patient of the endpoints' rows ``rows`` (``TTE_COLUMNS``): each endpoint's
    ``<key>_months`` and ``<key>_event`` (1 event, 0 censored), endpoints by ``PARAMCD``."""
    columns = {}
    for endpoint in sorted(endpoints, key=lambda e: e.paramcd):
        mine = rows.paramcd == endpoint.paramcd
        columns[f"{endpoint.key}_months"] = rows.aval_months.max(where=mine)
        event = ibis.ifelse(rows.cnsr == 0, 1, 0).cast("int64")
        columns[f"{endpoint.key}_event"] = event.max(where=mine)
    return rows.group_by("patient_id").aggregate(**columns).order_by("patient_id")


def _worst_grade_per_patient(adae: ir.Table) -> ir.Table:
    """``patient_id, worst_grade``: the worst treatment-emergent grade of each patient."""
    emergent = adae.filter(adae.treatment_emergent)
    return emergent.group_by("patient_id").aggregate(worst_grade=emergent.worst_grade.max())


def _made(engine: Engine, name: str, expression: ir.Table) -> ir.Table:
    """``expression`` made as table ``TABLE_PREFIX + name`` on ``engine``; that table."""
    engine.materialize(TABLE_PREFIX + name, expression)
    return ibis.table(expression.schema(), name=TABLE_PREFIX + name)


def criteria_derived(protocol: Protocol) -> list[str]:
    """The primary criteria, then the secondary ones."""
    primary = protocol.response.criteria
    return [primary] + [c for c in protocol.response.secondary_criteria if c != primary]


def _event_tables(
    engine: Engine, t: Mapping[str, ir.Table], protocol: Protocol, endpoints: Sequence[Endpoint]
) -> dict[str, ir.Table]:
    """Every endpoint's rows, ADRS, ADAE and the timeline made as tables on ``engine``."""
    # each criteria and confirmation made on its own (their expressions name the same
    # relations), the four tables read as one
    parts = [(c, confirm) for c in criteria_derived(protocol) for confirm in (False, True)]
    adrs = ibis.union(
        *(
            _made(engine, f"adrs_{k}", derive_best_response(t, protocol, c, confirm)).mutate(
                **{ORDER: ibis.literal(k, "int64")}
            )
            for k, (c, confirm) in enumerate(parts)
        )
    )
    return {
        "endpoints": _made(engine, "endpoints", endpoint_rows(t, protocol, endpoints)),
        "adrs": adrs,
        "adae": _made(engine, "adae", derive_worst_grade(t, protocol, False)),
        "timeline": _made(engine, "timeline", derive_timeline(t, protocol)),
    }


def _event_datasets(made: Mapping[str, ir.Table], written: Sequence[str]) -> dict:
    """The per-event datasets (``EventDataset``) over the tables ``_event_tables`` made."""
    tte, adrs, adae, timeline = (made[k] for k in ("endpoints", "adrs", "adae", "timeline"))
    adtte = tte.filter(tte.paramcd.isin(list(written))).order_by([ORDER, "patient_id"])
    ae_order = ["patient_id", "term", ibis.asc("treatment_emergent", nulls_first=False)]
    return {
        "adtte": EventDataset(adtte.select(TTE_COLUMNS), typed_adtte),
        "adrs": EventDataset(
            adrs.order_by([ORDER, "patient_id"]).select(ADRS_COLUMNS + [ORDER]), typed_adrs
        ),
        "adae": EventDataset(adae.order_by(ae_order), check_adverse_events),
        "timeline": EventDataset(timeline.order_by(list(timeline.columns)), lambda f: f),
    }


def primary_response(data: AnalysisDatasets, protocol: Protocol) -> pd.DataFrame:
    """``patient_id, bor``: the best overall response of each patient under the protocol's
    primary criteria and confirmation, ordered by patient."""
    rows = data.events["adrs"].rows
    mine = (rows.criteria == protocol.response.criteria) & (
        rows.confirmed == protocol.response.confirmation
    )
    return data.engine.query(rows.filter(mine).select("patient_id", "bor"))


def derive_datasets(
    engine: Engine,
    t: Mapping[str, ir.Table],
    protocol: Protocol,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> AnalysisDatasets:
    """Run every derivation for the cohort: builders over the tables ``t`` (contract tables
    and ``cohort``) on ``engine``.

    Steps
    -----
    1. The per-event rows made as tables on the engine: every endpoint's time-to-event rows,
       ADRS, ADAE, the timeline.
    2. ADAE's events without onset date that the protocol cannot place refused
       (``check_adverse_events``, on those rows only).
    3. ADSL from one-row-per-patient queries: baseline, RT summary, sequence, each endpoint's
       time and event, the primary best response, failure sites, worst AE grade.
    """
    # step 1
    made = _event_tables(engine, t, protocol, endpoints)
    data = AnalysisDatasets(
        adsl=pd.DataFrame(),
        liver_toxicity=engine.query(derive_liver_toxicity(t)),
        engine=engine,
        events=_event_datasets(made, [e.paramcd for e in endpoints if e.adtte]),
    )
    # step 2
    adae = data.events["adae"].rows
    check_adverse_events(engine.query(adae.filter(adae.treatment_emergent.isnull())))
    # step 3
    adsl = assemble_adsl(
        baseline_characteristics(engine.query(derive_baseline(t))),
        engine.query(derive_rt_summary(t, protocol)),
        engine.query(derive_sequence(t, protocol)),
        _event_columns(engine.query(endpoint_columns(made["endpoints"], endpoints))),
        primary_response(data, protocol),
        engine.query(derive_failure_sites(t)),
        engine.query(_worst_grade_per_patient(adae)),
    )
    return AnalysisDatasets(adsl, data.liver_toxicity, engine, data.events)


def _event_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``endpoint_columns`` rows with the events as integers (every patient has each)."""
    events = [c for c in frame.columns if c.endswith("_event")]
    return frame.astype(dict.fromkeys(events, "int64"))
