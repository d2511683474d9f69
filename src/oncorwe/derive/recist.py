"""Time-point response from lesion measurements: RECIST 1.1, mRECIST, iRECIST; field scopes.

One row per patient and follow-up date with the target, non-target and new-lesion categories,
the sums (baseline, nadir, current) and the overall time-point response. Lesions can be scored
in a scope: ``all``, ``in_field`` (``in_rt_field`` true) or ``out_of_field`` (false; the
lesions never irradiated, whose response is the abscopal response). Bad records become findings
(:mod:`oncorwe.derive.lesion_checks`), never an exception.

References
----------
.. [1] Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247: section 4.3.1 (target
   response), 4.3.2 (non-target), 4.3.3 (new lesions), Table 1 and Table 2 (time-point
   response with and without target disease); summary docs/references/recist.md.
.. [2] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular
   carcinoma. Semin Liver Dis 2010;30:52-60 (viable-tumour diameters; new-lesion rule);
   summary docs/references/mrecist.md.
.. [3] Seymour L et al. iRECIST. Lancet Oncol 2017;18:e143-e152, Table 2; EORTC iRECIST FAQ
   (recist.eortc.org/faq: new lesions; iUPD driven by non-target disease); summary
   docs/references/irecist.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.derive.frames import frames_engine, query
from oncorwe.derive.irecist_bor import IRECIST_FURTHER_INCREASE_MM, apply_irecist
from oncorwe.derive.lesion_checks import (
    REQUIRED,
    frame_lesion_findings,
    lesion_frames,
    missing_column_finding,
    unbound_tables,
    usable_lesions,
)
from oncorwe.derive.response_rules import (
    IRECIST,
    MRECIST,
    RECIST11,
    TIME_POINT_RULES,
    TimePointRule,
)
from oncorwe.engine.connect import to_sql
from oncorwe.errors import InputError

# the name under which a caller may pass the usable lesion rows it materialised once
USABLE_LESIONS = "usable_lesion_rows"

CRITERIA = tuple(c.name for c in (RECIST11, MRECIST, IRECIST))
SCOPES = ("all", "in_field", "out_of_field")
# RECIST 1.1 section 4.3.1 [1]: PR >= 30 % decrease vs baseline; PD >= 20 % increase vs nadir
# and an absolute increase >= 5 mm; lymph-node targets count as CR below 10 mm short axis.
PR_MIN_DECREASE = 0.30
PD_MIN_INCREASE = 0.20
PD_MIN_ABSOLUTE_MM = 5.0
NODE_NORMAL_SHORT_AXIS_MM = 10.0
# mRECIST [2] as published has no absolute-increase clause for PD (not verified in the primary
# paper; docs/references/mrecist.md); a protocol may set it to PD_MIN_ABSOLUTE_MM.
MRECIST_PD_MIN_ABSOLUTE_MM = 0.0
# mRECIST [2]: a new intrahepatic lesion counts as PD only if >= 1 cm (with the typical HCC
# vascular pattern, which the data contract does not carry); smaller ones are equivocal [S].
MRECIST_NEW_LIVER_LESION_MIN_MM = 10.0
__all__ = [
    "CRITERIA",
    "IRECIST_FURTHER_INCREASE_MM",
    "SCOPES",
    "TimePointResponses",
    "apply_irecist",
    "derive_time_point_response",
    "time_point_responses",
]
KEYS = ("patient_id", "assessment_date")


@dataclass(frozen=True)
class TimePointResponses:
    """Derived time-point responses and the findings of the lesion records used.

    ``responses`` columns: ``patient_id, assessment_date, criteria, scope, sum_mm,
    baseline_sum_mm, nadir_mm, target_response, non_target_response, new_sum_mm, new_count,
    new_lesions (Y/N/EQUIVOCAL), overall_response``.
    """

    responses: pd.DataFrame
    findings: pd.DataFrame
    criteria: str
    scope: str


# Diameters are summed as decimals (exact in every engine, whatever the order of the rows) and
# the sum rounded once to a float, as a compensated (Kahan) float sum gives it.
_DECIMAL = "decimal(18, 6)"


def exact_sum(diameters: ir.FloatingValue) -> ir.FloatingScalar:
    """The sum of ``diameters`` (mm), the same on every engine."""
    return diameters.cast(_DECIMAL).sum().cast("float64")


def _left(a: ir.Table, b: ir.Table) -> ir.Table:
    """``a`` left-joined with ``b`` on the time-point keys (``b``'s copies of the keys dropped)."""
    joined = a.left_join(b, list(KEYS))
    return joined.drop(*(f"{k}_right" for k in KEYS))


def _per_visit(data: ir.Table, lesion_class: str, aggregates) -> ir.Table:
    """One row per follow-up date (of the scope) of each patient with baseline lesions of one
    class: ``_n_base`` (lesions at baseline), ``_n`` (of them recorded at this date) and
    ``aggregates(follow)`` over the recorded follow-up rows. A baseline lesion not recorded at a
    date counts as not evaluated there. Keyed joins only (no lesion-by-date grid), which every
    engine's planner handles."""
    rows = data.filter(data.lesion_class == lesion_class)
    at_base = ibis.ifelse(rows.is_baseline, 1, 0)
    node = ibis.ifelse(rows.is_baseline, ibis.ifelse(rows.is_lymph_node.fill_null(False), 1, 0),
                       ibis.null("int32"))  # fmt: skip
    lesion = ibis.window(group_by=[rows.patient_id, rows.lesion_id])
    # the lesion's baseline record (scored as a node when it was one at baseline)
    rows = rows.mutate(_has_base=at_base.max().over(lesion), _node=node.max().over(lesion))
    base = rows.filter(rows.is_baseline)
    counts = base.group_by("patient_id").agg(_n_base=base.count())
    visits = data.filter(~data.is_baseline).select(*KEYS).distinct()
    grid = visits.join(counts, "patient_id")
    follow = rows.filter(~rows.is_baseline & (rows._has_base == 1))
    recorded = follow.group_by(list(KEYS)).agg(_n=follow.count(), **aggregates(follow))
    out = _left(grid, recorded)
    return out.mutate(_n=out._n.fill_null(0))


def _target_measures(follow: ir.Table, criteria: str) -> dict:
    d = follow.diameter_mm
    gone = d == 0
    if criteria != MRECIST.name:  # a node is normal (CR) below 10 mm short axis
        gone = ibis.ifelse(follow._node.fill_null(0) == 1, d < NODE_NORMAL_SHORT_AXIS_MM, gone)
    return {
        "sum_mm": exact_sum(d),
        "_measured": d.count(),
        "_gone": ibis.ifelse(gone.fill_null(False), 1, 0).sum(),
    }


def _target(data: ir.Table, criteria: str) -> ir.Table:
    """Target response per visit: RECIST 1.1 section 4.3.1 / mRECIST viable diameters."""
    t = _per_visit(data, "target", lambda follow: _target_measures(follow, criteria))
    measured = t._measured.fill_null(0)
    t = t.mutate(
        sum_mm=t.sum_mm.fill_null(0.0),
        _n_missing=t._n_base - measured,
        _all_gone=ibis.ifelse(t._gone.fill_null(0) == t._n_base, 1, 0),
    )
    base = data.filter(data.is_baseline & (data.lesion_class == "target"))
    base = base.group_by("patient_id").agg(baseline_sum_mm=exact_sum(base.diameter_mm))
    t = t.left_join(base, "patient_id").drop("patient_id_right")
    # nadir: the smallest fully measured sum before this visit, or the baseline sum
    evaluable = ibis.ifelse(t._n_missing == 0, t.sum_mm, ibis.null("float64"))
    earlier = ibis.window(group_by=t.patient_id, order_by=t.assessment_date, rows=(None, -1))
    t = t.mutate(_prior=evaluable.min().over(earlier))
    base_sum, prior = t.baseline_sum_mm, t._prior
    t = t.mutate(
        nadir_mm=ibis.cases(
            (base_sum.isnull(), base_sum),
            (prior.isnull() | (base_sum <= prior), base_sum),
            else_=prior,
        )
    )
    increase = t.sum_mm - t.nadir_mm
    min_abs = MRECIST_PD_MIN_ABSOLUTE_MM if criteria == MRECIST.name else PD_MIN_ABSOLUTE_MM
    is_pd = (increase > 0) & (t.sum_mm >= t.nadir_mm * (1 + PD_MIN_INCREASE))
    is_pd &= increase >= min_abs
    is_pr = t.sum_mm <= t.baseline_sum_mm * (1 - PR_MIN_DECREASE)
    # a missing target leaves the time point not evaluated, unless the measured ones already
    # show PD (RECIST 1.1 section 4.3.1 notes)
    response = ibis.cases(
        (is_pd, "PD"), (t._n_missing > 0, "NE"), (t._all_gone == 1, "CR"), (is_pr, "PR"),
        else_="SD",
    )  # fmt: skip
    t = t.mutate(target_response=response)
    return t.select(*KEYS, "sum_mm", "baseline_sum_mm", "nadir_mm", "target_response")


def _non_target(data: ir.Table) -> ir.Table:
    """Non-target response per visit (RECIST 1.1 section 4.3.2; mRECIST non-target [2])."""

    def measures(follow: ir.Table) -> dict:
        status = follow.status
        return {
            "_pd": ibis.ifelse(status == "unequivocal_progression", 1, 0).max(),
            "_na": ibis.ifelse(status.isnull(), 1, 0).max(),
            "_absent": ibis.ifelse(status == "absent", 1, 0).sum(),
        }

    n = _per_visit(data, "non_target", measures)
    n = n.mutate(
        _pd=n._pd.fill_null(0),
        _na=ibis.ifelse((n._na.fill_null(0) == 1) | (n._n < n._n_base), 1, 0),
        _absent=ibis.ifelse(n._absent.fill_null(0) == n._n_base, 1, 0),
    )
    response = ibis.cases(
        (n._pd == 1, "PD"), (n._na == 1, "NE"), (n._absent == 1, "CR"), else_="NON-CR/NON-PD"
    )
    return n.select(*KEYS, non_target_response=response)


def _new_lesions(data: ir.Table, criteria: str) -> ir.Table:
    """New lesions per visit: Y (unequivocal), EQUIVOCAL, N (RECIST 1.1 section 4.3.3).

    An equivocal new lesion later seen as unequivocal is PD from the first scan that showed it
    (RECIST 1.1 4.3.3). Under mRECIST a new liver lesion < 1 cm is equivocal [2].
    """
    new = data.filter(~data.is_baseline & (data.lesion_class == "new"))
    status, d = new.status, new.diameter_mm
    sure = status.isin(("present", "unequivocal_progression")).fill_null(False) | (
        status.isnull() & (d > 0).fill_null(False)
    )
    if criteria == MRECIST.name:
        big = (d >= MRECIST_NEW_LIVER_LESION_MIN_MM).fill_null(False)
        sure &= ~((new.organ == "liver").fill_null(False) & ~big)
    new = new.mutate(_sure=sure.cast("int32"))
    seen = new._sure.max().over(group_by=[new.patient_id, new.lesion_id])
    equivocal_then_sure = new.status.isin(("equivocal", "present")).fill_null(False) & (seen == 1)
    new = new.mutate(_y=(new._sure == 1) | equivocal_then_sure)
    new = new.mutate(_eq=new.status.notnull() & (new.status != "absent"))
    g = new.group_by(list(KEYS)).agg(
        _y=new._y.cast("int32").max(),
        _eq=new._eq.fill_null(False).cast("int32").max(),
        new_sum_mm=exact_sum(ibis.ifelse(new._y, new.diameter_mm, 0.0)).fill_null(0.0),
        new_count=new._y.cast("int32").sum(),
    )
    label = ibis.cases((g._y == 1, "Y"), (g._eq == 1, "EQUIVOCAL"), else_="N")
    return g.select(*KEYS, "new_sum_mm", "new_count", new_lesions=label)


def _rule_condition(rule: TimePointRule, t: ir.Table) -> ir.BooleanValue:
    condition = ibis.literal(True)
    for column, accepted in (
        ("target_response", rule.target),
        ("non_target_response", rule.non_target),
        ("new_lesions", rule.new_lesions),
    ):
        if accepted:
            condition &= t[column].isin(accepted)
    return condition


def overall_time_point(t: ir.Table) -> ir.StringValue:
    """RECIST 1.1 Tables 1-2 as declared (``TIME_POINT_RULES``), first matching rule first."""
    rules = sorted(TIME_POINT_RULES, key=lambda r: r.precedence)
    named = {"target": t.target_response, "non_target": t.non_target_response}
    cases = [(_rule_condition(r, t), named.get(r.response, r.response)) for r in rules]
    return ibis.cases(*cases, else_=t.target_response)


def _check_choices(criteria: str, scope: str) -> None:
    """InputError unless ``criteria`` is one of :data:`CRITERIA` and ``scope`` of :data:`SCOPES`."""
    if criteria not in CRITERIA:
        raise InputError(f"criteria must be one of {CRITERIA}, got {criteria!r}")
    if scope not in SCOPES:
        raise InputError(f"scope must be one of {SCOPES}, got {scope!r}")


def _scope(data: ir.Table, scope: str) -> ir.Table:
    if scope == "all":
        return data
    return data.filter(data.in_rt_field == (scope == "in_field"))  # unknown: in neither


def time_point_responses(
    t: dict[str, ir.Table],
    criteria: str = RECIST11.name,
    scope: str = "all",
    baseline: ir.Table | None = None,
) -> ir.Table:
    """Time-point responses from ``t["lesions"]`` under one response criteria and scope.

    A table expression (runs nothing): one row per patient and follow-up date, the columns of
    :class:`TimePointResponses`. ``baseline``: optional ``patient_id, baseline_date`` (default:
    each patient's first lesion date). Restrict ``t["lesions"]`` to the cohort beforehand.
    ``t[USABLE_LESIONS]``, when present, holds the rows of ``usable_lesions(t["lesions"],
    baseline)`` already (a table the caller materialised once on the engine) and is read instead.

    Steps
    -----
    1. Usable lesion rows (:func:`oncorwe.derive.lesion_checks.usable_lesions`); scope filter.
    2. Target: sum of diameters vs baseline (PR) and nadir (PD); CR; NE if a target is missing.
    3. Non-target: PD if unequivocal progression, NE if not all evaluated, CR if all absent.
    4. New lesions (Y / EQUIVOCAL / N), then the overall response of RECIST 1.1 Tables 1-2
       (``TIME_POINT_RULES``); iRECIST: iUPD / iCPD (:func:`apply_irecist`).

    References
    ----------
    RECIST 1.1 sections 4.3.1-4.3.4, Tables 1-2; mRECIST (Lencioni & Llovet 2010); iRECIST
    (Seymour 2017) Table 2.
    """
    _check_choices(criteria, scope)
    # step 1
    # named relations become one common table expression each (the SQL stays small); the
    # usable rows may be a table the caller made once for several builders (USABLE_LESIONS),
    # then read as it is, its scope a filter (a named relation is a copy in DuckDB)
    if USABLE_LESIONS in t:
        data = t[USABLE_LESIONS]
        visits = data.filter(~data.is_baseline).select(*KEYS).distinct()
        data = _scope(data, scope)
    else:
        data = usable_lesions(t["lesions"], baseline).alias("usable_lesions")
        visits = data.filter(~data.is_baseline).select(*KEYS).distinct()
        data = _scope(data, scope).alias("scoped_lesions")
    # steps 2-4
    out = _left(_left(_left(visits, _target(data, criteria)), _non_target(data)),
                _new_lesions(data, criteria))  # fmt: skip
    out = out.mutate(
        target_response=out.target_response.fill_null("NONE"),
        non_target_response=out.non_target_response.fill_null("NONE"),
        new_lesions=out.new_lesions.fill_null("N"),
        new_sum_mm=out.new_sum_mm.fill_null(0.0),
        new_count=out.new_count.fill_null(0),
    )
    out = out.mutate(overall_response=overall_time_point(out))
    if criteria == IRECIST.name:
        out = apply_irecist(out)
    out = out.mutate(criteria=ibis.literal(criteria), scope=ibis.literal(scope))
    return out.select(*KEYS, "criteria", "scope", *_MEASURES)


_MEASURES = (
    "sum_mm", "baseline_sum_mm", "nadir_mm", "target_response", "non_target_response",
    "new_sum_mm", "new_count", "new_lesions", "overall_response",
)  # fmt: skip


def derive_time_point_response(
    lesions: pd.DataFrame,
    criteria: str = RECIST11.name,
    scope: str = "all",
    baseline_dates: pd.Series | None = None,
) -> TimePointResponses:
    """Time-point responses from lesion records (a frame) under one criteria and scope.

    Parameters
    ----------
    lesions : DataFrame in the ``lesions`` contract (docs/data_dictionary.md).
    criteria : ``RECIST1.1``, ``mRECIST`` (``diameter_mm`` holds viable diameters) or
        ``iRECIST`` (RECIST 1.1 components, then iUPD / iCPD logic, :func:`apply_irecist`).
    scope : ``all``, ``in_field`` or ``out_of_field`` (``in_rt_field``; lesions with unknown
        field membership are left out of the two field scopes).
    baseline_dates : optional Series patient_id -> baseline scan date (default: first date).

    The rules are those of :func:`time_point_responses` (bad records left out and reported:
    :mod:`oncorwe.derive.lesion_checks`), run on an in-memory DuckDB.
    """
    _check_choices(criteria, scope)
    findings = missing_column_finding(lesions)
    if findings is not None:
        lesions = pd.DataFrame(columns=list(REQUIRED))
    given = baseline_dates is not None
    with frames_engine(lesion_frames(lesions, baseline_dates)) as engine:
        if findings is None:
            findings = frame_lesion_findings(engine, lesions, given)
        out = query(engine, _time_point_sql(criteria, scope, given))
    out["new_count"] = out["new_count"].astype("float64")
    return TimePointResponses(out, findings, criteria, scope)


@cache
def _time_point_sql(criteria: str, scope: str, with_baseline: bool) -> str:
    """DuckDB SQL of :func:`time_point_responses` over the frames of
    :func:`oncorwe.derive.lesion_checks.lesion_frames` (compiled once per set of arguments:
    compiling costs more than running on a few rows)."""
    tables, baseline = unbound_tables(with_baseline)
    expression = time_point_responses(tables, criteria, scope, baseline).order_by(*KEYS)
    return to_sql(expression, "duckdb")
