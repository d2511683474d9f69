"""Time-to-event parameters (ADTTE-shaped) from event and censoring sources described as data.

Modelled on pharmaverse admiral's ``derive_param_tte(event_conditions, censor_conditions)``:
each source is a ``DateSource`` naming its table, date column, SQL condition and description,
so every patient's row says why the time ended (``EVNTDESC``) and ``CNSR`` is 0 for an event and
a positive integer for a censoring (CDISC ADaM BDS-TTE convention).

Rules (admiral): the event date is the earliest date among the event sources on or after the time
origin; a patient without an event is censored at the *latest* date among the censoring sources.
Ties between sources on the same date are broken by ``precedence`` (lower wins), never by list
position. The computation is one SQL query in the analysis database (see
``oncorwe.cohort.database``), so it runs unchanged on registry-sized tables. Values reach the
query as bound parameters (``$paramcd``, ``$param`` and the protocol settings a source's condition
names, such as ``$ici_classes``), never pasted into its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from oncorwe.protocol.model import DAYS_PER_MONTH


@dataclass(frozen=True)
class DateSource:
    """A per-patient date that ends a time-to-event parameter.

    Parameters
    ----------
    description : text for EVNTDESC (e.g. "Death").
    table, date_column : where the date is read.
    condition : SQL predicate over the source table's rows ``s`` (default: every row); it may
        name a setting as a bound parameter (``list_contains($ici_classes, s.drug_class)``),
        given to ``derive_time_to_event`` in ``parameters``.
    censor : 0 for an event source; the CNSR code (>= 1) for a censoring source.
    strictly_after_origin : count only dates after day 0 (a scan on day 0 is a baseline scan).
    precedence : tie-break between sources on the same date, lower first.
    """

    description: str
    table: str
    date_column: str
    condition: str = "TRUE"
    censor: int = 0
    strictly_after_origin: bool = False
    precedence: int = 0


def sql_text(value: str) -> str:
    """``value`` as an SQL string literal (single quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def _source_sql(source: DateSource, index: int) -> str:
    comparison = ">" if source.strictly_after_origin else ">="
    return f"""
        SELECT o.patient_id, CAST(s."{source.date_column}" AS DATE) AS adt,
               {sql_text(source.description)} AS evntdesc, {int(source.censor)} AS cnsr,
               {int(source.precedence)} AS precedence, {sql_text(source.table)} AS srcdom,
               {index} AS src
        FROM origin o JOIN "{source.table}" s ON s.patient_id = o.patient_id
        WHERE ({source.condition}) AND s."{source.date_column}" IS NOT NULL
          AND CAST(s."{source.date_column}" AS DATE) {comparison} o.startdt"""


def derive_time_to_event(
    con: duckdb.DuckDBPyConnection,
    paramcd: str,
    param: str,
    event_sources: Sequence[DateSource],
    censor_sources: Sequence[DateSource],
    days_per_month: float = DAYS_PER_MONTH,
    origin_table: str = "cohort",
    parameters: Mapping[str, Any] | None = None,
    count_origin_day: bool = False,
) -> pd.DataFrame:
    """One row per patient of ``origin_table`` (columns ``patient_id, index_date``).

    Returns columns ``patient_id, paramcd, param, startdt, adt, aval, aval_months, cnsr,
    evntdesc, srcdom``; ``aval`` is in days (ADT - STARTDT, no +1), ``aval_months`` =
    ``aval / days_per_month``; ``count_origin_day`` counts day 0 as day 1 (ADT - STARTDT + 1,
    admiral ``compute_duration(add_one = TRUE)`` as in admiralonco's ADTTE template; protocol
    ``survival.count_origin_day``). ``parameters`` holds the values of the ``$name`` parameters
    the sources' conditions use (e.g. ``{"ici_classes": ["pd1", "pdl1", "ctla4"]}``).

    Steps
    -----
    1. Collect every event date on or after the origin; keep each patient's earliest.
    2. Collect every censoring date; keep each patient's latest.
    3. Event if any, else censoring; days and months from the origin.
    """
    if not event_sources or not censor_sources:
        raise ValueError("a time-to-event parameter needs event and censoring sources")
    # step 1
    events = " UNION ALL ".join(_source_sql(s, i) for i, s in enumerate(event_sources))
    # step 2
    censors = " UNION ALL ".join(_source_sql(s, i) for i, s in enumerate(censor_sources))
    # step 3
    sql = f"""
        WITH origin AS (
            SELECT patient_id, CAST(index_date AS DATE) AS startdt FROM "{origin_table}"
        ), ev AS ({events}
        ), first_ev AS (
            SELECT * FROM ev QUALIFY row_number() OVER (
                PARTITION BY patient_id ORDER BY adt, precedence, src) = 1
        ), cn AS ({censors}
        ), last_cn AS (
            SELECT * FROM cn QUALIFY row_number() OVER (
                PARTITION BY patient_id ORDER BY adt DESC, precedence, src) = 1
        )
        SELECT o.patient_id, $paramcd AS paramcd, $param AS param, o.startdt,
               COALESCE(e.adt, c.adt) AS adt,
               CASE WHEN e.adt IS NOT NULL THEN 0 ELSE c.cnsr END AS cnsr,
               COALESCE(e.evntdesc, c.evntdesc) AS evntdesc,
               COALESCE(e.srcdom, c.srcdom) AS srcdom
        FROM origin o LEFT JOIN first_ev e USING (patient_id) LEFT JOIN last_cn c USING (patient_id)
        ORDER BY o.patient_id
    """
    values = {**(parameters or {}), "paramcd": paramcd, "param": param}
    out = con.execute(sql, _bound(sql, values)).df()
    out["startdt"] = pd.to_datetime(out["startdt"])
    out["adt"] = pd.to_datetime(out["adt"])
    out["aval"] = (out["adt"] - out["startdt"]).dt.days.astype("Int64") + int(count_origin_day)
    out["aval_months"] = out["aval"].astype("float64") / days_per_month
    out["cnsr"] = out["cnsr"].astype("Int64")
    columns = ["patient_id", "paramcd", "param", "startdt", "adt", "aval", "aval_months", "cnsr"]
    return out[columns + ["evntdesc", "srcdom"]]


def _bound(sql: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the ``$name`` parameters ``sql`` uses (DuckDB refuses unused ones)."""
    code = re.sub(r"'(?:[^']|'')*'", "''", sql)  # a "$" inside a string literal is text
    used = set(re.findall(r"\$([A-Za-z_]\w*)", code))
    absent = sorted(used - set(values))
    if absent:
        raise ValueError(f"a source condition names parameter(s) {absent} that were not given")
    return {name: values[name] for name in used}
