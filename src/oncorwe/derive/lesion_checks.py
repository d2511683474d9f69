"""Input gate for lesion-level records: usable rows plus findings for every bad record.

A bad lesion record never stops the derivation: it is reported as a finding (``table, row,
column, value, rule, severity, message``) and left out, so that rows read = rows used + rows
reported. Rules (``rule`` column):

- ``lesion.column_missing`` (error): a required column is absent (no row can be used).
- ``lesion.date_invalid``, ``lesion.class_unknown``, ``lesion.diameter_negative``,
  ``lesion.status_unknown`` (error, row left out).
- ``lesion.duplicate`` (warning): same patient, date and lesion_id twice; the first is kept.
- ``lesion.no_baseline`` (error): a target / non-target lesion measured at follow-up that was
  not recorded at the patient's baseline (RECIST 1.1 section 4.3: targets and non-targets are
  fixed at baseline); left out.
- ``lesion.new_at_baseline`` (warning): a "new" lesion on the baseline scan; left out.
- ``lesion.diameter_missing`` (warning): a target without diameter (the lesion is "not
  evaluated" at that time point); ``lesion.status_missing`` likewise for non-target / new.
- ``lesion.too_many_targets`` (warning): more than 5 targets or more than 2 per organ at
  baseline (RECIST 1.1 section 3.3.1); all are used.

References
----------
Eisenhauer EA et al., Eur J Cancer 2009;45:228-247 (RECIST 1.1), sections 3.3 and 4.3; summary
docs/references/recist.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.response_checks import FINDING_COLUMNS, finding_rows

TABLE = "lesions"
REQUIRED = ("patient_id", "assessment_date", "lesion_id", "lesion_class", "organ")
OPTIONAL = {"is_lymph_node": False, "in_rt_field": pd.NA, "diameter_mm": np.nan, "status": pd.NA}
CLASSES = ("target", "non_target", "new")
STATUSES = ("present", "absent", "unequivocal_progression", "equivocal")
# RECIST 1.1 section 3.3.1: at most 5 target lesions in total and 2 per organ.
MAX_TARGETS_TOTAL = 5
MAX_TARGETS_PER_ORGAN = 2


def _findings(src, mask, column, values, rule, severity, message) -> pd.DataFrame:
    mask = pd.Series(mask, index=src.index).fillna(False).astype(bool)
    values = pd.Series(values, index=src.index).astype(object)
    return pd.DataFrame(
        {
            "table": TABLE,
            "row": src[mask].to_numpy(),
            "column": column,
            "value": values[mask].to_numpy(),
            "rule": rule,
            "severity": severity,
            "message": message,
        },
        columns=list(FINDING_COLUMNS),
    )


def prepare_lesions(
    lesions: pd.DataFrame, baseline_dates: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Usable lesion rows (with ``baseline_date`` and ``is_baseline``) and the findings.

    The baseline of a patient is ``baseline_dates[patient_id]`` when given, else the patient's
    first assessment date in ``lesions``. Rows dated before the baseline are left out
    (``lesion.before_baseline``).
    """
    missing = [c for c in REQUIRED if c not in lesions.columns]
    if missing:
        row = {
            "table": TABLE,
            "row": None,
            "column": ", ".join(missing),
            "value": None,
            "rule": "lesion.column_missing",
            "severity": "error",
            "message": "required column(s) missing: no lesion can be scored",
        }
        empty = pd.DataFrame(columns=[*REQUIRED, *OPTIONAL, "baseline_date", "is_baseline"])
        return empty.astype({"is_baseline": bool}), pd.DataFrame([row])
    data = lesions.copy()
    for col, default in OPTIONAL.items():
        if col not in data.columns:
            data[col] = default
    src = data["_row"] if "_row" in data.columns else data.index.to_series()
    data["_src"] = src.to_numpy()
    raw_dates = data["assessment_date"]
    data["assessment_date"] = pd.to_datetime(raw_dates, errors="coerce")
    diam = pd.to_numeric(data["diameter_mm"], errors="coerce")
    status = data["status"]
    parts = [
        _findings(
            src,
            data["assessment_date"].isna(),
            "assessment_date",
            raw_dates,
            "lesion.date_invalid",
            "error",
            "not a date: row left out",
        ),
        _findings(
            src,
            ~data["lesion_class"].isin(CLASSES),
            "lesion_class",
            data["lesion_class"],
            "lesion.class_unknown",
            "error",
            f"expected one of {', '.join(CLASSES)}",
        ),
        _findings(
            src,
            diam < 0,
            "diameter_mm",
            diam,
            "lesion.diameter_negative",
            "error",
            "negative diameter: row left out",
        ),
        _findings(
            src,
            status.notna() & ~status.isin(STATUSES),
            "status",
            status,
            "lesion.status_unknown",
            "error",
            f"expected one of {', '.join(STATUSES)}",
        ),
    ]
    bad = (
        data["assessment_date"].isna()
        | ~data["lesion_class"].isin(CLASSES)
        | (diam < 0)
        | (status.notna() & ~status.isin(STATUSES))
    )
    dup = ~bad & data.duplicated(["patient_id", "assessment_date", "lesion_id"])
    parts.append(
        _findings(
            src,
            dup,
            "lesion_id",
            data["lesion_id"],
            "lesion.duplicate",
            "warning",
            "lesion recorded twice on one date: first kept",
        )
    )
    data["diameter_mm"] = diam
    data = data[~bad & ~dup]
    first = data.groupby("patient_id")["assessment_date"].transform("min")
    if baseline_dates is not None:
        first = data["patient_id"].map(pd.to_datetime(baseline_dates)).fillna(first)
    data["baseline_date"] = first
    before = data["assessment_date"] < data["baseline_date"]
    data["is_baseline"] = data["assessment_date"] == data["baseline_date"]
    base_keys = data.loc[
        data["is_baseline"] & (data["lesion_class"] != "new"),
        ["patient_id", "lesion_id", "lesion_class"],
    ]
    known = pd.MultiIndex.from_frame(data[["patient_id", "lesion_id", "lesion_class"]]).isin(
        pd.MultiIndex.from_frame(base_keys)
    )
    followed = ~data["is_baseline"] & (data["lesion_class"] != "new")
    no_base = followed & ~known & ~before
    new_at_base = data["is_baseline"] & (data["lesion_class"] == "new")
    s = data["_src"]
    parts += [
        _findings(
            s,
            before,
            "assessment_date",
            data["assessment_date"],
            "lesion.before_baseline",
            "warning",
            "assessment before the baseline: row left out",
        ),
        _findings(
            s,
            no_base,
            "lesion_id",
            data["lesion_id"],
            "lesion.no_baseline",
            "error",
            "lesion measured at follow-up without a baseline record: row left out",
        ),
        _findings(
            s,
            new_at_base,
            "lesion_class",
            data["lesion_class"],
            "lesion.new_at_baseline",
            "warning",
            "new lesion on the baseline scan: row left out",
        ),
        _findings(
            s,
            (data["lesion_class"] == "target") & data["diameter_mm"].isna() & ~before,
            "diameter_mm",
            data["diameter_mm"],
            "lesion.diameter_missing",
            "warning",
            "target lesion without diameter: not evaluated at this time point",
        ),
        _findings(
            s,
            (data["lesion_class"] != "target") & data["status"].isna() & ~before,
            "status",
            data["status"],
            "lesion.status_missing",
            "warning",
            "lesion without status: not evaluated at this time point",
        ),
    ]
    data = data[~before & ~no_base & ~new_at_base]
    parts.append(_too_many_targets(data))
    return data.reset_index(drop=True), pd.concat(parts, ignore_index=True)


def usable_lesions(lesions: ir.Table, baseline: ir.Table | None = None) -> ir.Table:
    """The lesion rows :func:`prepare_lesions` keeps, as a table expression (runs nothing).

    Same rules, written once for every engine: rows with an invalid date, class, diameter or
    status are left out; of a lesion recorded twice on one date the first by its other columns
    is kept (the order in which the study store lists them); rows before the patient's baseline
    (``baseline``: ``patient_id, baseline_date``, else the first date), follow-up target /
    non-target lesions without a baseline record and new lesions on the baseline scan are left
    out. Adds ``baseline_date`` and ``is_baseline``.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 3.3 and 4.3.
    """
    t = lesions
    status = t.status
    valid = (
        t.assessment_date.notnull()
        & t.lesion_class.isin(CLASSES)
        & ~(t.diameter_mm < 0).fill_null(False)
        & (status.isnull() | status.isin(STATUSES))
    )
    t = t.filter(valid)
    others = ("lesion_class", "organ", "is_lymph_node", "in_rt_field", "diameter_mm", "status")
    first = ibis.row_number().over(
        group_by=[t.patient_id, t.assessment_date, t.lesion_id],
        order_by=[ibis.asc(t[c], nulls_first=False) for c in others],
    )
    t = t.mutate(_n=first).filter(lambda r: r._n == 0).drop("_n")
    t = t.mutate(baseline_date=t.assessment_date.min().over(group_by=t.patient_id))
    if baseline is not None:
        b = baseline.select(_p=baseline.patient_id, _b=baseline.baseline_date)
        t = t.left_join(b, t.patient_id == b._p).drop("_p")
        t = t.mutate(baseline_date=t._b.fill_null(t.baseline_date)).drop("_b")
    t = t.filter(t.assessment_date >= t.baseline_date)
    t = t.mutate(is_baseline=t.assessment_date == t.baseline_date)
    at_baseline = (t.is_baseline & (t.lesion_class != "new")).cast("int32")
    known = at_baseline.max().over(group_by=[t.patient_id, t.lesion_id, t.lesion_class])
    t = t.mutate(_known=known)
    keep = ibis.cases(
        (t.lesion_class == "new", ~t.is_baseline),
        (t.is_baseline, True),
        else_=t._known == 1,
    )
    return t.filter(keep).drop("_known")


def _too_many_targets(data: pd.DataFrame) -> pd.DataFrame:
    targets = data[data["is_baseline"] & (data["lesion_class"] == "target")]
    total = targets.groupby("patient_id")["lesion_id"].transform("size")
    per_organ = targets.groupby(["patient_id", "organ"])["lesion_id"].transform("size")
    over = (total > MAX_TARGETS_TOTAL) | (per_organ > MAX_TARGETS_PER_ORGAN)
    over = over.groupby(targets["patient_id"]).transform("any")
    over &= ~targets["patient_id"].duplicated()  # one finding per patient
    return _findings(
        targets["_src"],
        over,
        "lesion_class",
        targets["patient_id"],
        "lesion.too_many_targets",
        "warning",
        "more than 5 targets or more than 2 per organ at baseline (RECIST 1.1)",
    )


# rule -> (severity, message) of the findings written by the table expression, in report order
RULES = {
    "lesion.date_invalid": ("error", "not a date: row left out"),
    "lesion.class_unknown": ("error", f"expected one of {', '.join(CLASSES)}"),
    "lesion.diameter_negative": ("error", "negative diameter: row left out"),
    "lesion.status_unknown": ("error", f"expected one of {', '.join(STATUSES)}"),
    "lesion.duplicate": ("warning", "lesion recorded twice on one date: first kept"),
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


def _checked(lesions: ir.Table) -> ir.Table:
    """Lesion rows with the flags of :func:`prepare_lesions` (no given baselines: a patient's
    baseline is its first usable date, so no row is before it)."""
    t = lesions
    t = t.mutate(
        _bad_date=t.assessment_date.isnull(),
        _bad_class=~t.lesion_class.isin(CLASSES).fill_null(False),
        _negative=(t.diameter_mm < 0).fill_null(False),
        _bad_status=t.status.notnull() & ~t.status.isin(STATUSES).fill_null(False),
        _twice=ibis.row_number().over(
            group_by=[t.patient_id, t.assessment_date, t.lesion_id], order_by=t._row
        ),
    )
    bad = t._bad_date | t._bad_class | t._negative | t._bad_status
    t = t.mutate(_bad=bad, _dup=~bad & (t._twice > 0))
    usable = ~t._bad & ~t._dup
    first = ibis.ifelse(usable, t.assessment_date, ibis.null("date"))
    t = t.mutate(_used=usable, _baseline=first.min().over(group_by=t.patient_id))
    at_baseline = t._used & (t.assessment_date == t._baseline)
    known = ibis.ifelse(at_baseline & (t.lesion_class != "new"), 1, 0)
    t = t.mutate(
        _at_baseline=at_baseline,
        _known=known.max().over(group_by=[t.patient_id, t.lesion_id, t.lesion_class]),
    )
    followed = t._used & ~t._at_baseline & (t.lesion_class != "new")
    return t.mutate(
        _no_base=followed & (t._known == 0),
        _new_at_base=t._at_baseline & (t.lesion_class == "new"),
    ).alias("checked_lesions")


def _first_of_too_many_targets(t: ir.Table) -> ir.Table:
    """``t`` with ``_too_many``: the first baseline target row of each patient with more than 5
    targets or more than 2 in one organ at baseline (RECIST 1.1 section 3.3.1)."""
    target = t._used & ~t._no_base & ~t._new_at_base & t._at_baseline
    target = target & (t.lesion_class == "target")
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


def checked_lesions(t: Mapping[str, ir.Table]) -> ir.Table:
    """The cohort's lesion records (``t["lesions"]`` with ``_row``, of ``t["cohort"]``) with
    the flags :func:`lesion_findings` reports."""
    return _first_of_too_many_targets(_checked(t["lesions"].semi_join(t["cohort"], "patient_id")))


def lesion_findings(t: Mapping[str, ir.Table], checked: ir.Table | None = None) -> ir.Table:
    """The findings of :func:`prepare_lesions` for the cohort's lesion records, as a table
    expression over ``t["lesions"]`` (with ``_row``) and ``t["cohort"]``, or over ``checked``:
    the rows of :func:`checked_lesions` made once on the engine (each rule reads them); ordered
    by rule (as listed in ``RULES``) and source row.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 3.3 and 4.3.
    """
    c = checked_lesions(t) if checked is None else checked
    c = c.alias("checked_lesion_targets")
    used = c._used & ~c._no_base & ~c._new_at_base
    checks = (
        (c._bad_date, "assessment_date", None),
        (c._bad_class, "lesion_class", c.lesion_class),
        (c._negative, "diameter_mm", c.diameter_mm),
        (c._bad_status, "status", c.status),
        (c._dup, "lesion_id", c.lesion_id),
        (c._no_base, "lesion_id", c.lesion_id),
        (c._new_at_base, "lesion_class", c.lesion_class),
        (c._used & (c.lesion_class == "target") & c.diameter_mm.isnull(), "diameter_mm", None),
        (c._used & (c.lesion_class != "target") & c.status.isnull(), "status", None),
        (used & c._too_many, "lesion_class", c.patient_id),
    )
    parts = [
        finding_rows(c, mask, (TABLE, column), value, (order, rule), RULES)
        for order, ((mask, column, value), rule) in enumerate(zip(checks, RULES, strict=True))
    ]
    return ibis.union(*parts).order_by(["_order", "row"])
