"""Lesion-level response: in-field / out-of-field / abscopal response, the waterfall, response by
criteria side by side, and duration of response.

Tables (``StudyOutputs.tables``):

- ``field_response``: ``scope, criteria, n_evaluable, cr_n, pr_n, sd_n, pd_n, orr_n, orr_pct,
  orr_ci_lower, orr_ci_upper``. ``in_field`` and ``out_of_field`` are the best overall response
  (unconfirmed, the protocol's SD window) of the time-point responses derived from the lesions
  inside / outside the RT fields (:func:`oncorwe.derive.recist.time_point_responses` per scope;
  new lesions are never in a field, so in-field PD means in-field failure). ``abscopal`` is the
  best response of the never-irradiated *target* lesions before their first progression (the
  rule of :func:`oncorwe.derive.field_response.abscopal_response`). Evaluable: patients with a
  target lesion in that scope at baseline; ``n_evaluable - cr_n - pr_n - sd_n - pd_n`` are NE. Exact
  (Clopper-Pearson) 95 % CI.
- ``waterfall``: ``subject, best_pct_change, bor`` - the best (lowest) percentage change of the
  sum of target diameters vs baseline at any assessment after day 0 up to the first
  progression; subjects numbered as in the swimmer table (:mod:`oncorwe.analysis.swimmer`),
  never identified; ``bor`` of the protocol's primary criteria.
- ``response_by_criteria``: ORR and DCR with exact CI for every criteria, unconfirmed and
  confirmed, side by side (from the ``response`` table; denominator all treated patients).
- ``duration_of_response``: Kaplan-Meier median duration of response among responders
  (unconfirmed BOR CR/PR), from the first CR/PR to progression or death, censored at the last
  tumour assessment (sources: :data:`DOR_EVENTS`, :func:`dor_censors`).

Without a ``lesions`` table, ``field_response`` and ``waterfall`` are empty.

Each table is a table expression run on the study's engine (:func:`field_response_counts`,
:func:`best_target_change`, :func:`response_duration`); only counts per scope and category, one
best change per patient and one duration row per responder come back.

References
----------
.. [1] Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247, sections 4.3-4.4 (best
   overall response; duration of overall response, section 4.6).
.. [2] Lencioni R, Llovet JM. mRECIST for hepatocellular carcinoma. Semin Liver Dis 2010;30:52-60.
.. [3] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413 (exact binomial CI).
.. [4] pharmaverse admiralonco, ``derive_param_tte`` with ``event_source`` / ``censor_source``
   (duration of response, ADTTE ``PARAMCD = "DURRSP"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.analysis.swimmer import numbered_patients
from oncorwe.derive import sources
from oncorwe.derive.best_response import best_response
from oncorwe.derive.conditions import Where
from oncorwe.derive.field_response import best_target_response
from oncorwe.derive.recist import USABLE_LESIONS, time_point_responses
from oncorwe.derive.response import derive_best_response
from oncorwe.derive.response_rules import IRECIST, RECIST11, response_criteria
from oncorwe.derive.time_to_event import DateSource, derive_time_to_event
from oncorwe.engine import Engine
from oncorwe.engine.study_store import engine_count
from oncorwe.protocol import Protocol
from oncorwe.stats import binomial_ci, kaplan_meier

FIELD_COLUMNS = [
    "scope",
    "criteria",
    "n_evaluable",
    "cr_n",
    "pr_n",
    "sd_n",
    "pd_n",
    "orr_n",
    "orr_pct",
    "orr_ci_lower",
    "orr_ci_upper",
]
WATERFALL_COLUMNS = ["subject", "best_pct_change", "bor"]
BY_CRITERIA_COLUMNS = [
    "criteria",
    "confirmed",
    *(f"{m}_{c}" for m in ("orr", "dcr") for c in ("n", "pct", "ci_lower", "ci_upper")),
]
DOR_COLUMNS = ["criteria", "n_responders", "events", "median_months", "ci_lower", "ci_upper"]
SCOPE_ORDER = ("in_field", "out_of_field", "abscopal")
RESPONDED = RECIST11.responder  # CR, PR
# time points that are a progression under any criteria (PD; iRECIST iUPD and iCPD)
PROGRESSION = ("PD", *(v for v, word in IRECIST.recist_words.items() if word == "PD"))
DOR_ORIGIN_TABLE = "dor_origin"  # responders and their first CR/PR date, per criteria
# Duration of response ends at progression (a progression record or a PD assessment) or death
# (RECIST 1.1 section 4.6; admiralonco DURRSP), ordered as the PFS sources.
DOR_EVENTS = (sources.progression_record, sources.progression_assessment, sources.death)


def dor_censors(criteria: str) -> tuple[DateSource, ...]:
    """Censoring for duration of response: the last assessment under ``criteria`` after the
    first response, or the first response itself when no assessment follows it."""
    last = replace(
        sources.last_assessment,
        description=f"Last tumour assessment ({criteria})",
        condition=Where("criteria", "==", criteria),
    )
    first = replace(
        sources.origin_censor,
        description="First response (no later tumour assessment)",
        table=DOR_ORIGIN_TABLE,
    )
    return (last, first)


@dataclass(frozen=True)
class LesionResponse:
    """The lesion-level tables of one study (see the module docstring for columns)."""

    field_response: pd.DataFrame
    waterfall: pd.DataFrame
    duration_of_response: pd.DataFrame
    criteria: str


def _rate(k: int, n: int) -> tuple[float, float, float]:
    """Percentage with exact 95 % CI; NaN when nobody is evaluable."""
    ci = binomial_ci(k, n, method="exact", when_empty="nan")
    return (100.0 * ci.estimate, 100.0 * ci.lower, 100.0 * ci.upper)


def _field_row(scope: str, criteria: str, counts: Mapping[str, int]) -> dict[str, Any]:
    n = int(sum(counts.values()))
    orr = int(sum(counts.get(c, 0) for c in RESPONDED))
    pct, lower, upper = _rate(orr, n)
    values = (scope, criteria, n, *(int(counts.get(c, 0)) for c in ("CR", "PR", "SD", "PD")),
              orr, pct, lower, upper)  # fmt: skip
    return dict(zip(FIELD_COLUMNS, values, strict=True))


def _cohort_lesions(t: Mapping[str, ir.Table]) -> dict[str, ir.Table]:
    """The cohort's lesions, and their usable rows when the study made them once
    (``oncorwe.derive.recist.USABLE_LESIONS``)."""
    usable = {USABLE_LESIONS: t[USABLE_LESIONS]} if USABLE_LESIONS in t else {}
    return {"lesions": t["lesions"].semi_join(t["cohort"], "patient_id"), **usable}


def _words(value: ir.StringValue, words: Mapping[str, str]) -> ir.StringValue:
    """``value`` in RECIST 1.1 words (iRECIST: iUPD and iCPD as PD)."""
    if not words:
        return value
    return ibis.cases(*((value == k, v) for k, v in words.items()), else_=value)


def _scope_best(t: Mapping[str, ir.Table], criteria: str, scope: str, sd_days: int) -> ir.Table:
    """Best overall response (RECIST words) of the patients with a measured target lesion in
    ``scope`` at baseline; patients without a counted time point are left out."""
    rules = response_criteria(criteria)
    tp = time_point_responses(_cohort_lesions(t), criteria, scope).alias(f"{scope}_time_points")
    measurable = tp.filter(tp.baseline_sum_mm.notnull()).select("patient_id").distinct()
    rows = tp.semi_join(measurable, "patient_id")
    origin = t["cohort"].semi_join(measurable, "patient_id").select("patient_id", "index_date")
    bor = best_response(
        rows.select("patient_id", "assessment_date", "overall_response"),
        origin,
        rules,
        ref_start_window=sd_days,
    )
    bor = bor.filter(bor.bor != "MISSING")
    return bor.select("patient_id", best=_words(bor.bor, rules.recist_words))


def _abscopal_best(t: Mapping[str, ir.Table], criteria: str) -> ir.Table:
    """Best target response of the never-irradiated target lesions up to their first
    progression (:func:`oncorwe.derive.field_response.best_target_response`), per patient with
    such lesions at baseline."""
    tp = time_point_responses(_cohort_lesions(t), criteria, "out_of_field").alias("abscopal_tp")
    return best_target_response(tp)


def field_response_counts(
    t: Mapping[str, ir.Table], criteria: str, scope: str, sd_window_days: int
) -> ir.Table:
    """``best, n``: patients by best response in one scope of ``SCOPE_ORDER``, a table
    expression over ``lesions`` and ``cohort``. In-field and out-of-field: the best overall
    response (unconfirmed, the SD window ``sd_window_days``) in RECIST words; abscopal: the best
    target response of never-irradiated targets before their first progression. (One
    expression per scope: each scope's time points are their own named relations.)"""
    if scope == "abscopal":
        rows = _abscopal_best(t, criteria)
    else:
        rows = _scope_best(t, criteria, scope, sd_window_days)
    return rows.group_by("best").aggregate(n=rows.count()).order_by("best")


def field_response_table(counts: Mapping[str, pd.DataFrame], criteria: str) -> pd.DataFrame:
    """In-field, out-of-field and abscopal rows (``FIELD_COLUMNS``) from each scope's
    :func:`field_response_counts` rows, with exact CIs."""
    rows = []
    for scope in SCOPE_ORDER:
        part = counts[scope]
        rows.append(_field_row(scope, criteria, dict(zip(part["best"], part["n"], strict=True))))
    return pd.DataFrame(rows, columns=FIELD_COLUMNS)


def subject_numbers(adsl: pd.DataFrame) -> pd.Series:
    """patient_id -> subject 1..n by decreasing OS time, ties in ADSL order (as the swimmer)."""
    ids = numbered_patients(adsl)
    return pd.Series(np.arange(1, len(ids) + 1), index=ids.to_numpy())


def best_target_change(t: Mapping[str, ir.Table], criteria: str) -> ir.Table:
    """``patient_id, best_pct_change``: per cohort patient with a measured baseline, the best
    (lowest) % change of the target sum vs baseline after day 0 up to the first progression
    (inclusive), a table expression over ``lesions`` and ``cohort``."""
    tp = time_point_responses(_cohort_lesions(t), criteria, "all").alias("waterfall_tp")
    origin = t["cohort"].select(_p=t["cohort"].patient_id, _origin=t["cohort"].index_date)
    tp = tp.join(origin, tp.patient_id == origin._p)
    tp = tp.filter((tp.baseline_sum_mm > 0) & (tp.assessment_date > tp._origin))
    progressed = tp.overall_response.isin(PROGRESSION).fill_null(False)
    pd_date = ibis.ifelse(progressed, tp.assessment_date, ibis.null("date"))
    tp = tp.mutate(_first_pd=pd_date.min().over(group_by=tp.patient_id))
    tp = tp.filter(tp._first_pd.isnull() | (tp.assessment_date <= tp._first_pd))
    change = 100.0 * (tp.sum_mm - tp.baseline_sum_mm) / tp.baseline_sum_mm
    best = tp.group_by("patient_id").aggregate(best_pct_change=change.min())
    return best.order_by("patient_id")


def waterfall_table(changes: pd.DataFrame, adsl: pd.DataFrame, bor: pd.Series) -> pd.DataFrame:
    """The waterfall rows (``WATERFALL_COLUMNS``) from :func:`best_target_change` rows:
    subjects numbered as the swimmer, ``bor`` (patient_id -> best overall response of the
    primary criteria) beside each change."""
    best = changes.set_index("patient_id")["best_pct_change"].astype("float64")
    subject = subject_numbers(adsl)
    best = best[best.index.isin(subject.index)]
    out = pd.DataFrame(
        {
            "subject": subject.loc[best.index].to_numpy(),
            "best_pct_change": best.to_numpy(),
            "bor": best.index.map(bor).to_numpy(),
        }
    )
    return out.sort_values("subject", kind="mergesort").reset_index(drop=True)[WATERFALL_COLUMNS]


def response_by_criteria(response: pd.DataFrame) -> pd.DataFrame:
    """ORR and DCR rows of the ``response`` table side by side, one row per criteria and
    confirmation (``criteria, confirmed, orr_n, orr_pct, orr_ci_lower, ..., dcr_ci_upper``)."""
    rates = response[response["category"].isin(("ORR", "DCR"))]
    if rates.empty:
        return pd.DataFrame(columns=BY_CRITERIA_COLUMNS)
    wide = rates.pivot_table(
        index=["criteria", "confirmed"],
        columns="category",
        values=["n", "pct", "ci_lower", "ci_upper"],
        sort=False,
    )
    wide.columns = [f"{cat.lower()}_{value}" for value, cat in wide.columns]
    out = wide.reset_index()
    for col in ("orr_n", "dcr_n"):
        out[col] = out[col].astype(int)
    return out[BY_CRITERIA_COLUMNS]


def first_response(t: Mapping[str, ir.Table], protocol: Protocol, criteria: str) -> ir.Table:
    """``patient_id, index_date``: each unconfirmed responder under ``criteria`` (BOR CR/PR,
    :func:`oncorwe.derive.response.derive_best_response`) and the date of their first CR/PR,
    the origin of the duration of response: a table expression."""
    a, cohort = t["tumor_assessments"], t["cohort"].select("patient_id", _start="index_date")
    a = a.join(cohort, "patient_id")
    a = a.filter((a.criteria == criteria) & a.overall_response.isin(RESPONDED)
                 & (a.assessment_date >= a._start))  # fmt: skip
    first = a.group_by("patient_id").aggregate(index_date=a.assessment_date.min())
    bor = derive_best_response(t, protocol, criteria, False)
    return first.semi_join(bor.filter(bor.bor.isin(RESPONDED)), "patient_id")


def response_duration(
    t: Mapping[str, ir.Table], protocol: Protocol, criteria: str, first: ir.Table | None = None
) -> ir.Table:
    """Duration of response under ``criteria`` (``TTE_COLUMNS``, PARAMCD ``DURRSP``), one row
    per unconfirmed responder from the first CR/PR to progression or death: a table expression.
    ``first``: the origin (:func:`first_response`) as a table made on the engine, or None to
    derive it within the expression."""
    if first is None:
        first = first_response(t, protocol, criteria).alias(DOR_ORIGIN_TABLE)
    return derive_time_to_event(
        {**t, DOR_ORIGIN_TABLE: first}, "DURRSP", "Duration of Response", DOR_EVENTS,
        dor_censors(criteria), protocol.survival.days_per_month, origin=first,
    )  # fmt: skip


def duration_of_response(
    engine: Engine, t: Mapping[str, ir.Table], criteria_derived: Sequence[str], protocol: Protocol
) -> pd.DataFrame:
    """KM median duration of response (months) per criteria of ``criteria_derived`` (those
    best responses were derived under), among unconfirmed responders
    (:func:`response_duration` run on ``engine``)."""
    rows = []
    for criteria in criteria_derived:
        if criteria == "iRECIST":
            continue  # iDOR (first iCR/iPR to iCPD) is not derived; not a zero-responder row
        # the origin made once: the event and censoring sources each read it
        with engine.materialized(DOR_ORIGIN_TABLE, first_response(t, protocol, criteria)) as first:
            tte = engine.query(response_duration(t, protocol, criteria, first))
        n = len(tte)
        if n == 0:
            rows.append((criteria, 0, 0, np.nan, np.nan, np.nan))
            continue
        event = (tte["cnsr"] == 0).to_numpy()
        km = kaplan_meier(
            tte["aval_months"].to_numpy(float),
            event,
            conf_type=protocol.survival.conf_type,
            conf_level=protocol.survival.conf_level,
        )
        median = km.median
        rows.append((criteria, n, int(event.sum()), median[0], median[1], median[2]))
    return pd.DataFrame(rows, columns=DOR_COLUMNS)


def derive_lesion_response(
    engine: Engine,
    t: Mapping[str, ir.Table],
    adsl: pd.DataFrame,
    primary: pd.DataFrame,
    criteria_derived: Sequence[str],
    protocol: Protocol,
) -> LesionResponse:
    """Field response, waterfall and duration of response for the cohort (tables ``t`` on
    ``engine``); only counts and per-patient rows come back. ``primary``: ``patient_id, bor``,
    each patient's best response under the protocol's criteria and confirmation;
    ``criteria_derived``: every criteria best responses were derived under.

    Steps
    -----
    1. Whether the cohort's patients have lesion records.
    2. Field response rows (:func:`field_response_counts`); waterfall
       (:func:`best_target_change`, BOR of the primary criteria and confirmation).
    3. Duration of response per criteria (from the recorded time-point responses).
    """
    criteria = protocol.response.criteria
    # step 1
    lesions = engine_count(engine, _cohort_lesions(t)["lesions"])
    # step 2
    if lesions == 0:
        field = pd.DataFrame(columns=FIELD_COLUMNS)
        waterfall = pd.DataFrame(columns=WATERFALL_COLUMNS)
    else:
        sd_days = protocol.response.stable_disease_min_days
        counts = {s: engine.query(field_response_counts(t, criteria, s, sd_days))
                  for s in SCOPE_ORDER}  # fmt: skip
        field = field_response_table(counts, criteria)
        changes = engine.query(best_target_change(t, criteria))
        waterfall = waterfall_table(changes, adsl, primary.set_index("patient_id")["bor"])
    # step 3
    dor = duration_of_response(engine, t, criteria_derived, protocol)
    return LesionResponse(field, waterfall, dor, criteria)


def _json(value: Any) -> Any:
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


def lesion_response_results(lesion: LesionResponse, by_criteria: pd.DataFrame) -> dict[str, Any]:
    """Key numbers for ``results["response"]``: ``by_criteria``, ``abscopal``, ``duration``."""

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{k: _json(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

    abscopal = lesion.field_response.set_index("scope")
    out: dict[str, Any] = {"by_criteria": records(by_criteria)}
    out["abscopal"] = (
        {k: _json(v) for k, v in abscopal.loc["abscopal"].items()} | {"criteria": lesion.criteria}
        if "abscopal" in abscopal.index
        else None
    )
    out["duration"] = records(lesion.duration_of_response)
    return out
