"""One study analysis: accepted tables + protocol -> analysis datasets, results and tables.

Steps: analysis database over the accepted rows -> cohort with attrition -> derivations
(time-to-event, response, treatment, toxicity, failure pattern) -> ADSL -> statistics ->
``StudyOutputs`` for the report. Nothing here formats; nothing in the report computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from threadpoolctl import threadpool_limits

from oncorwe.analysis.compare import baseline_by_group
from oncorwe.analysis.datasets import (
    AnalysisDatasets,
    criteria_derived,
    derive_datasets,
    primary_response,
)
from oncorwe.analysis.describe import BASELINE_VARIABLES, TREATMENT_VARIABLES, describe
from oncorwe.analysis.lesion_response import (
    LesionResponse,
    derive_lesion_response,
    lesion_response_results,
    response_by_criteria,
)
from oncorwe.analysis.published import published_comparison
from oncorwe.analysis.radiotherapy_outcomes import (
    eqd2_table,
    failure_cumulative_incidence,
    failure_pattern_table,
    liver_toxicity_table,
)
from oncorwe.analysis.safety import (
    adverse_events_by_soc,
    adverse_events_by_term,
    unmapped_term_findings,
)
from oncorwe.analysis.subgroups import COX_TIES, cox_tables, subgroup_survival
from oncorwe.analysis.summarize import (
    PROPORTION_CI,
    cohort_results,
    landmark_table,
    median_table,
    response_results,
    response_table,
    safety_results,
    survival_curves,
    survival_results,
    treatment_results,
)
from oncorwe.analysis.swimmer import swimmer_rows
from oncorwe.cohort import COHORT_SCHEMA, COHORT_TABLE, Cohort, analysis_connection, build_cohort
from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.derive.lesion_checks import usable_lesions
from oncorwe.derive.recist import USABLE_LESIONS
from oncorwe.derive.response import RECORDED_NOTE, recorded_response_note
from oncorwe.derive.toxicity import (
    undated_ae_note,
)
from oncorwe.engine import Engine
from oncorwe.engine.study_store import table_types
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import Protocol
from oncorwe.results import (
    Count,
    LiverCount,
    LocalControlResults,
    Meta,
    StudyOutputs,
    StudyResults,
    records,
)

Progress = Callable[[str], None]
# BLAS threads of the statistics: their matrix products (Cox, log-rank) are n x p with p a few
# covariates, memory-bound; a second OpenBLAS thread only spins beside the engine's threads (at
# 40,000 patients the Cox and subgroup tables took 3.0 CPU seconds on two threads, 1.0 on one)
BLAS_THREADS = 1


def study_tables() -> dict[str, ir.Table]:
    """The tables a derivation reads: every contract table and the ``cohort``; ``lesions`` with
    its source row ``_row``, which decides which of two records of a lesion on one date is kept
    (``oncorwe.derive.lesion_checks``), as the findings name it."""
    return contract_tables({COHORT_TABLE: COHORT_SCHEMA, "lesions": table_types("lesions")})


@contextmanager
def usable_lesions_once(engine: Engine, t: Mapping[str, ir.Table]) -> Iterator[dict[str, ir.Table]]:
    """``t`` with the cohort's usable lesion rows (``oncorwe.derive.lesion_checks.
    usable_lesions``) made once as a table on ``engine`` under the name
    ``oncorwe.derive.recist.USABLE_LESIONS``: the lesion-level builders (time points in three
    scopes and for the waterfall) read it instead of checking every lesion again each. The
    table is dropped on leaving."""
    rows = usable_lesions(t["lesions"].semi_join(t["cohort"], "patient_id"))
    engine.materialize(USABLE_LESIONS, rows)
    try:
        yield {**t, USABLE_LESIONS: ibis.table(rows.schema(), name=USABLE_LESIONS)}
    finally:
        engine.drop(USABLE_LESIONS)


def analyse_study(
    source: Engine | Mapping[str, pd.DataFrame],
    protocol: Protocol,
    progress: Progress = lambda stage: None,
    synthetic: bool = False,
    provenance: dict[str, Any] | None = None,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> tuple[StudyOutputs, AnalysisDatasets, Cohort]:
    """Cohort, derivations and statistics for one study; returns what the report needs.

    ``source``: an engine holding the accepted tables under their contract names
    (``oncorwe.engine.study_store.open_engine``), or the accepted tables as frames (run on an
    in-memory DuckDB). ``endpoints`` are the time-to-event endpoints
    (``oncorwe.derive.endpoints.ENDPOINTS``); each is derived, summarised and drawn as its
    declaration says.
    """
    # frames: an in-memory engine of their own, which the datasets' per-event tables keep
    # open as long as they are used (it closes when they are collected)
    if not isinstance(source, Engine):
        source = Engine("duckdb", None, analysis_connection(dict(source)))
    engine, t = source, study_tables()
    progress("cohort")
    cohort = build_cohort(engine, t, protocol)
    progress("derivations")
    data = derive_datasets(engine, t, protocol, endpoints)
    # lesion-level response and duration of response (oncorwe.analysis.lesion_response)
    with usable_lesions_once(engine, t) as lesion_tables:
        lesion = derive_lesion_response(
            engine,
            lesion_tables,
            data.adsl,
            primary_response(data, protocol),
            criteria_derived(protocol),
            protocol,
        )
    progress("statistics")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        outputs = study_outputs(cohort, data, lesion, protocol, endpoints, synthetic, provenance)
    return outputs, data, cohort


def study_outputs(
    cohort: Cohort,
    data: AnalysisDatasets,
    lesion: LesionResponse,
    protocol: Protocol,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
    synthetic: bool = False,
    provenance: dict[str, Any] | None = None,
) -> StudyOutputs:
    """Statistics and tables of one study from its cohort, analysis datasets and lesion-level
    response: the results, the report's tables and curves (``StudyOutputs``)."""
    n = cohort.n
    response_counts = data.response_counts()  # patients per best response, from the engine
    response = pd.concat(
        [
            response_table(rows, n, str(c), bool(k))
            for (c, k), rows in response_counts.groupby(["criteria", "confirmed"], sort=False)
        ],
        ignore_index=True,
    )
    recorded_note = recorded_response_note(response_counts)
    if recorded_note:  # best responses recorded, not derived: the table and methods say so
        response.attrs["footnotes"] = (recorded_note,)
    by_criteria = response_by_criteria(response)
    te_adae = data.treatment_emergent_adae()  # safety tables count treatment-emergent AEs only
    ae_table = adverse_events_by_term(te_adae, n)  # summarize_adverse_events + _pct columns
    ae_note = undated_ae_note(te_adae)  # worst grade per term recorded without onset dates
    if ae_note:
        ae_table.attrs["footnotes"] = (ae_note,)
    ae_by_soc = adverse_events_by_soc(te_adae, n)
    curves = survival_curves(data.adsl, protocol, endpoints)
    survival = survival_results(curves, protocol, endpoints)
    failure = failure_pattern_table(data.adsl)
    liver = liver_toxicity_table(data.liver_toxicity)
    results = StudyResults(
        meta=_meta(protocol, synthetic),
        cohort=cohort_results(data.adsl),
        treatment=treatment_results(data.adsl),
        response=response_results(
            response,
            protocol,
            lesion_response_results(lesion, by_criteria),
            source={"note": RECORDED_NOTE, "text": recorded_note} if recorded_note else None,
        ),
        survival=survival,
        local_control=_local_control(data.adsl, failure),
        safety=replace(
            safety_results(te_adae, ae_table, n, _liver_counts(liver)), undated_events=ae_note
        ),
        ae_term_findings=records(unmapped_term_findings(te_adae)),
        attrition=records(cohort.attrition),
    )
    del te_adae  # the AE rows (one per patient and term) freed before the models and swimmer
    # the Cox and subgroup models, the largest working memory of the statistics, run before the
    # swimmer rows (the one table of the outputs with several rows per patient) are made
    subgroups = subgroup_survival(data.adsl, protocol, endpoints)
    cox = cox_tables(data.adsl, protocol, list(protocol.subgroups.cox_covariates), endpoints)
    tables = {
        "attrition": cohort.attrition,
        "baseline": describe(data.adsl, BASELINE_VARIABLES),
        "baseline_by_group": baseline_by_group(data.adsl, protocol.subgroups.table1_by),
        "treatment": describe(data.adsl, TREATMENT_VARIABLES),
        "response": response,
        "response_by_criteria": by_criteria,
        "field_response": lesion.field_response,
        "waterfall": lesion.waterfall,
        "duration_of_response": lesion.duration_of_response,
        "survival": median_table(survival, endpoints),
        "landmarks": landmark_table(survival, endpoints),
        "adverse_events": ae_table,
        "adverse_events_by_soc": ae_by_soc,
        "subgroups": subgroups,
        "swimmer": swimmer_rows(data),
        "eqd2": eqd2_table(data.adsl),
        "failure_patterns": failure,
        "failure_cif": failure_cumulative_incidence(
            data.adsl, protocol.survival.conf_type, protocol.survival.conf_level
        ),
        "liver_toxicity": liver,
        "cox": cox,
        "published_comparison": published_comparison(data.adsl, curves),
    }
    outputs = StudyOutputs(
        results=results,
        tables=tables,
        curves={e.key: curves[e.key] for e in endpoints if e.km_figure},
        methods=protocol.methods_rows()
        + (
            [("response.best_response_source", RECORDED_NOTE, recorded_note)]
            if recorded_note
            else []
        ),
        provenance=provenance or {},
        synthetic=synthetic,
        title=protocol.study.title,
        endpoints=tuple(endpoints),
    )
    return outputs


def _meta(protocol: Protocol, synthetic: bool) -> Meta:
    """The protocol, the kind of data and the statistical options the numbers were made with."""
    return Meta(
        protocol=protocol.study.name,
        synthetic=synthetic,
        conf_type=protocol.survival.conf_type,
        conf_level=protocol.survival.conf_level,
        time_unit=f"months (days / {protocol.survival.days_per_month})",
        group_variable=protocol.subgroups.table1_by,
        ties=COX_TIES,
        proportion_ci=PROPORTION_CI,
        confirmation_min_days=protocol.response.confirmation_min_days,
        stable_disease_min_days=protocol.response.stable_disease_min_days,
    )


def _local_control(adsl: pd.DataFrame, failure: pd.DataFrame) -> LocalControlResults:
    """In-field recurrence over the cohort and the first-failure patterns (``failure``)."""
    recurred = adsl["in_field_recurrence"].fillna(False).sum()
    return LocalControlResults(
        in_field_recurrence=Count(int(recurred), 100.0 * recurred / len(adsl)),
        first_failure={
            row.pattern: Count(int(row.n), float(row.pct)) for row in failure.itertuples()
        },
    )


def _liver_counts(liver: pd.DataFrame) -> dict[str, LiverCount]:
    """RILD rows of the liver-toxicity table: patients and the evaluable denominator."""
    return {
        row.measure: LiverCount(int(row.n), int(row.denominator))
        for row in liver.itertuples()
        if row.measure.endswith("RILD")
    }
