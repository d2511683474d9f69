"""CTCAE v5.0: term -> system organ class (SOC) table and grading of laboratory values.

The term -> SOC table is shipped as ``oncorwe/derive/data/ctcae_v5_soc.csv`` (columns
``term, soc``) for the terms common in RT + ICI studies; a term that is not in it is reported
as a finding (``ae.term_unknown``), never dropped silently.

Lab grading follows CTCAE v5.0, including the v5 rule for liver tests: when the baseline is
already above the ULN, the grade is relative to the baseline instead of the ULN.

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

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from oncorwe.derive.response_checks import FINDING_COLUMNS
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


def ctcae_soc(terms) -> pd.Series:
    """System organ class of each CTCAE v5.0 term (case-insensitive); NaN when unknown."""
    table = soc_table()
    lookup = dict(zip(table["term"].str.lower(), table["soc"], strict=True))
    terms = pd.Series(terms, dtype=object)
    return terms.str.strip().str.lower().map(lookup)


def check_ae_terms(adverse_events: pd.DataFrame) -> pd.DataFrame:
    """Findings (``ae.term_unknown``) for adverse-event terms not in the CTCAE v5.0 table.

    References
    ----------
    CTCAE v5.0 (NCI 2017); oncorwe ships the common terms only (see module docstring).
    """
    if "term" not in adverse_events.columns:
        raise InputError("table adverse_events: missing column term")
    src = (
        adverse_events["_row"]
        if "_row" in adverse_events.columns
        else adverse_events.index.to_series()
    )
    unknown = ctcae_soc(adverse_events["term"]).isna().to_numpy()
    return pd.DataFrame(
        {
            "table": "adverse_events",
            "row": src.to_numpy()[unknown],
            "column": "term",
            "value": adverse_events["term"].to_numpy()[unknown],
            "rule": "ae.term_unknown",
            "severity": "warning",
            "message": "not a CTCAE v5.0 term of the shipped table: no system organ class",
        },
        columns=list(FINDING_COLUMNS),
    )


def _grade_from_ratio(ratio: np.ndarray, bounds: tuple, first_inclusive: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        g1 = ratio >= bounds[0] if first_inclusive else ratio > bounds[0]
        grade = np.select(
            [ratio > bounds[3], ratio > bounds[2], ratio > bounds[1], g1], [4, 3, 2, 1], 0
        ).astype(float)
    return np.where(np.isnan(ratio), np.nan, grade)


def grade_lab(test: str, value, uln=None, baseline=None, lln=None):
    """CTCAE v5.0 grade (0-4, NaN if not gradable) of a lab value; vectorised.

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
    if test not in TERM_FOR_TEST:
        raise InputError(f"grade_lab: test {test!r} is not one of {', '.join(TERM_FOR_TEST)}")
    x = np.asarray(value, dtype=float)
    if test == "platelets_10e9_l":
        limit = np.asarray(PLATELET_LLN_DEFAULT if lln is None else lln, dtype=float)
        limit = np.where(np.isnan(limit), PLATELET_LLN_DEFAULT, limit)
        g2, g3, g4 = PLATELET_UPPER_BOUNDS
        with np.errstate(invalid="ignore"):
            grade = np.select([x < g4, x < g3, x < g2, x < limit], [4, 3, 2, 1], 0).astype(float)
        return _like(np.where(np.isnan(x), np.nan, grade), value)
    upper = np.asarray(np.nan if uln is None else uln, dtype=float)
    base = np.asarray(np.nan if baseline is None else baseline, dtype=float)
    with np.errstate(invalid="ignore"):
        abnormal = base > upper
    by_uln = _grade_from_ratio(x / upper, ULN_MULTIPLES[test], first_inclusive=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_base = _grade_from_ratio(
            x / base, BASELINE_MULTIPLES[test], first_inclusive=test != "bilirubin_umol_l"
        )
    return _like(np.where(abnormal, by_base, by_uln), value)


def _like(result: np.ndarray, template):
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index)
    return float(result) if np.ndim(result) == 0 else result


def derive_lab_grades(labs: pd.DataFrame, baseline: pd.DataFrame | None = None) -> pd.DataFrame:
    """Grade every gradable row of the ``labs`` table; adds ``ctcae_term`` and ``ctcae_grade``.

    ``baseline`` is the patients table (baseline columns named as the lab tests, e.g.
    ``alt_u_l``); rows of other tests (albumin, INR, AFP) get no term and a NaN grade.

    References
    ----------
    CTCAE v5.0 (NCI 2017); see :func:`grade_lab`.
    """
    missing = [c for c in ("patient_id", "test", "value") if c not in labs.columns]
    if missing:
        raise InputError(f"table labs: missing column(s) {', '.join(missing)}")
    out = labs.copy()
    out["ctcae_term"] = out["test"].map(TERM_FOR_TEST)
    out["ctcae_grade"] = np.nan
    uln = out["uln"] if "uln" in out.columns else pd.Series(np.nan, index=out.index)
    for test in TERM_FOR_TEST:
        rows = out["test"] == test
        if not rows.any():
            continue
        base = None
        if baseline is not None and test in baseline.columns:
            base = out.loc[rows, "patient_id"].map(baseline.set_index("patient_id")[test])
        # the labs contract carries no LLN: platelets use PLATELET_LLN_DEFAULT
        grades = grade_lab(test, out.loc[rows, "value"].astype(float), uln[rows], base)
        out.loc[rows, "ctcae_grade"] = np.asarray(grades)
    return out
