"""Best overall response (BOR) from time-point responses, for any declared response criteria.

One generic function, :func:`best_overall_response`, serves RECIST 1.1, mRECIST and iRECIST,
unconfirmed and confirmed. What each category needs, its precedence and its date are declared in
:mod:`oncorwe.derive.response_rules` (admiralonco ``event()`` objects as the model); this module
only applies the declarations. Every window is a named, cited constant and a protocol setting.

References
----------
.. [1] Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer 2009;45:228-247, sections 4.4-4.5 and Table 3
   (summary: docs/references/recist.md).
.. [2] Seymour L et al. iRECIST. Lancet Oncol 2017;18:e143-e152, Table 3 (iBOR; summary:
   docs/references/irecist.md).
.. [3] pharmaverse admiralonco, R/derive_param_confirmed_bor.R (details, steps 1-3),
   vignettes/adrs_basic.Rmd (ANL01FL ``ADT >= RANDDT`` and ``ADT < NACTDT``; ANL02FL up to the
   first PD) and vignettes/irecist.Rmd (IBOR / ICBOR).
.. [4] FDA. Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics (2018): ORR
   is the sum of partial and complete responses; Clopper CJ, Pearson ES. Biometrika
   1934;26:404-413 (exact CI, :func:`oncorwe.stats.binomial_ci`).
"""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.derive.frames import frames_engine, query
from oncorwe.derive.response_checks import (
    NEW_THERAPY_TYPES,
    ORIGIN_TYPES,
    RESPONSE_VALUES,
    check_assessment_input,
    check_assessments,
    raise_first_error,
)
from oncorwe.derive.response_options import ResponseOptions
from oncorwe.derive.response_rates import ResponseRates, response_rates
from oncorwe.derive.response_rules import (
    MAX_NR_NE,
    MISSING,
    RECIST11,
    REF_CONFIRM_DAYS,
    REF_START_WINDOW_DAYS,
    Confirmation,
    ResponseCriteria,
    response_criteria,
)
from oncorwe.engine.connect import to_sql

# RECIST 1.1 categories, best first (kept as names for callers; declared in response_rules).
BOR_ORDER = RECIST11.order

__all__ = [
    "BOR_ORDER",
    "MAX_NR_NE",
    "REF_CONFIRM_DAYS",
    "REF_START_WINDOW_DAYS",
    "RESPONSE_VALUES",
    "ResponseOptions",
    "ResponseRates",
    "best_overall_response",
    "best_response",
    "check_assessments",
    "confirmed",
    "response_rates",
]


def _in(value: ir.StringValue, words: tuple[str, ...]) -> ir.BooleanValue:
    return value.isin(words).fill_null(False)


def confirmed(
    rows: ir.Table, rule: Confirmation, ref_confirm: int, max_nr_ne: int, max_nr_sd: int
) -> ir.Table:
    """``patient_id, assessment_date, confirmed`` of the assessments whose response is
    confirmed under ``rule`` (a table expression over ``rows``: one row per patient and date,
    ``_word`` = the response in RECIST 1.1 words).

    For an assessment i with ``rule.response`` the confirmatory assessment j is the first later
    one (same patient) in ``rule.confirmed_by`` dated >= date_i + ref_confirm. The assessments
    after i up to j (j included, as admiralonco's joined rows) must be in
    ``rule.allowed_between`` with at most max_nr_ne NE, at most max_nr_sd SD and no PR after a
    CR (admiralonco ``filter_confirmation``). Two self-joins on the patient.
    """
    i = rows.filter(rows._word == rule.response).select(_p="patient_id", _d="assessment_date")
    j = rows.filter(_in(rows._word, rule.confirmed_by)).select("patient_id", "assessment_date")
    # step: the first confirming assessment on or after date + ref_confirm, same patient
    pairs = i.join(
        j, [i._p == j.patient_id, j.assessment_date.delta(i._d, unit="day") >= ref_confirm]
    )
    first = pairs.group_by(["_p", "_d"]).agg(_j=pairs.assessment_date.min())
    # step: what lies between the response and its confirmation, (i, j]
    k = rows.select("patient_id", "assessment_date", "_word")
    between = first.join(
        k, [first._p == k.patient_id, k.assessment_date > first._d, k.assessment_date <= first._j]
    )
    word, date = between._word, between.assessment_date
    counts = between.group_by(["_p", "_d"]).agg(
        _other=(~_in(word, rule.allowed_between)).cast("int32").sum(),
        _ne=(word == "NE").cast("int32").sum(),
        _sd=(word == "SD").cast("int32").sum(),
        _first_cr=ibis.ifelse(word == "CR", date, ibis.null("date")).min(),
        _last_pr=ibis.ifelse(word == "PR", date, ibis.null("date")).max(),
    )
    cr_then_pr = (counts._first_cr < counts._last_pr).fill_null(False)
    ok = (counts._other == 0) & (counts._ne <= max_nr_ne) & (counts._sd <= max_nr_sd)
    return counts.select(
        patient_id=counts._p, assessment_date=counts._d, confirmed=ok & ~cr_then_pr
    )


def _ranked(value: ir.StringValue, order: tuple[str, ...]) -> ir.IntegerValue:
    """Position of ``value`` in ``order`` (0 first)."""
    return ibis.cases(*((value == v, k) for k, v in enumerate(order)), else_=len(order))


def _restricted(assessments, origin, new_therapy, rules, on_origin) -> ir.Table:
    """Step 1: one (the worst) response per patient and date, on/after the origin, before a new
    therapy; with ``_since`` (days since origin) and ``_word`` (RECIST 1.1 word)."""
    a = assessments.filter(assessments.overall_response.notnull())
    a = a.select("patient_id", "assessment_date", "overall_response")
    o = origin.select(_p=origin.patient_id, _origin=origin.index_date)
    a = a.join(o, a.patient_id == o._p).drop("_p")
    after = a.assessment_date > a._origin if on_origin == "exclude" else None
    a = a.filter(after if after is not None else a.assessment_date >= a._origin)
    if new_therapy is not None:
        n = new_therapy.select(_p=new_therapy.patient_id, _nact=new_therapy.new_therapy_date)
        a = a.left_join(n, a.patient_id == n._p).drop("_p")
        a = a.filter(a._nact.isnull() | (a.assessment_date < a._nact)).drop("_nact")
    worst = ibis.row_number().over(
        group_by=[a.patient_id, a.assessment_date],
        order_by=_ranked(a.overall_response, rules.worst_first),
    )
    a = a.mutate(_n=worst).filter(lambda r: r._n == 0).drop("_n")
    word = a.overall_response
    if rules.recist_words:
        pairs = ((a.overall_response == v, w) for v, w in rules.recist_words.items())
        word = ibis.cases(*pairs, else_=a.overall_response)
    return a.mutate(_since=a.assessment_date.delta(a._origin, unit="day"), _word=word)


def _up_to_last_counted(rows: ir.Table, rules: ResponseCriteria) -> ir.Table:
    """Step 2: assessments up to and including the first ``rules.last_counted``."""
    last = ibis.ifelse(
        rows.overall_response == rules.last_counted, rows.assessment_date, ibis.null("date")
    )
    rows = rows.mutate(_last=last.min().over(group_by=rows.patient_id))
    return rows.filter(rows._last.isnull() | (rows.assessment_date <= rows._last)).drop("_last")


def _with_confirmations(
    rows: ir.Table, rules: ResponseCriteria, options: ResponseOptions
) -> ir.Table:
    """``rows`` with a ``_confirmed_<response>`` column per declared confirmation."""
    declared = {e.confirmation for e in rules.events if e.confirmation is not None}
    for rule in sorted(declared, key=lambda r: r.response):
        flags = confirmed(rows, rule, options.ref_confirm, options.max_nr_ne, options.max_nr_sd)
        flags = flags.select(
            _p="patient_id", _d="assessment_date", **{f"_confirmed_{rule.response}": "confirmed"}
        )
        on = [rows.patient_id == flags._p, rows.assessment_date == flags._d]
        rows = rows.left_join(flags, on).drop("_p", "_d")
    return rows


def _dated(rows: ir.Table, rules: ResponseCriteria) -> ir.Table:
    """``bor_date``: the assessment date, or for an event declared ``dated_at_first`` (iCPD) the
    first ``dated_at_first`` response of its run of ``run_of`` responses."""
    date = rows.assessment_date
    upto = ibis.cumulative_window(group_by=rows.patient_id, order_by=rows.assessment_date)
    for k, event in enumerate(rules.events_by_precedence):
        if event.dated_at_first is None:
            continue
        # any response outside event.run_of starts a new run
        breaker = (~_in(rows.overall_response, event.run_of)).cast("int32")
        rows = rows.mutate(**{f"_run{k}": breaker.sum().over(upto)})
        at_first = ibis.ifelse(
            rows.overall_response == event.dated_at_first, rows.assessment_date, ibis.null("date")
        )
        rows = rows.mutate(
            **{f"_first{k}": at_first.min().over(group_by=[rows.patient_id, rows[f"_run{k}"]])}
        )
        first = rows[f"_first{k}"]
        date = ibis.ifelse((rows.bor == event.category) & first.notnull(), first, date)
    return rows.mutate(bor_date=date)


def _categories(rows: ir.Table, rules: ResponseCriteria, options: ResponseOptions) -> ir.Table:
    """Step 3: each assessment's category (its qualifying event of lowest precedence, as
    declared, turned into one CASE) and the date the category takes."""
    confirm = options.confirm
    if confirm:
        rows = _with_confirmations(rows, rules, options)
    in_window = rows._since >= options.ref_start_window
    cases = []
    for event in rules.events_by_precedence:
        condition = _in(rows.overall_response, event.responses)
        if event.after_sd_window:
            condition &= in_window
        if confirm and event.confirmation is not None:
            condition &= rows[f"_confirmed_{event.confirmation.response}"].fill_null(False)
        cases.append((condition, event.category))
    rows = rows.mutate(bor=ibis.cases(*cases, else_=rules.catch_all.category))
    return _dated(rows, rules)


def best_response(
    assessments: ir.Table,
    origin: ir.Table,
    criteria: str | ResponseCriteria = RECIST11.name,
    new_therapy: ir.Table | None = None,
    **options: Any,
) -> ir.Table:
    """Best overall response per patient of ``origin``, as a table expression (runs nothing).

    ``assessments``: ``patient_id, assessment_date, overall_response`` (values of the
    criteria, checked beforehand); ``origin``: ``patient_id, index_date`` (one row per
    patient); ``new_therapy``: optional ``patient_id, new_therapy_date``; ``options``: the
    fields of :class:`~oncorwe.derive.response_options.ResponseOptions`. The steps are those of
    :func:`best_overall_response`. Columns: ``patient_id, bor, bor_date, confirmed``.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 4.4-4.5 and Table 3; iRECIST (Seymour 2017) Table 3;
    admiralonco derive_param_bor, derive_param_confirmed_bor.
    """
    rules = criteria if isinstance(criteria, ResponseCriteria) else response_criteria(criteria)
    chosen = ResponseOptions(**options)
    # steps 1-3
    rows = _restricted(assessments, origin, new_therapy, rules, chosen.on_origin)
    rows = _up_to_last_counted(rows.alias("restricted_assessments"), rules)
    rows = _categories(rows.alias("counted_assessments"), rules, chosen)
    # step 4: best per patient (lowest precedence, earliest date), every patient of origin
    best = ibis.row_number().over(
        group_by=rows.patient_id, order_by=[_ranked(rows.bor, rules.order), rows.bor_date]
    )
    rows = rows.mutate(_n=best).filter(lambda r: r._n == 0)
    rows = rows.select(_p="patient_id", _bor="bor", bor_date="bor_date")
    patients = origin.select("patient_id")
    out = patients.left_join(rows, patients.patient_id == rows._p)
    return out.select(
        "patient_id",
        bor=out._bor.fill_null("NE" if chosen.missing_as_ne else MISSING),
        bor_date=out.bor_date,
        confirmed=ibis.literal(chosen.confirm),
    )


_ASSESSMENT_TYPES = {
    "patient_id": "string",
    "assessment_date": "date",
    "overall_response": "string",
}
# declarations by their text: the key of the compiled-SQL cache
_DECLARED: dict[str, ResponseCriteria] = {}


@lru_cache(maxsize=256)
def _best_response_sql(declared: str, with_nact: bool, options: ResponseOptions) -> str:
    """DuckDB SQL of :func:`best_response` over the wrapper's frames, compiled once per set of
    arguments (compiling costs more than running on a few rows)."""
    expression = best_response(
        ibis.table(_ASSESSMENT_TYPES, name="assessments"),
        ibis.table(ORIGIN_TYPES, name="origin"),
        _DECLARED[declared],
        new_therapy=ibis.table(NEW_THERAPY_TYPES, name="new_therapy") if with_nact else None,
        **asdict(options),
    )
    return to_sql(expression.order_by("patient_id"), "duckdb")


def best_overall_response(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series,
    criteria: str | ResponseCriteria = RECIST11.name,
    new_therapy: pd.DataFrame | pd.Series | None = None,
    origin_column: str = "index_date",
    **options: Any,
) -> pd.DataFrame:
    """Best overall response per patient from time-point responses under one criteria.

    Parameters
    ----------
    assessments : DataFrame
        ``patient_id, assessment_date, overall_response`` with values of the criteria
        (``criteria.values``). Empty responses are ignored (admiralonco ``!is.na(AVAL)``); an
        unknown value raises :class:`~oncorwe.errors.InputError` (run :func:`check_assessments`
        first to get findings instead).
    origin : DataFrame or Series
        Time origin per patient: a Series indexed by ``patient_id`` or a DataFrame with
        ``patient_id`` and ``origin_column``. Every patient of ``origin`` gets one output row
        (``MISSING`` without assessments); assessments of other patients raise InputError.
    criteria : str or ResponseCriteria
        ``RECIST1.1``, ``mRECIST``, ``iRECIST`` or a declaration
        (:mod:`oncorwe.derive.response_rules`).
    new_therapy : DataFrame or Series, optional
        Start of a new anticancer therapy per patient (``patient_id`` + ``new_therapy_date``
        or a Series); assessments on or after it are ignored (admiralonco ``ADT < NACTDT``).
    origin_column : str
        Date column of ``origin`` when it is a DataFrame.
    **options
        ``confirm``, ``ref_confirm``, ``ref_start_window``, ``max_nr_ne``, ``accept_sd``,
        ``on_origin``, ``missing_as_ne``: the fields of
        :class:`~oncorwe.derive.response_options.ResponseOptions` (unconfirmed BOR, 28- and
        42-day windows, one NE, origin day included, ``MISSING`` by default).

    Returns
    -------
    DataFrame
        One row per patient of ``origin``: ``patient_id, bor, bor_date, confirmed``; ``bor`` in
        ``criteria.order``; ``bor_date`` is the first date at which the best category was seen
        (an event declared ``dated_at_first`` - iCPD - takes the date of its run's first iUPD;
        NaT for MISSING); ``confirmed`` records the option used.

    Steps
    -----
    1. Check arguments and columns; keep one (the worst) response per patient and date, as
       admiralonco's ANL01FL; keep assessments on/after the origin and before new therapy.
    2. Keep assessments up to and including the first ``criteria.last_counted`` (PD, iCPD;
       admiralonco ANL02FL).
    3. Give each assessment the category of its qualifying event of lowest precedence: the
       response is among the event's responses, within the SD window when the event says so,
       and confirmed (``criteria.recist_words``, :func:`confirmed`) when ``confirm`` and
       the event declares a confirmation.
    4. Per patient take the lowest precedence, the earliest date among ties; add MISSING rows.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 4.4-4.5 and Table 3; iRECIST (Seymour 2017) Table 3;
    admiralonco derive_param_bor, derive_param_confirmed_bor, vignettes adrs_basic and irecist;
    docs/references/recist.md, mrecist.md and irecist.md.
    """
    rules = criteria if isinstance(criteria, ResponseCriteria) else response_criteria(criteria)
    # step 1: check (the rules are those of best_response, run on an in-memory DuckDB)
    chosen = ResponseOptions(**options)
    frames = check_assessment_input(assessments, origin, new_therapy, origin_column, rules.name)
    rows = assessments.loc[:, ["patient_id", "assessment_date", "overall_response"]]
    rows = rows.assign(assessment_date=pd.to_datetime(rows["assessment_date"], errors="coerce"))
    frames["assessments"] = (rows, _ASSESSMENT_TYPES)
    declared = repr(rules)
    _DECLARED.setdefault(declared, rules)
    sql = _best_response_sql(declared, new_therapy is not None, chosen)
    with frames_engine(frames) as engine:
        raise_first_error(engine, assessments, rules.values)
        out = query(engine, sql)
    out["bor_date"] = pd.to_datetime(out["bor_date"]).astype("datetime64[ns]")
    out["confirmed"] = chosen.confirm
    return out.loc[:, ["patient_id", "bor", "bor_date", "confirmed"]]
