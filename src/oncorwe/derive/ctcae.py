"""CTCAE v5.0: term -> system organ class (SOC) table and grading of laboratory values.

The term -> SOC table is shipped as ``oncorwe/derive/data/ctcae_v5_soc.csv`` (columns
``term, soc``) for the terms common in RT + ICI studies; a term that is not in it is reported
as a finding (``ae.term_unknown``), never dropped silently.

Lab grading follows CTCAE v5.0, including the v5 rule for liver tests: when the baseline is
already above the ULN, the grade is relative to the baseline instead of the ULN. The thresholds
are declared once below, as data, and turned into one Ibis expression (:func:`lab_grade`) that
grades the labs where they are (:func:`derive_lab_grades`, any engine).

References
----------
.. [1] National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE)
   v5.0, 27 Nov 2017 (Investigations SOC: platelet count decreased, ALT/AST increased, blood
   bilirubin increased, alkaline phosphatase increased).
.. [2] Baseline-normal and baseline-abnormal thresholds as tabulated in World J Hepatol 2026;
   18(1):113465, Table 1; platelet grades 2-4 from the CTCAE v5.0 standard values, not checked
   against the NCI file (docs/references/ctcae.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.frames import query_frames
from oncorwe.derive.response_checks import finding_rows, frame_findings
from oncorwe.engine.connect import to_sql
from oncorwe.errors import InputError

SOC_TABLE_FILE = "ctcae_v5_soc.csv"
TERM_FOR_TEST = {
    "platelets_10e9_l": "Platelet count decreased",
    "alt_u_l": "Alanine aminotransferase increased",
    "ast_u_l": "Aspartate aminotransferase increased",
    "bilirubin_umol_l": "Blood bilirubin increased",
    "alp_u_l": "Alkaline phosphatase increased",
}
# Lower bounds (exclusive ">") of grades 1-4, as multiples of the ULN (baseline normal) or of
# the baseline (baseline abnormal) [1, 2]. The grade-1 lower bound for abnormal baseline is
# inclusive in CTCAE wording for ALT/AST ("1.5 - 3.0 x baseline") and ALP ("2.0 - 2.5 x").
ULN_MULTIPLES = {
    "alt_u_l": (1.0, 3.0, 5.0, 20.0),
    "ast_u_l": (1.0, 3.0, 5.0, 20.0),
    "bilirubin_umol_l": (1.0, 1.5, 3.0, 10.0),
    "alp_u_l": (1.0, 2.5, 5.0, 20.0),
}
BASELINE_MULTIPLES = {
    "alt_u_l": (1.5, 3.0, 5.0, 20.0),
    "ast_u_l": (1.5, 3.0, 5.0, 20.0),
    "bilirubin_umol_l": (1.0, 1.5, 3.0, 10.0),
    "alp_u_l": (2.0, 2.5, 5.0, 20.0),
}
# the finding of an adverse-event term that has no SOC in the shipped table: rule -> (severity,
# message), reported by ae_term_findings
TERM_UNKNOWN = "ae.term_unknown"
TERM_RULES = {
    TERM_UNKNOWN: (
        "warning",
        "not a CTCAE v5.0 term of the shipped table: no system organ class",
    ),
}
# Platelet count decreased, 10^9/L: grade 1 < LLN - 75, grade 2 < 75 - 50, grade 3 < 50 - 25,
# grade 4 < 25 [1, 2].
PLATELET_UPPER_BOUNDS = (75.0, 50.0, 25.0)
# LLN used when a lab does not give one: 150 x 10^9/L, the usual adult reference limit [U].
PLATELET_LLN_DEFAULT = 150.0


@cache
def soc_table() -> pd.DataFrame:
    """The shipped CTCAE v5.0 term -> SOC table (``term, soc``)."""
    path = resources.files("oncorwe.derive").joinpath("data", SOC_TABLE_FILE)
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str)


@cache
def _soc_lookup() -> dict[str, str]:
    """Lower-case term -> SOC, from the shipped table."""
    table = soc_table()
    return dict(zip(table["term"].str.lower(), table["soc"], strict=True))


def soc_of(term: ir.StringValue) -> ir.StringValue:
    """System organ class of a CTCAE v5.0 term (case-insensitive, surrounding blanks ignored) as
    an Ibis expression: a CASE over the shipped table, which every engine compiles without a
    table of its own; null when the term is unknown. The one implementation of the lookup:
    :func:`derive_ae_soc` runs it where the events are, :func:`ctcae_soc` on frames."""
    return term.strip().lower().substitute(_soc_lookup(), else_=ibis.null("string"))


_TERMS = {"term": "string"}


@cache
def _soc_sql() -> str:
    terms = ibis.table(_TERMS, name="terms")
    return to_sql(terms.select("term", soc=soc_of(terms.term)), "duckdb")


def ctcae_soc(terms) -> pd.Series:
    """System organ class of each CTCAE v5.0 term (case-insensitive, surrounding blanks
    ignored); NaN when unknown.

    Evaluates :func:`soc_of` (the rule, written once) on an in-memory DuckDB, once per distinct
    term, and maps the terms through the answers.
    """
    terms = pd.Series(terms, dtype=object)
    distinct = [v for v in pd.unique(terms.to_numpy(dtype=object)) if isinstance(v, str)]
    frame = pd.DataFrame({"term": pd.Series(distinct, dtype=object)})
    found = query_frames(_soc_sql(), {"terms": (frame, _TERMS)})
    known = {
        t: soc for t, soc in zip(found["term"], found["soc"], strict=True) if isinstance(soc, str)
    }
    # typed as the shipped table's column, so that the result is text even when nothing is known
    return terms.map(known).astype(soc_table()["soc"].dtype)


def derive_ae_soc(t: Mapping[str, ir.Table]) -> ir.Table:
    """Adverse events of cohort patients with their CTCAE v5.0 system organ class:
    ``patient_id, term, grade, onset_date, soc`` (null ``soc``: not a term of the shipped table,
    the finding ``ae.term_unknown``), ordered by patient, term, grade and onset."""
    events = t["adverse_events"].semi_join(t["cohort"], "patient_id")
    out = events.select("patient_id", "term", "grade", "onset_date", soc=soc_of(events.term))
    return out.order_by("patient_id", "term", "grade", ibis.asc("onset_date", nulls_first=False))


def checked_adverse_events(t: Mapping[str, ir.Table]) -> ir.Table:
    """The cohort's adverse events (``t["adverse_events"]`` with ``_row``, of ``t["cohort"]``)
    with ``_soc``, their CTCAE v5.0 system organ class (null: not a term of the shipped table)."""
    events = t["adverse_events"].semi_join(t["cohort"], "patient_id")
    return events.mutate(_soc=soc_of(events.term))


def ae_term_findings(t: Mapping[str, ir.Table], checked: ir.Table | None = None) -> ir.Table:
    """One ``ae.term_unknown`` finding per adverse event whose term has no system organ class in
    the shipped CTCAE v5.0 table, as a table expression over the cohort's adverse events (or
    ``checked``, rows with ``_row``, ``term`` and ``_soc`` as :func:`checked_adverse_events`
    makes them), in source row order.

    References
    ----------
    CTCAE v5.0 (NCI 2017); oncorwe ships the common terms only (see module docstring).
    """
    a = checked_adverse_events(t) if checked is None else checked
    found = finding_rows(
        a, a._soc.isnull(), ("adverse_events", "term"), a.term, (0, TERM_UNKNOWN), TERM_RULES
    )
    return found.order_by("row")


_TERM_TYPES = {"_row": "int64", "term": "string"}


@cache
def _term_findings_sql() -> str:
    events = ibis.table(_TERM_TYPES, name="adverse_events")
    return to_sql(ae_term_findings({}, events.mutate(_soc=soc_of(events.term))), "duckdb")


def check_ae_terms(adverse_events: pd.DataFrame) -> pd.DataFrame:
    """Findings (``ae.term_unknown``) for adverse-event terms not in the CTCAE v5.0 table: the
    rule of :func:`ae_term_findings`, run on an in-memory DuckDB; rows named by the frame's
    ``_row`` column or index label.

    References
    ----------
    CTCAE v5.0 (NCI 2017); oncorwe ships the common terms only (see module docstring).
    """
    if "term" not in adverse_events.columns:
        raise InputError("table adverse_events: missing column term")
    frame = pd.DataFrame(
        {
            "_row": np.arange(len(adverse_events), dtype=np.int64),
            "term": adverse_events["term"].to_numpy(dtype=object),
        }
    )
    found = query_frames(_term_findings_sql(), {"adverse_events": (frame, _TERM_TYPES)})
    return frame_findings(found, adverse_events)


def _grade_above(ratio: ir.FloatingValue, bounds: tuple, first_inclusive: bool) -> ir.Value:
    """Grade 0-4 from a multiple of the ULN or of the baseline; null stays null."""
    g1 = ratio >= bounds[0] if first_inclusive else ratio > bounds[0]
    return ibis.cases(
        (ratio.isnull(), ibis.null("int64")),
        (ratio > bounds[3], 4),
        (ratio > bounds[2], 3),
        (ratio > bounds[1], 2),
        (g1, 1),
        else_=0,
    )


def lab_grade(
    test: str,
    value: ir.FloatingValue,
    uln: ir.FloatingValue,
    baseline: ir.FloatingValue,
    lln: ir.FloatingValue | None = None,
) -> ir.FloatingValue:
    """CTCAE v5.0 grade (0-4, null if not gradable) of lab ``test`` as an Ibis expression.

    The one implementation of the grading rule: :func:`derive_lab_grades` uses it where the labs
    are, and :func:`grade_lab` evaluates it for arrays. A ULN (or baseline) of 0 gives no grade
    (no multiple of it), rather than a division by zero on the engine.

    Parameters
    ----------
    test : ``platelets_10e9_l``, ``alt_u_l``, ``ast_u_l``, ``bilirubin_umol_l`` or ``alp_u_l``.
    value, uln, baseline : Ibis numeric values (the baseline switches liver tests to the
        baseline-relative grades when it is above the ULN; null = normal).
    lln : lower limit of normal for platelets (null -> :data:`PLATELET_LLN_DEFAULT`).

    References
    ----------
    CTCAE v5.0 (NCI 2017), Investigations SOC; World J Hepatol 2026 Table 1
    (docs/references/ctcae.md).
    """
    if test not in TERM_FOR_TEST:
        raise InputError(f"lab_grade: test {test!r} is not one of {', '.join(TERM_FOR_TEST)}")
    if test == "platelets_10e9_l":
        limit = ibis.literal(PLATELET_LLN_DEFAULT) if lln is None else lln
        limit = limit.fill_null(PLATELET_LLN_DEFAULT)
        g2, g3, g4 = PLATELET_UPPER_BOUNDS
        grade = ibis.cases(
            (value.isnull(), ibis.null("int64")),
            (value < g4, 4),
            (value < g3, 3),
            (value < g2, 2),
            (value < limit, 1),
            else_=0,
        )
        return grade.cast("float64")
    by_uln = _grade_above(value / uln.nullif(0.0), ULN_MULTIPLES[test], first_inclusive=False)
    by_base = _grade_above(
        value / baseline.nullif(0.0),
        BASELINE_MULTIPLES[test],
        first_inclusive=test != "bilirubin_umol_l",
    )
    abnormal = (baseline > uln).fill_null(False)
    return ibis.ifelse(abnormal, by_base, by_uln).cast("float64")


def grade_lab(test: str, value, uln=None, baseline=None, lln=None):
    """CTCAE v5.0 grade (0-4, NaN if not gradable) of a lab value; vectorised.

    Evaluates :func:`lab_grade` (the rule, written once) on an in-memory DuckDB.

    Parameters
    ----------
    test : ``platelets_10e9_l``, ``alt_u_l``, ``ast_u_l``, ``bilirubin_umol_l`` or ``alp_u_l``.
    value : the measured value(s) in the unit of ``test``.
    uln : upper limit of normal (liver tests; required, NaN -> NaN grade).
    baseline : baseline value(s). For liver tests, a baseline above the ULN switches to the
        baseline-relative grades of CTCAE v5.0; a missing baseline is taken as normal.
    lln : lower limit of normal for platelets (default :data:`PLATELET_LLN_DEFAULT`).

    References
    ----------
    CTCAE v5.0 (NCI 2017), Investigations SOC; World J Hepatol 2026 Table 1
    (docs/references/ctcae.md).
    """
    arrays = [
        np.asarray(np.nan if v is None else v, dtype=float) for v in (value, uln, baseline, lln)
    ]
    columns = dict(
        zip(("value", "uln", "baseline", "lln"), np.broadcast_arrays(*arrays), strict=True)
    )
    frame = pd.DataFrame({k: np.atleast_1d(v).reshape(-1) for k, v in columns.items()})
    types = dict.fromkeys(frame.columns, "float64")
    table = ibis.table(types, name="grade_input")
    expression = table.select(
        grade=lab_grade(test, table.value, table.uln, table.baseline, table.lln)
    )
    grades = query_frames(expression, {"grade_input": (frame, types)})["grade"]
    result = grades.to_numpy(dtype=float).reshape(np.shape(columns["value"]))
    return _like(result, value)


def _like(result: np.ndarray, template):
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index)
    return float(result) if np.ndim(result) == 0 else result


def derive_lab_grades(t: Mapping[str, ir.Table]) -> ir.Table:
    """Every row of the ``labs`` table with ``ctcae_term`` and ``ctcae_grade`` (CTCAE v5.0).

    The baseline of a liver test is the patients table's column named as the test (e.g.
    ``alt_u_l``; none for ``alp_u_l``: taken as normal). Rows of other tests (albumin, INR, AFP)
    get no term and a null grade; the labs contract carries no LLN, so platelets use
    :data:`PLATELET_LLN_DEFAULT`. Ordered by patient, date, test and value.

    References
    ----------
    CTCAE v5.0 (NCI 2017); see :func:`lab_grade`.
    """
    labs, patients = t["labs"], t["patients"]
    tests = [c for c in TERM_FOR_TEST if c in patients.columns]
    base = patients.select("patient_id", **{f"_base_{c}": patients[c] for c in tests})
    rows = labs.left_join(base, "patient_id").drop("patient_id_right")

    def baseline(test: str) -> ir.FloatingValue:
        return rows[f"_base_{test}"] if test in tests else ibis.null("float64")

    term = ibis.cases(*((rows.test == k, v) for k, v in TERM_FOR_TEST.items()))
    grade = ibis.cases(
        *((rows.test == k, lab_grade(k, rows.value, rows.uln, baseline(k))) for k in TERM_FOR_TEST),
        else_=ibis.null("float64"),
    )
    return rows.select(*labs.columns, ctcae_term=term, ctcae_grade=grade).order_by(
        "patient_id", ibis.asc("lab_date", nulls_first=False), "test", "value"
    )
