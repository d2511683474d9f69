"""Lesion-level records: which rows are usable, and a finding for every bad record.

A bad lesion record never stops the derivation: it is reported as a finding (``table, row,
column, value, rule, severity, message``) and left out, so that rows read = rows used + rows
reported. Rules (``rule`` column, ``RULES``):

- ``lesion.column_missing`` (error): a required column is absent (no row can be used).
- ``lesion.date_invalid``, ``lesion.class_unknown``, ``lesion.diameter_negative``,
  ``lesion.status_unknown`` (error, row left out).
- ``lesion.duplicate`` (warning): same patient, date and lesion_id twice; the first is kept.
- ``lesion.before_baseline`` (warning): dated before the patient's given baseline; left out.
- ``lesion.no_baseline`` (error): a target / non-target lesion measured at follow-up that was
  not recorded at the patient's baseline (RECIST 1.1 section 4.3: targets and non-targets are
  fixed at baseline); left out.
- ``lesion.new_at_baseline`` (warning): a "new" lesion on the baseline scan; left out.
- ``lesion.diameter_missing`` (warning): a target without diameter (the lesion is "not
  evaluated" at that time point); ``lesion.status_missing`` likewise for non-target / new.
- ``lesion.too_many_targets`` (warning): more than 5 targets or more than 2 per organ at
  baseline (RECIST 1.1 section 3.3.1); all are used.

The rules are written once, as table expressions (:func:`checked_rows`), run on the study's
engine; :func:`prepare_lesions` runs them over a frame on an in-memory DuckDB.

References
----------
Eisenhauer EA et al., Eur J Cancer 2009;45:228-247 (RECIST 1.1), sections 3.3 and 4.3; summary
docs/references/recist.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.frames import frames_engine, query
from oncorwe.derive.response_checks import finding_rows, frame_findings
from oncorwe.engine import Engine
from oncorwe.engine.connect import to_sql
from oncorwe.engine.study_store import table_types

TABLE = "lesions"
REQUIRED = ("patient_id", "assessment_date", "lesion_id", "lesion_class", "organ")
OPTIONAL = {"is_lymph_node": False, "in_rt_field": pd.NA, "diameter_mm": np.nan, "status": pd.NA}
CLASSES = ("target", "non_target", "new")
STATUSES = ("present", "absent", "unequivocal_progression", "equivocal")
# RECIST 1.1 section 3.3.1: at most 5 target lesions in total and 2 per organ.
MAX_TARGETS_TOTAL = 5
MAX_TARGETS_PER_ORGAN = 2
# the columns besides the key that order a lesion's records when the source row is not known
_OTHERS = ("lesion_class", "organ", "is_lymph_node", "in_rt_field", "diameter_mm", "status")
BASELINE_TYPES = {"patient_id": "string", "baseline_date": "date"}

# rule -> (severity, message) of the findings, in report order
RULES = {
    "lesion.date_invalid": ("error", "not a date: row left out"),
    "lesion.class_unknown": ("error", f"expected one of {', '.join(CLASSES)}"),
    "lesion.diameter_negative": ("error", "negative diameter: row left out"),
    "lesion.status_unknown": ("error", f"expected one of {', '.join(STATUSES)}"),
    "lesion.duplicate": ("warning", "lesion recorded twice on one date: first kept"),
    "lesion.before_baseline": ("warning", "assessment before the baseline: row left out"),
    "lesion.no_baseline": (
        "error", "lesion measured at follow-up without a baseline record: row left out",
    ),
    "lesion.new_at_baseline": ("warning", "new lesion on the baseline scan: row left out"),
    "lesion.diameter_missing": (
        "warning", "target lesion without diameter: not evaluated at this time point",
    ),
    "lesion.status_missing": ("warning", "lesion without status: not evaluated at this time point"),
    "lesion.too_many_targets": (
        "warning", "more than 5 targets or more than 2 per organ at baseline (RECIST 1.1)",
    ),
}  # fmt: skip


def _source_order(t: ir.Table) -> list:
    """The order of a lesion's records on one date: the source row (``_row``) where the table
    has it, else its other columns (the order in which the study store lists them)."""
    if "_row" in t.columns:
        return [t._row]
    return [ibis.asc(t[c], nulls_first=False) for c in _OTHERS]


def checked_rows(lesions: ir.Table, baseline: ir.Table | None = None) -> ir.Table:
    """Every lesion record with the flags of the rules and ``_usable`` (a table expression).

    A patient's baseline is its date in ``baseline`` (``patient_id, baseline_date``) when given,
    else its first usable date. Adds ``baseline_date``, ``is_baseline`` and the flags
    ``_bad_date, _bad_class, _negative, _bad_status, _dup, _used`` (valid and first of its
    key), ``_before, _no_base, _new_at_base`` and ``_usable``.

    Steps
    -----
    1. Invalid date, class, diameter or status; of a lesion recorded twice on one date the first
       (:func:`_source_order`) is kept.
    2. The baseline date; rows before it.
    3. Follow-up target / non-target lesions without a baseline record; new lesions on the
       baseline scan.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 3.3 and 4.3.
    """
    t = lesions
    # step 1
    t = t.mutate(
        _bad_date=t.assessment_date.isnull(),
        _bad_class=~t.lesion_class.isin(CLASSES).fill_null(False),
        _negative=(t.diameter_mm < 0).fill_null(False),
        _bad_status=t.status.notnull() & ~t.status.isin(STATUSES).fill_null(False),
        _twice=ibis.row_number().over(
            group_by=[t.patient_id, t.assessment_date, t.lesion_id], order_by=_source_order(t)
        ),
    )
    bad = t._bad_date | t._bad_class | t._negative | t._bad_status
    t = t.mutate(_dup=~bad & (t._twice > 0), _used=~bad & (t._twice == 0))
    # step 2
    first = ibis.ifelse(t._used, t.assessment_date, ibis.null("date"))
    t = t.mutate(baseline_date=first.min().over(group_by=t.patient_id))
    if baseline is not None:
        b = baseline.select(_p=baseline.patient_id, _b=baseline.baseline_date)
        t = t.left_join(b, t.patient_id == b._p).drop("_p")
        t = t.mutate(baseline_date=t._b.fill_null(t.baseline_date)).drop("_b")
    t = t.mutate(
        is_baseline=(t.assessment_date == t.baseline_date).fill_null(False),
        _before=t._used & (t.assessment_date < t.baseline_date).fill_null(False),
    )
    # step 3
    at_baseline = t._used & t.is_baseline
    known = ibis.ifelse(at_baseline & (t.lesion_class != "new"), 1, 0)
    t = t.mutate(_known=known.max().over(group_by=[t.patient_id, t.lesion_id, t.lesion_class]))
    followed = t._used & ~t._before & ~t.is_baseline & (t.lesion_class != "new")
    t = t.mutate(
        _no_base=followed & (t._known == 0),
        _new_at_base=at_baseline & (t.lesion_class == "new"),
    )
    return t.mutate(_usable=t._used & ~t._before & ~t._no_base & ~t._new_at_base)


def usable_lesions(lesions: ir.Table, baseline: ir.Table | None = None) -> ir.Table:
    """The usable lesion rows of :func:`checked_rows`: ``lesions``' columns plus
    ``baseline_date`` and ``is_baseline`` (a table expression, runs nothing).

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 3.3 and 4.3.
    """
    t = checked_rows(lesions, baseline)
    t = t.filter(t._usable)
    return t.select(*lesions.columns, "baseline_date", "is_baseline")


def _first_of_too_many_targets(t: ir.Table) -> ir.Table:
    """``t`` with ``_too_many``: the first baseline target row of each patient with more than 5
    targets or more than 2 in one organ at baseline (RECIST 1.1 section 3.3.1)."""
    target = t._usable & t.is_baseline & (t.lesion_class == "target")
    in_organ = ibis.ifelse(target & t.organ.notnull(), 1, 0)
    t = t.mutate(_target=target, _in_organ=in_organ.sum().over(group_by=[t.patient_id, t.organ]))
    crowded = ibis.ifelse(t._target & (t._in_organ > MAX_TARGETS_PER_ORGAN), 1, 0)
    t = t.mutate(
        _total=ibis.ifelse(t._target, 1, 0).sum().over(group_by=t.patient_id),
        _crowded=crowded.max().over(group_by=t.patient_id),
        _first=ibis.ifelse(t._target, t._row, ibis.null("int64")).min().over(group_by=t.patient_id),
    )
    over = (t._total > MAX_TARGETS_TOTAL) | (t._crowded == 1)
    return t.mutate(_too_many=t._target & (t._row == t._first) & over)


def checked_lesions(t: Mapping[str, ir.Table], baseline: ir.Table | None = None) -> ir.Table:
    """The cohort's lesion records (``t["lesions"]`` with ``_row``, of ``t["cohort"]``; every
    record when ``t`` has no cohort) with the flags :func:`lesion_findings` reports."""
    lesions = t["lesions"]
    if "cohort" in t:
        lesions = lesions.semi_join(t["cohort"], "patient_id")
    return _first_of_too_many_targets(checked_rows(lesions, baseline)).alias("checked_lesions")


def lesion_findings(t: Mapping[str, ir.Table], checked: ir.Table | None = None) -> ir.Table:
    """The findings of the lesion records, as a table expression over ``t["lesions"]`` (with
    ``_row``) and ``t["cohort"]``, or over ``checked``: the rows of :func:`checked_lesions`
    made once on the engine (each rule reads them); ordered by rule (as listed in ``RULES``)
    and source row.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 3.3 and 4.3.
    """
    c = checked_lesions(t) if checked is None else checked
    c = c.alias("checked_lesion_targets")
    after = c._used & ~c._before
    checks = (
        (c._bad_date, "assessment_date", None),
        (c._bad_class, "lesion_class", c.lesion_class),
        (c._negative, "diameter_mm", c.diameter_mm),
        (c._bad_status, "status", c.status),
        (c._dup, "lesion_id", c.lesion_id),
        (c._before, "assessment_date", c.assessment_date),
        (c._no_base, "lesion_id", c.lesion_id),
        (c._new_at_base, "lesion_class", c.lesion_class),
        (after & (c.lesion_class == "target") & c.diameter_mm.isnull(), "diameter_mm", None),
        (after & (c.lesion_class != "target") & c.status.isnull(), "status", None),
        (c._usable & c._too_many, "lesion_class", c.patient_id),
    )
    parts = [
        finding_rows(c, mask, (TABLE, column), value, (order, rule), RULES)
        for order, ((mask, column, value), rule) in enumerate(zip(checks, RULES, strict=True))
    ]
    return ibis.union(*parts).order_by(["_order", "row"])


_BOOLEAN = {True: True, False: False, "true": True, "false": False}


def lesion_frames(lesions: pd.DataFrame, baseline_dates: pd.Series | None = None) -> dict:
    """The lesion records (with the ``REQUIRED`` columns) and the given baselines as typed
    frames for :func:`oncorwe.derive.frames.query_frames`: ``_row`` is each record's position,
    dates and diameters that cannot be read are empty (reported by the rules)."""
    frame = lesions.reindex(columns=[*REQUIRED, *OPTIONAL]).reset_index(drop=True)
    for column, default in OPTIONAL.items():
        if column not in lesions.columns:
            frame[column] = default
    frame["_row"] = np.arange(len(frame), dtype=np.int64)
    frame["assessment_date"] = pd.to_datetime(frame["assessment_date"], errors="coerce")
    frame["diameter_mm"] = pd.to_numeric(frame["diameter_mm"], errors="coerce")
    for column in ("is_lymph_node", "in_rt_field"):
        frame[column] = frame[column].map(_BOOLEAN).astype("boolean")
    for column in ("patient_id", "lesion_id"):
        frame[column] = frame[column].astype("string")
    frames = {"lesions": (frame, table_types("lesions"))}
    if baseline_dates is not None:
        base = pd.DataFrame(
            {"patient_id": baseline_dates.index, "baseline_date": pd.to_datetime(baseline_dates)}
        )
        frames["lesion_baseline"] = (base, BASELINE_TYPES)
    return frames


def unbound_tables(with_baseline: bool) -> tuple[dict[str, ir.Table], ir.Table | None]:
    """The tables of :func:`lesion_frames` as unbound tables: ``{"lesions": ...}`` and the
    given baselines (or None)."""
    tables = {"lesions": ibis.table(table_types("lesions"), name="lesions")}
    baseline = ibis.table(BASELINE_TYPES, name="lesion_baseline") if with_baseline else None
    return tables, baseline


def missing_column_finding(lesions: pd.DataFrame) -> pd.DataFrame | None:
    """The ``lesion.column_missing`` finding when a required column is absent, else None."""
    missing = [c for c in REQUIRED if c not in lesions.columns]
    if not missing:
        return None
    row = {
        "table": TABLE, "row": None, "column": ", ".join(missing), "value": None,
        "rule": "lesion.column_missing", "severity": "error",
        "message": "required column(s) missing: no lesion can be scored",
    }  # fmt: skip
    return pd.DataFrame([row])


@cache
def _findings_sql(with_baseline: bool) -> str:
    tables, baseline = unbound_tables(with_baseline)
    return to_sql(lesion_findings(tables, checked_lesions(tables, baseline)), "duckdb")


@cache
def _usable_sql(with_baseline: bool) -> str:
    tables, baseline = unbound_tables(with_baseline)
    return to_sql(usable_lesions(tables["lesions"], baseline).order_by("_row"), "duckdb")


def frame_lesion_findings(
    engine: Engine, lesions: pd.DataFrame, with_baseline: bool
) -> pd.DataFrame:
    """The findings of :func:`lesion_findings` for the records of :func:`lesion_frames` on
    ``engine`` (``lesions``: the frame they came from, whose rows the findings name)."""
    return frame_findings(query(engine, _findings_sql(with_baseline)), lesions)


def prepare_lesions(
    lesions: pd.DataFrame, baseline_dates: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Usable lesion rows (with ``baseline_date`` and ``is_baseline``) and the findings.

    The baseline of a patient is ``baseline_dates[patient_id]`` when given, else the patient's
    first usable assessment date in ``lesions``. The rules are those of :func:`checked_rows`,
    run on an in-memory DuckDB; the usable rows are ``lesions``' own rows (dates read as dates,
    diameters as numbers), in their order.
    """
    missing = missing_column_finding(lesions)
    if missing is not None:
        empty = pd.DataFrame(columns=[*REQUIRED, *OPTIONAL, "baseline_date", "is_baseline"])
        return empty.astype({"is_baseline": bool}), missing
    frames = lesion_frames(lesions, baseline_dates)
    with frames_engine(frames) as engine:
        kept = query(engine, _usable_sql(baseline_dates is not None))
        findings = frame_lesion_findings(engine, lesions, baseline_dates is not None)
    positions = kept["_row"].to_numpy(dtype=np.int64)
    data = lesions.iloc[positions].copy()
    for column, default in OPTIONAL.items():
        if column not in data.columns:
            data[column] = default
    typed = frames["lesions"][0]
    for column in ("assessment_date", "diameter_mm"):
        data[column] = typed[column].to_numpy()[positions]
    data["_src"] = (lesions["_row"] if "_row" in lesions.columns else lesions.index.to_series()
                    ).to_numpy()[positions]  # fmt: skip
    data["baseline_date"] = kept["baseline_date"].astype(data["assessment_date"].dtype).to_numpy()
    data["is_baseline"] = kept["is_baseline"].to_numpy(dtype=bool)
    return data.reset_index(drop=True), findings
