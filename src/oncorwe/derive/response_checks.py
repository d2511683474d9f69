"""Input gate and validation findings for time-point response records (tumor_assessments).

``prepare_assessments`` is the one place where :func:`best_overall_response` checks its input;
``check_assessments`` reports the same problems as findings (one row each: ``table, row, column,
value, rule, severity, message``) so that a bad record is reported, never a crash.

References
----------
pharmaverse admiralonco vignettes/adrs_basic.Rmd (ANL01FL: one worst assessment per date,
``ADT >= RANDDT``, optionally ``ADT < NACTDT``); admiralonco R/check_crpr.R (``signal_crpr``:
CR followed by PR is a data issue, reported, not fatal); docs/references/recist.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.response_rules import RECIST11
from oncorwe.errors import InputError

TABLE = "tumor_assessments"
# Time-point responses of the input contract (tumor_assessments.overall_response) and their
# worst-first order for one response per date, as declared for RECIST 1.1 (response_rules).
RESPONSE_VALUES = RECIST11.values
WORST_FIRST = RECIST11.worst_first
FINDING_COLUMNS = ("table", "row", "column", "value", "rule", "severity", "message")
ON_ORIGIN = ("include", "exclude")
REQUIRED = ("patient_id", "assessment_date", "overall_response")


def findings_frame(rows: list[dict]) -> pd.DataFrame:
    """Findings as a DataFrame with the standard columns (empty frame when there are none)."""
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def _dates_by_patient(
    frame: pd.DataFrame | pd.Series | None, column: str, name: str
) -> pd.Series | None:
    """A Series of dates indexed by patient_id, from a Series or a two-column DataFrame."""
    if frame is None:
        return None
    if isinstance(frame, pd.Series):
        series = frame
    else:
        if "patient_id" not in frame.columns or column not in frame.columns:
            raise InputError(f"{name}: needs columns patient_id and {column}")
        series = frame.set_index("patient_id")[column]
    if series.index.duplicated().any():
        dup = series.index[series.index.duplicated()][0]
        raise InputError(f"{name}: patient_id {dup!r} appears more than once; one date each")
    return pd.to_datetime(series, errors="raise")


def _source_rows(assessments: pd.DataFrame) -> pd.Series:
    return assessments["_row"] if "_row" in assessments.columns else assessments.index.to_series()


def _check_options(on_origin: str, **non_negative: int) -> None:
    if on_origin not in ON_ORIGIN:
        raise InputError(f"on_origin must be one of {ON_ORIGIN}, got {on_origin!r}")
    for name, value in non_negative.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            raise InputError(
                f"{name} must be a non-negative integer number of days/records, got {value!r}"
            )


def _per_row(patients: pd.Series, dates: pd.Series) -> pd.Series:
    """Each row's date by its patient (reindex, not ``map``: pandas cannot map an empty string
    column onto an empty date Series)."""
    return pd.Series(dates.reindex(patients).to_numpy(), index=patients.index)


def prepare_assessments(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series,
    new_therapy: pd.DataFrame | pd.Series | None,
    on_origin: str,
    origin_column: str,
    *,
    values: tuple[str, ...] = RESPONSE_VALUES,
    worst_first: tuple[str, ...] = WORST_FIRST,
    **non_negative: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Checked, restricted and sorted assessments plus the patient list (one row each).

    ``values`` are the accepted responses and ``worst_first`` their order for keeping one per
    date (RECIST 1.1 by default; other criteria pass their declared ones,
    ``oncorwe.derive.response_rules``).
    Returns ``(rows, patients)``. ``rows`` has one response per patient and date (the worst),
    only dates on/after the origin (or after it, ``on_origin="exclude"``) and before a new
    therapy, sorted by patient and date, with helper columns ``_patient_code``, ``_day`` and
    ``_origin_day`` (days since 1970-01-01). Raises InputError for a missing column, an
    unparseable date, an unknown response value or an assessment of a patient not in ``origin``.
    """
    _check_options(on_origin, **non_negative)
    missing = [c for c in REQUIRED if c not in assessments.columns]
    if missing:
        raise InputError(f"table {TABLE}: missing column(s) {', '.join(missing)}")
    origin_dates = _dates_by_patient(origin, origin_column, "origin")
    nact = _dates_by_patient(new_therapy, "new_therapy_date", "new_therapy")
    data = assessments.loc[:, list(REQUIRED)].copy()
    data["_src"] = _source_rows(assessments).to_numpy()
    dates = pd.to_datetime(data["assessment_date"], errors="coerce")
    bad_date = dates.isna()
    if bad_date.any():
        i = bad_date.idxmax()
        raise InputError(
            f"table {TABLE}, row {data.at[i, '_src']}, column assessment_date: "
            f"value {assessments.at[i, 'assessment_date']!r} is not a date"
        )
    data["assessment_date"] = dates
    data = data[data["overall_response"].notna()]
    unknown = ~data["overall_response"].isin(values)
    if unknown.any():
        i = unknown.idxmax()
        raise InputError(
            f"table {TABLE}, row {data.at[i, '_src']}, column overall_response: "
            f"value {data.at[i, 'overall_response']!r} is not one of {', '.join(values)}"
        )
    stray = ~data["patient_id"].isin(origin_dates.index)
    if stray.any():
        i = stray.idxmax()
        raise InputError(
            f"table {TABLE}, row {data.at[i, '_src']}, column patient_id: value "
            f"{data.at[i, 'patient_id']!r} has no time origin"
        )
    origin_of_row = _per_row(data["patient_id"], origin_dates)
    keep = data["assessment_date"] >= origin_of_row
    if on_origin == "exclude":
        keep = data["assessment_date"] > origin_of_row
    if nact is not None:
        before_nact = data["assessment_date"] < _per_row(data["patient_id"], nact)
        keep &= before_nact | _per_row(data["patient_id"], nact).isna()
    data = data[keep.to_numpy()]
    data["_worst"] = data["overall_response"].map({v: i for i, v in enumerate(worst_first)})
    data = (
        data.sort_values(["patient_id", "assessment_date", "_worst"], kind="mergesort")
        .drop_duplicates(["patient_id", "assessment_date"])
        .reset_index(drop=True)
    )
    epoch = pd.Timestamp("1970-01-01")
    data["_patient_code"] = pd.factorize(data["patient_id"], sort=True)[0]
    data["_day"] = (data["assessment_date"] - epoch).dt.days.astype(np.int64)
    origin_days = (_per_row(data["patient_id"], origin_dates) - epoch).dt.days
    data["_origin_day"] = origin_days.astype(np.int64)
    patients = pd.DataFrame({"patient_id": origin_dates.index.to_numpy()})
    return data.drop(columns=["_worst"]), patients


def _rule_findings(src, mask, column, values, rule, severity, message) -> pd.DataFrame:
    """Findings of one rule for every row where ``mask`` holds (vectorised)."""
    mask = pd.Series(mask, index=src.index).fillna(False).astype(bool)
    values = pd.Series(values, index=src.index)
    return pd.DataFrame(
        {
            "table": TABLE,
            "row": src[mask].to_numpy(),
            "column": column,
            "value": values[mask].astype(object).to_numpy(),
            "rule": rule,
            "severity": severity,
            "message": message,
        },
        columns=list(FINDING_COLUMNS),
    )


def check_assessments(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series | None = None,
    origin_column: str = "index_date",
) -> pd.DataFrame:
    """Validation findings for time-point responses, one row per problem (never raises).

    Rules (``rule`` column): ``response.date_invalid`` (error), ``response.value_unknown``
    (error), ``response.value_missing`` (warning: ignored), ``response.duplicate_date``
    (warning: more than one response on one date, e.g. a confirmation scan on the same day;
    the worst is kept, admiralonco ANL01FL), ``response.no_origin`` (error),
    ``response.before_origin`` (warning: ignored for BOR), ``response.cr_then_pr`` (warning:
    CR followed by PR, admiralonco ``signal_crpr``).

    References
    ----------
    admiralonco vignettes/adrs_basic.Rmd (ANL01FL); admiralonco R/check_crpr.R.
    """
    src = _source_rows(assessments)
    blank = pd.Series(pd.NA, index=assessments.index, dtype=object)
    raw_dates = assessments.get("assessment_date", blank)
    dates = pd.to_datetime(raw_dates, errors="coerce")
    values = assessments.get("overall_response", blank)
    patient = assessments.get("patient_id", blank)
    valid = values.isin(RESPONSE_VALUES)
    ok = dates.notna() & valid
    parts = [
        _rule_findings(
            src,
            dates.isna(),
            "assessment_date",
            raw_dates,
            "response.date_invalid",
            "error",
            "not a date (YYYY-MM-DD)",
        ),
        _rule_findings(
            src,
            values.isna(),
            "overall_response",
            values,
            "response.value_missing",
            "warning",
            "empty time-point response: ignored",
        ),
        _rule_findings(
            src,
            values.notna() & ~valid,
            "overall_response",
            values,
            "response.value_unknown",
            "error",
            f"expected one of {', '.join(RESPONSE_VALUES)}",
        ),
        _rule_findings(
            src,
            ok & pd.DataFrame({"p": patient, "d": dates}).duplicated(),
            "assessment_date",
            dates.dt.strftime("%Y-%m-%d"),
            "response.duplicate_date",
            "warning",
            "more than one response on this date: the worst is kept",
        ),
    ]
    if origin is not None:
        start = patient.map(_dates_by_patient(origin, origin_column, "origin"))
        parts.append(
            _rule_findings(
                src,
                ok & start.isna(),
                "patient_id",
                patient,
                "response.no_origin",
                "error",
                "patient has no time origin",
            )
        )
        parts.append(
            _rule_findings(
                src,
                ok & (dates < start),
                "assessment_date",
                dates.dt.strftime("%Y-%m-%d"),
                "response.before_origin",
                "warning",
                "assessment before the time origin: ignored",
            )
        )
    order = pd.DataFrame({"p": patient, "d": dates, "v": values})[ok].sort_values(
        ["p", "d"], kind="mergesort"
    )
    seen_cr = (order["v"] == "CR").astype(int).groupby(order["p"]).cummax()
    cr_before = seen_cr.groupby(order["p"]).shift(1, fill_value=0).astype(bool)
    cr_then_pr = ((order["v"] == "PR") & cr_before).reindex(assessments.index, fill_value=False)
    parts.append(
        _rule_findings(
            src,
            cr_then_pr,
            "overall_response",
            values,
            "response.cr_then_pr",
            "warning",
            "PR after an earlier CR: check the assessments",
        )
    )
    return pd.concat(parts, ignore_index=True)


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


# rule -> (severity, message) of the findings written by table expressions
RULES = {
    "response.date_invalid": ("error", "not a date (YYYY-MM-DD)"),
    "response.value_missing": ("warning", "empty time-point response: ignored"),
    "response.value_unknown": ("error", f"expected one of {', '.join(RESPONSE_VALUES)}"),
    "response.duplicate_date": (
        "warning", "more than one response on this date: the worst is kept",
    ),
    "response.no_origin": ("error", "patient has no time origin"),
    "response.before_origin": ("warning", "assessment before the time origin: ignored"),
    "response.cr_then_pr": ("warning", "PR after an earlier CR: check the assessments"),
}  # fmt: skip


def checked_assessments(t: Mapping[str, ir.Table]) -> ir.Table:
    """The cohort's time-point responses (``t["tumor_assessments"]`` with ``_row``, of
    ``t["cohort"]``) with the flags :func:`assessment_findings` reports."""
    a = t["tumor_assessments"].semi_join(t["cohort"], "patient_id")
    a = a.filter(a.criteria.notnull())
    origin = t["cohort"].select(_p=t["cohort"].patient_id, _origin=t["cohort"].index_date)
    a = a.left_join(origin, a.patient_id == origin._p)
    known = a.overall_response.isin(RESPONSE_VALUES).fill_null(False)
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


def assessment_findings(t: Mapping[str, ir.Table], checked: ir.Table | None = None) -> ir.Table:
    """The findings of :func:`check_assessments` for the cohort's time-point responses, as a
    table expression over ``t["tumor_assessments"]`` (with ``_row``) and ``t["cohort"]``, or
    over ``checked``: the rows of :func:`checked_assessments` made once on the engine (each
    rule reads them; an engine such as Spark would otherwise check them once per rule).

    Each criteria's records are checked on their own (rows without a criteria are not); the
    findings are ordered by criteria, rule (as listed in ``RULES``) and source row.

    References
    ----------
    admiralonco vignettes/adrs_basic.Rmd (ANL01FL); admiralonco R/check_crpr.R.
    """
    a = checked_assessments(t) if checked is None else checked
    a = a.alias("checked_assessments")
    date = a._date.strftime("%Y-%m-%d")

    def found(order: int, mask, column: str, value) -> ir.Table:
        rule = list(RULES)[order]
        return finding_rows(a, mask, (TABLE, column), value, (order, rule), group="criteria")

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
