"""Input gate and validation findings for time-point response records (tumor_assessments).

The rules are written once, as table expressions (:func:`checked_rows`,
:func:`assessment_findings`) run on the study's engine: one row per problem (``table, row,
column, value, rule, severity, message``), so that a bad record is reported, never a crash.
Over frames, :func:`check_assessments` runs them on an in-memory DuckDB, and
:func:`check_assessment_input` (the input gate of
:func:`oncorwe.derive.best_response.best_overall_response`) raises the first error among them.

References
----------
pharmaverse admiralonco vignettes/adrs_basic.Rmd (ANL01FL: one worst assessment per date,
``ADT >= RANDDT``, optionally ``ADT < NACTDT``); admiralonco R/check_crpr.R (``signal_crpr``:
CR followed by PR is a data issue, reported, not fatal); docs/references/recist.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.frames import frames_engine, query
from oncorwe.derive.response_rules import RECIST11
from oncorwe.engine import Engine
from oncorwe.engine.connect import to_sql
from oncorwe.engine.study_store import table_types
from oncorwe.errors import InputError

TABLE = "tumor_assessments"
# Time-point responses of the input contract (tumor_assessments.overall_response), as declared
# for RECIST 1.1 (response_rules).
RESPONSE_VALUES = RECIST11.values
FINDING_COLUMNS = ("table", "row", "column", "value", "rule", "severity", "message")
REQUIRED = ("patient_id", "assessment_date", "overall_response")
ORIGIN_TYPES = {"patient_id": "string", "index_date": "date"}
NEW_THERAPY_TYPES = {"patient_id": "string", "new_therapy_date": "date"}


def rules_for(values: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Rule -> (severity, message) of the findings, in report order, for time-point responses
    that take ``values``."""
    return {
        "response.date_invalid": ("error", "not a date (YYYY-MM-DD)"),
        "response.value_missing": ("warning", "empty time-point response: ignored"),
        "response.value_unknown": ("error", f"expected one of {', '.join(values)}"),
        "response.duplicate_date": (
            "warning", "more than one response on this date: the worst is kept",
        ),
        "response.no_origin": ("error", "patient has no time origin"),
        "response.before_origin": ("warning", "assessment before the time origin: ignored"),
        "response.cr_then_pr": ("warning", "PR after an earlier CR: check the assessments"),
    }  # fmt: skip


RULES = rules_for(RESPONSE_VALUES)


def finding_rows(
    rows: ir.Table,
    mask: ir.BooleanValue,
    where: tuple[str, str],
    value,
    rule: tuple[int, str],
    rules: Mapping[str, tuple[str, str]] | None = None,
    group: str | None = None,
) -> ir.Table:
    """The findings of one rule as a table expression: one row per row of ``rows`` (a checked
    table with ``_row``) where ``mask`` holds. ``where``: (table, column); ``value``: the text
    reported (an expression over ``rows``, or None); ``rule``: (its place in the report, its
    name in ``rules``, rule -> (severity, message), default ``RULES``); ``group``: a column
    of ``rows`` the findings are reported by. Columns ``FINDING_COLUMNS``, ``_group``,
    ``_order`` (the rule's place) and ``_number`` (a numeric value, reported as Python writes
    it: :func:`found_values`)."""
    order, name = rule
    severity, message = (rules or RULES)[name]
    kept = rows.filter(mask.fill_null(False))
    # a number comes back as a number (each engine writes doubles as text its own way)
    number = value is not None and value.type().is_numeric()
    text = ibis.null("string") if value is None or number else value.cast("string")
    return kept.select(
        _group=ibis.literal("", "string") if group is None else kept[group].cast("string"),
        table=ibis.literal(where[0], "string"),
        row=kept._row.cast("int64"),
        column=ibis.literal(where[1], "string"),
        value=text,
        rule=ibis.literal(name, "string"),
        severity=ibis.literal(severity, "string"),
        message=ibis.literal(message, "string"),
        _order=ibis.literal(order, "int64"),
        _number=value.cast("float64") if number else ibis.null("float64"),
    )


def checked_rows(
    assessments: ir.Table, origin: ir.Table, values: tuple[str, ...] = RESPONSE_VALUES
) -> ir.Table:
    """Time-point responses (with ``_row`` and ``criteria``; rows without a criteria are not
    checked) with the flags :func:`assessment_findings` reports; ``origin``: ``patient_id,
    index_date`` (a patient without one has no time origin). Each criteria's records are
    checked on their own; ``values`` are the accepted responses."""
    a = assessments.filter(assessments.criteria.notnull())
    o = origin.select(_p=origin.patient_id, _origin=origin.index_date)
    a = a.left_join(o, a.patient_id == o._p)
    known = a.overall_response.isin(values).fill_null(False)
    ok = a.assessment_date.notnull() & known
    same_day = ibis.row_number().over(
        group_by=[a.criteria, a.patient_id, a.assessment_date], order_by=a._row
    )
    is_cr = ibis.ifelse(ok & (a.overall_response == "CR"), 1, 0)
    crs = is_cr.sum().over(
        ibis.cumulative_window(
            group_by=[a.criteria, a.patient_id], order_by=[a.assessment_date, a._row]
        )  # fmt: skip
    )
    return a.mutate(_ok=ok, _known=known, _same_day=same_day, _cr_before=crs - is_cr,
                    _date=a.assessment_date)  # fmt: skip


def checked_assessments(t: Mapping[str, ir.Table]) -> ir.Table:
    """The cohort's time-point responses (``t["tumor_assessments"]`` with ``_row``, of
    ``t["cohort"]``) with the flags :func:`assessment_findings` reports."""
    cohort = t["cohort"].select("patient_id", "index_date")
    return checked_rows(t["tumor_assessments"].semi_join(cohort, "patient_id"), cohort)


def assessment_findings(
    t: Mapping[str, ir.Table],
    checked: ir.Table | None = None,
    values: tuple[str, ...] = RESPONSE_VALUES,
) -> ir.Table:
    """The findings for the cohort's time-point responses, as a table expression over
    ``t["tumor_assessments"]`` (with ``_row``) and ``t["cohort"]``, or over ``checked``: the
    rows of :func:`checked_assessments` (or :func:`checked_rows`, whose ``values`` these are)
    made once on the engine (each rule reads them; an engine such as Spark would otherwise
    check them once per rule).

    Rules (``rule`` column, :func:`rules_for`): ``response.date_invalid`` (error),
    ``response.value_missing`` (warning: ignored), ``response.value_unknown`` (error),
    ``response.duplicate_date`` (warning: more than one response on one date, e.g. a
    confirmation scan on the same day; the worst is kept, admiralonco ANL01FL),
    ``response.no_origin`` (error), ``response.before_origin`` (warning: ignored for BOR),
    ``response.cr_then_pr`` (warning: CR followed by PR, admiralonco ``signal_crpr``). The
    findings are ordered by criteria, rule and source row.

    References
    ----------
    admiralonco vignettes/adrs_basic.Rmd (ANL01FL); admiralonco R/check_crpr.R.
    """
    a = checked_assessments(t) if checked is None else checked
    a = a.alias("checked_assessments")
    date = a._date.strftime("%Y-%m-%d")
    rules = rules_for(values)

    def found(order: int, mask, column: str, value) -> ir.Table:
        rule = (order, list(rules)[order])
        return finding_rows(a, mask, (TABLE, column), value, rule, rules, group="criteria")

    response = a.overall_response
    parts = [
        found(0, a._date.isnull(), "assessment_date", None),
        found(1, response.isnull(), "overall_response", response),
        found(2, response.notnull() & ~a._known, "overall_response", response),
        found(3, a._ok & (a._same_day > 0), "assessment_date", date),
        found(4, a._ok & a._origin.isnull(), "patient_id", a.patient_id),
        found(5, a._ok & (a._date < a._origin), "assessment_date", date),
        found(6, a._ok & (response == "PR") & (a._cr_before > 0), "overall_response", response),
    ]
    return ibis.union(*parts).order_by(["_group", "_order", "row"])


def found_values(found: pd.DataFrame) -> pd.DataFrame:
    """The ``FINDING_COLUMNS`` of :func:`finding_rows` results as reported: numbers written as
    Python writes them (``-3.0``), every engine alike."""
    number = found["_number"].astype("float64")
    value = found["value"].astype(object).where(found["value"].notna(), None)
    value = value.where(number.isna(), number.map(str))
    return found.assign(value=value).loc[:, list(FINDING_COLUMNS)].reset_index(drop=True)


def frame_findings(found: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The ``FINDING_COLUMNS`` of :func:`finding_rows` results over a frame's records (whose
    ``_row`` was each record's position), as the frame's: rows named by the frame's ``_row``
    column or index label, numbers as numbers, an unreadable date as it was written."""
    source = frame["_row"] if "_row" in frame.columns else frame.index.to_series()
    position = found["row"].to_numpy(dtype=np.int64)
    number = found["_number"].astype("float64")
    value = found["value"].astype(object).where(found["value"].notna(), None)
    value = value.where(number.isna(), number)
    unread = found["rule"].str.endswith(".date_invalid").to_numpy(dtype=bool)
    if unread.any() and "assessment_date" in frame.columns:
        written = frame["assessment_date"].to_numpy(dtype=object)[position]
        value = value.where(~unread, pd.Series(written, index=value.index))
    out = found.assign(row=source.to_numpy()[position], value=value)
    return out.loc[:, list(FINDING_COLUMNS)].reset_index(drop=True)


def dates_frame(dates, column: str, name: str, date_column: str = "index_date") -> pd.DataFrame:
    """``patient_id, date_column`` from a Series of dates indexed by patient_id or a frame
    with ``patient_id`` and ``column``; one date per patient (InputError otherwise)."""
    if isinstance(dates, pd.Series):
        patients, values = dates.index, dates.to_numpy()
    else:
        if "patient_id" not in dates.columns or column not in dates.columns:
            raise InputError(f"{name}: needs columns patient_id and {column}")
        patients, values = dates["patient_id"], dates[column].to_numpy()
    out = pd.DataFrame({"patient_id": np.asarray(patients, dtype=object)})
    twice = out["patient_id"].duplicated()
    if twice.any():
        dup = out["patient_id"][twice].iloc[0]
        raise InputError(f"{name}: patient_id {dup!r} appears more than once; one date each")
    out[date_column] = pd.to_datetime(values, errors="raise")
    return out


def assessment_frames(
    assessments: pd.DataFrame, origin: pd.DataFrame | None, criteria: str
) -> dict:
    """The records (one criteria; ``_row`` is each record's position; dates that cannot be
    read are empty) and the origins as typed frames for ``query_frames``."""
    blank = pd.Series(pd.NA, index=assessments.index, dtype=object)
    rows = pd.DataFrame(
        {
            "_row": np.arange(len(assessments), dtype=np.int64),
            "patient_id": assessments.get("patient_id", blank).to_numpy(dtype=object),
            "assessment_date": pd.to_datetime(
                assessments.get("assessment_date", blank), errors="coerce"
            ).to_numpy(),
            "criteria": criteria,
            "overall_response": assessments.get("overall_response", blank).to_numpy(dtype=object),
        }
    )
    if origin is None:
        origin = pd.DataFrame({"patient_id": [], "index_date": pd.to_datetime([])})
    frames = {TABLE: (rows, table_types(TABLE)), "origin": (origin, ORIGIN_TYPES)}
    return frames


@cache
def _findings_sql(values: tuple[str, ...]) -> str:
    """DuckDB SQL of the findings over the frames of :func:`_assessment_frames` (compiled once
    per set of values)."""
    rows = checked_rows(
        ibis.table(table_types(TABLE), name=TABLE), ibis.table(ORIGIN_TYPES, name="origin"), values
    )
    return to_sql(assessment_findings({}, rows, values), "duckdb")


def frame_assessment_findings(
    engine: Engine, assessments: pd.DataFrame, values: tuple[str, ...] = RESPONSE_VALUES
) -> pd.DataFrame:
    """The findings of :func:`assessment_findings` for the records of
    :func:`assessment_frames` on ``engine`` (``assessments``: the frame they came from, whose
    rows the findings name)."""
    return frame_findings(query(engine, _findings_sql(tuple(values))), assessments)


def check_assessments(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series | None = None,
    origin_column: str = "index_date",
) -> pd.DataFrame:
    """Validation findings for time-point responses (a frame), one row per problem (never
    raises): the rules of :func:`assessment_findings`, run on an in-memory DuckDB; without
    ``origin`` the two origin rules are not checked.

    References
    ----------
    admiralonco vignettes/adrs_basic.Rmd (ANL01FL); admiralonco R/check_crpr.R.
    """
    dates = None if origin is None else dates_frame(origin, origin_column, "origin")
    with frames_engine(assessment_frames(assessments, dates, RECIST11.name)) as engine:
        found = frame_assessment_findings(engine, assessments)
    if origin is None:
        found = found[found["rule"] != "response.no_origin"].reset_index(drop=True)
    return found


def check_assessment_input(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series,
    new_therapy: pd.DataFrame | pd.Series | None,
    origin_column: str,
    criteria: str,
) -> dict:
    """The first half of the input gate of the best-response derivation over frames (its
    options are checked by :class:`~oncorwe.derive.response_options.ResponseOptions`): raises
    InputError for a missing column or a patient with two origin or new therapy dates; returns
    the typed frames of :func:`assessment_frames` (records of ``criteria``, origins) and
    ``new_therapy`` (``patient_id, new_therapy_date``) when given. The second half,
    :func:`raise_first_error`, runs on them."""
    missing = [c for c in REQUIRED if c not in assessments.columns]
    if missing:
        raise InputError(f"table {TABLE}: missing column(s) {', '.join(missing)}")
    frames = assessment_frames(assessments, dates_frame(origin, origin_column, "origin"), criteria)
    if new_therapy is not None:
        nact = dates_frame(new_therapy, "new_therapy_date", "new_therapy", "new_therapy_date")
        frames["new_therapy"] = (nact, NEW_THERAPY_TYPES)
    return frames


def raise_first_error(
    engine: Engine, assessments: pd.DataFrame, values: tuple[str, ...] = RESPONSE_VALUES
) -> None:
    """Raise InputError for the first error of the findings (:func:`assessment_findings`,
    responses taking ``values``) of the records of :func:`check_assessment_input` on
    ``engine``: an unreadable date, an unknown response value, an assessment of a patient
    without origin; the message names table, row, column, value and rule."""
    found = frame_assessment_findings(engine, assessments, values)
    errors = found[found["severity"] == "error"]
    if len(errors):
        e = errors.iloc[0]
        raise InputError(
            f"table {TABLE}, row {e['row']}, column {e['column']}: value {e['value']!r}: "
            f"{e['message']} ({e['rule']})"
        )
