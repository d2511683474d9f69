"""One study analysis: accepted tables + protocol -> analysis datasets, results and tables.

Steps: analysis database over the accepted rows -> cohort with attrition -> derivations
(time-to-event, response, treatment, toxicity, failure pattern) -> ADSL -> statistics ->
``StudyOutputs`` for the report. Nothing here formats; nothing in the report computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from threadpoolctl import threadpool_limits

from oncorwe.analysis.compare import baseline_by_group
from oncorwe.analysis.describe import BASELINE_VARIABLES, TREATMENT_VARIABLES, describe
from oncorwe.analysis.lesion_response import (
    LesionResponse,
    derive_lesion_response,
    lesion_response_results,
    response_by_criteria,
)
from oncorwe.analysis.published import published_comparison
from oncorwe.analysis.radiotherapy_outcomes import (
    derive_liver_toxicity,
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
from oncorwe.analysis.swimmer import swimmer_table
from oncorwe.cohort import COHORT_SCHEMA, COHORT_TABLE, Cohort, analysis_connection, build_cohort
from oncorwe.derive.adsl import assemble_adsl, baseline_characteristics, derive_baseline
from oncorwe.derive.endpoints import ENDPOINTS, Endpoint, derive_endpoints
from oncorwe.derive.lesion_checks import usable_lesions
from oncorwe.derive.local_control import derive_failure_sites
from oncorwe.derive.recist import USABLE_LESIONS
from oncorwe.derive.response import RECORDED_NOTE, query_best_response, recorded_response_note
from oncorwe.derive.timeline import derive_timeline
from oncorwe.derive.toxicity import (
    check_adverse_events,
    derive_worst_grade,
    treatment_emergent,
    undated_ae_note,
)
from oncorwe.derive.treatment import derive_rt_summary, derive_sequence
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


@dataclass(frozen=True)
class AnalysisDatasets:
    """ADaM-shaped per-patient datasets (written as Parquet for reuse in R or SAS).

    ``adae`` holds the worst grade per patient and term of every adverse event, with
    ``treatment_emergent`` (ADAE ``TRTEMFL``); safety tables count only the treatment-emergent
    rows (``oncorwe.derive.toxicity.treatment_emergent``).
    """

    adsl: pd.DataFrame
    adtte: pd.DataFrame
    adrs: pd.DataFrame
    adae: pd.DataFrame
    timeline: pd.DataFrame
    liver_toxicity: pd.DataFrame


def study_tables() -> dict[str, ir.Table]:
    """The tables a derivation reads: every contract table and the ``cohort``; ``lesions`` with
    its source row ``_row``, which decides which of two records of a lesion on one date is kept
    (``oncorwe.derive.lesion_checks``), as the findings name it."""
    return contract_tables({COHORT_TABLE: COHORT_SCHEMA, "lesions": table_types("lesions")})


def derive_datasets(
    engine: Engine,
    t: Mapping[str, ir.Table],
    protocol: Protocol,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> AnalysisDatasets:
    """Run every derivation for the cohort: builders over the tables ``t`` (contract tables
    and ``cohort``) on ``engine``."""
    tte = derive_endpoints(engine, t, protocol, endpoints)
    written = [e.paramcd for e in endpoints if e.adtte]
    adtte = tte[tte["paramcd"].isin(written)].reset_index(drop=True)
    criteria = [protocol.response.criteria] + [
        c for c in protocol.response.secondary_criteria if c != protocol.response.criteria
    ]
    adrs = pd.concat(
        [
            query_best_response(engine, t, protocol, c, confirm)
            for c in criteria
            for confirm in (False, True)
        ],
        ignore_index=True,
    )
    primary = adrs[
        (adrs["criteria"] == protocol.response.criteria)
        & (adrs["confirmed"] == protocol.response.confirmation)
    ]
    adae = check_adverse_events(
        engine.query(derive_worst_grade(t, protocol, treatment_emergent_only=False))
    )
    adsl = assemble_adsl(
        baseline_characteristics(engine.query(derive_baseline(t))),
        engine.query(derive_rt_summary(t, protocol)),
        engine.query(derive_sequence(t, protocol)),
        tte,
        primary,
        engine.query(derive_failure_sites(t)),
        treatment_emergent(adae),
    )
    return AnalysisDatasets(
        adsl=adsl,
        adtte=adtte,
        adrs=adrs,
        adae=adae,
        timeline=engine.query(derive_timeline(t, protocol)),
        liver_toxicity=engine.query(derive_liver_toxicity(t)),
    )


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
    owned = not isinstance(source, Engine)
    engine = Engine("duckdb", None, analysis_connection(dict(source))) if owned else source
    t = study_tables()
    progress("cohort")
    cohort = build_cohort(engine, t, protocol)
    progress("derivations")
    data = derive_datasets(engine, t, protocol, endpoints)
    # lesion-level response and duration of response (oncorwe.analysis.lesion_response)
    with usable_lesions_once(engine, t) as lesion_tables:
        lesion = derive_lesion_response(engine, lesion_tables, data.adsl, data.adrs, protocol)
    if owned:
        engine.close()
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
    response = pd.concat(
        [
            response_table(rows, n, str(c), bool(k))
            for (c, k), rows in data.adrs[["criteria", "confirmed", "bor"]].groupby(
                ["criteria", "confirmed"], sort=False
            )
        ],
        ignore_index=True,
    )
    recorded_note = recorded_response_note(data.adrs)
    if recorded_note:  # best responses recorded, not derived: the table and methods say so
        response.attrs["footnotes"] = (recorded_note,)
    by_criteria = response_by_criteria(response)
    te_adae = treatment_emergent(data.adae)  # safety tables count treatment-emergent AEs only
    ae_table = adverse_events_by_term(te_adae, n)  # summarize_adverse_events + _pct columns
    ae_note = undated_ae_note(te_adae)  # worst grade per term recorded without onset dates
    if ae_note:
        ae_table.attrs["footnotes"] = (ae_note,)
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
        "adverse_events_by_soc": adverse_events_by_soc(te_adae, n),
        "subgroups": subgroups,
        "swimmer": swimmer_table(data.timeline, data.adsl),
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
