"""Time-to-event parameters (ADTTE-shaped) from event and censoring sources described as data.

Modelled on pharmaverse admiral's ``derive_param_tte(event_conditions, censor_conditions)``:
each source is a ``DateSource`` naming its table, date column, row condition (declared as data,
``oncorwe.derive.conditions``) and description, so every patient's row says why the time ended
(``EVNTDESC``) and ``CNSR`` is 0 for an event and a positive integer for a censoring (CDISC
ADaM BDS-TTE convention).

Rules (admiral): the event date is the earliest date among the event sources on or after the time
origin; a patient without an event is censored at the *latest* date among the censoring sources.
Ties between sources on the same date are broken by ``precedence`` (lower wins), then by the
source's place in its list; never by the order the engine returns rows. The computation is one
table expression (``derive_time_to_event``), run where the tables are (``oncorwe.engine``):
the study store, PostgreSQL or Spark. Names and values reach the engine as literals Ibis quotes,
never as text pasted into a query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from oncorwe.derive.conditions import Condition, predicate
from oncorwe.protocol.model import DAYS_PER_MONTH

TTE_COLUMNS = [
    "patient_id", "paramcd", "param", "startdt", "adt", "aval", "aval_months", "cnsr",
    "evntdesc", "srcdom",
]  # fmt: skip


@dataclass(frozen=True)
class DateSource:
    """A per-patient date that ends a time-to-event parameter.

    Parameters
    ----------
    description : text for EVNTDESC (e.g. "Death").
    table, date_column : where the date is read.
    condition : the rows of ``table`` that count (``oncorwe.derive.conditions``; None: every
        row); a value may name a protocol setting (``Setting("eligibility.ici_classes")``).
    censor : 0 for an event source; the CNSR code (>= 1) for a censoring source.
    strictly_after_origin : count only dates after day 0 (a scan on day 0 is a baseline scan).
    precedence : tie-break between sources on the same date, lower first.
    before_new_therapy : count only dates on or before the patient's new anticancer therapy
        (``oncorwe.derive.new_therapy``; patients without one keep every date).
    """

    description: str
    table: str
    date_column: str
    condition: Condition | None = None
    censor: int = 0
    strictly_after_origin: bool = False
    precedence: int = 0
    before_new_therapy: bool = False


def _source_rows(
    source: DateSource, index: int, origin: ir.Table, t: Mapping[str, ir.Table], options
) -> ir.Table:
    """The dates ``source`` gives, one row per source row of an ``origin`` patient."""
    protocol, new_therapy = options
    s = t[source.table]
    s = s.filter(predicate(source.condition, s, t, protocol))
    s = s.select(_p=s.patient_id, _adt=s[source.date_column].cast("date"))
    rows = origin.join(s, origin.patient_id == s._p)
    after = rows._adt > rows.startdt if source.strictly_after_origin else rows._adt >= rows.startdt
    rows = rows.filter(rows._adt.notnull() & after)
    if source.before_new_therapy:
        if new_therapy is None:
            raise ValueError(f"source {source.description!r} needs the new_therapy table")
        n = new_therapy.select(_np=new_therapy.patient_id, _nact=new_therapy.nact_date)
        rows = rows.left_join(n, rows.patient_id == n._np)
        rows = rows.filter(rows._nact.isnull() | (rows._adt <= rows._nact))
    return rows.select(
        "patient_id",
        adt=rows._adt,
        evntdesc=ibis.literal(source.description, "string"),
        cnsr=ibis.literal(int(source.censor), "int64"),
        precedence=ibis.literal(int(source.precedence), "int64"),
        srcdom=ibis.literal(source.table, "string"),
        src=ibis.literal(index, "int64"),
    )


def _chosen(sources, origin, t, options, latest: bool) -> ir.Table:
    """Per patient the earliest (events) or latest (censorings) source date; ties by
    precedence, then by the source's place in ``sources``."""
    rows = ibis.union(*(_source_rows(s, i, origin, t, options) for i, s in enumerate(sources)))
    date = ibis.desc(rows.adt) if latest else ibis.asc(rows.adt)
    first = ibis.row_number().over(
        group_by=rows.patient_id, order_by=[date, rows.precedence, rows.src]
    )
    return rows.mutate(_n=first).filter(lambda r: r._n == 0).drop("_n", "precedence", "src")


def derive_time_to_event(
    t: Mapping[str, ir.Table],
    paramcd: str,
    param: str,
    event_sources: Sequence[DateSource],
    censor_sources: Sequence[DateSource],
    days_per_month: float = DAYS_PER_MONTH,
    origin: ir.Table | None = None,
    protocol=None,
    new_therapy: ir.Table | None = None,
    count_origin_day: bool = False,
) -> ir.Table:
    """One row per patient of ``origin`` (``patient_id, index_date``; default ``t["cohort"]``),
    as a table expression over the tables ``t`` the sources name (runs nothing).

    Columns ``TTE_COLUMNS``: ``patient_id, paramcd, param, startdt, adt, aval, aval_months,
    cnsr, evntdesc, srcdom``, ordered by ``patient_id``; ``aval`` is in days (ADT - STARTDT, no
    +1), ``aval_months`` = ``aval / days_per_month``; ``count_origin_day`` counts day 0 as day 1
    (ADT - STARTDT + 1, admiral ``compute_duration(add_one = TRUE)`` as in admiralonco's ADTTE
    template; protocol ``survival.count_origin_day``). ``protocol`` gives the settings the
    sources' conditions name; ``new_therapy`` (``patient_id, nact_date``) the dates that bound
    the sources declared ``before_new_therapy``. A patient with neither an event nor a
    censoring date has no ADT (missing, not invented).

    Steps
    -----
    1. Collect every event date on or after the origin; keep each patient's earliest.
    2. Collect every censoring date; keep each patient's latest.
    3. Event if any, else censoring; days and months from the origin.
    """
    if not event_sources or not censor_sources:
        raise ValueError("a time-to-event parameter needs event and censoring sources")
    origin = t["cohort"] if origin is None else origin
    origin = origin.select("patient_id", startdt=origin.index_date.cast("date"))
    options = (protocol, new_therapy)
    # step 1
    ev = _chosen(event_sources, origin, t, options, latest=False)
    ev = ev.rename(_ep="patient_id", _eadt="adt", _edesc="evntdesc", _esrc="srcdom").drop("cnsr")
    # step 2
    cn = _chosen(censor_sources, origin, t, options, latest=True)
    cn = cn.rename(_cp="patient_id", _cadt="adt", _ccnsr="cnsr", _cdesc="evntdesc",
                   _csrc="srcdom")  # fmt: skip
    # step 3
    out = origin.left_join(ev, origin.patient_id == ev._ep)
    out = out.left_join(cn, out.patient_id == cn._cp)
    event = out._eadt.notnull()
    adt = ibis.coalesce(out._eadt, out._cadt)
    aval = adt.delta(out.startdt, unit="day") + int(count_origin_day)
    return out.select(
        "patient_id",
        paramcd=ibis.literal(paramcd, "string"),
        param=ibis.literal(param, "string"),
        startdt=out.startdt,
        adt=adt,
        aval=aval.cast("int64"),
        aval_months=aval.cast("float64") / ibis.literal(float(days_per_month), "float64"),
        cnsr=ibis.ifelse(event, ibis.literal(0, "int64"), out._ccnsr),
        evntdesc=ibis.coalesce(out._edesc, out._cdesc),
        srcdom=ibis.coalesce(out._esrc, out._csrc),
    ).order_by("patient_id")
