"""Longitudinal laboratory values of the seed twin: baseline, on treatment and ~3 months after RT.

Baseline values equal the patients table's baseline columns. On-treatment values of platelets,
AST, ALT and bilirubin agree with the worst CTCAE grade of the matching adverse event (grade 0
when the patient has none), using the CTCAE v5.0 definitions: absolute platelet counts (<LLN, <75,
<50, <25 x 10^9/L); transaminases and bilirubin as multiples of the ULN when the baseline is
normal, of the baseline when it is not. AFP falls in responders and rises otherwise.

References
----------
.. [1] National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0.
   2017 (Investigations: platelet count decreased, AST/ALT increased, blood bilirubin increased).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# test: (upper limit of normal, decimals)
TESTS = {
    "platelets_10e9_l": (300.0, 0),
    "alt_u_l": (40.0, 0),
    "ast_u_l": (40.0, 0),
    "bilirubin_umol_l": (21.0, 1),
    "albumin_g_l": (55.0, 1),
    "inr": (1.2, 2),
    "alp_u_l": (125.0, 0),
    "afp_ng_ml": (20.0, 1),
}
PLATELET_LLN = 100.0
PLATELET_GRADE_BANDS = {0: (105, 260), 1: (76, 98), 2: (52, 73), 3: (27, 48), 4: (10, 23)}
# multiples of the reference (ULN, or baseline when abnormal) for grades 0-4
ENZYME_BANDS = {0: (0.5, 0.95), 1: (1.6, 2.8), 2: (3.2, 4.8), 3: (5.5, 12.0), 4: (21.0, 25.0)}
BILIRUBIN_BANDS = {0: (0.5, 0.95), 1: (1.1, 1.45), 2: (1.6, 2.8), 3: (3.3, 8.0), 4: (10.5, 12.0)}
GRADED = {
    "platelets_10e9_l": "Platelet count decreased",
    "ast_u_l": "Aspartate aminotransferase increased",
    "alt_u_l": "Alanine aminotransferase increased",
    "bilirubin_umol_l": "Blood bilirubin increased",
}


def value_for_grade(rng: np.random.Generator, test: str, grade: int, baseline: float) -> float:
    """A value of CTCAE v5.0 grade ``grade`` (relative to ``baseline`` where CTCAE says so)."""
    if test == "platelets_10e9_l":
        lo, hi = PLATELET_GRADE_BANDS[grade]
        if grade == 0:
            return float(np.clip(baseline * rng.uniform(0.85, 1.05), lo, hi))
        return float(rng.uniform(lo, hi))
    uln = TESTS[test][0]
    bands = BILIRUBIN_BANDS if test == "bilirubin_umol_l" else ENZYME_BANDS
    lo, hi = bands[grade]
    if baseline > uln:  # abnormal baseline: CTCAE v5.0 grades against the baseline
        if grade == 0:
            return float(baseline * rng.uniform(0.7, 1.0 if test == "bilirubin_umol_l" else 1.4))
        return float(baseline * rng.uniform(lo, hi))
    if grade == 0:
        return float(min(uln * rng.uniform(lo, hi), max(baseline * 1.2, uln * 0.5)))
    return float(uln * rng.uniform(lo, hi))


def _other(rng: np.random.Generator, test: str, baseline: float, responder: bool) -> float:
    if test == "afp_ng_ml":
        factor = rng.uniform(0.05, 0.6) if responder else rng.uniform(0.9, 3.0)
        return baseline * factor
    if test == "albumin_g_l":
        return baseline * rng.uniform(0.9, 1.03)
    if test == "inr":
        return baseline * rng.uniform(0.97, 1.08)
    return baseline * rng.uniform(0.8, 1.3)  # ALP


def draw_labs(
    rng: np.random.Generator, frame, courses, outcome, adverse_events, responders
) -> pd.DataFrame:
    """Lab rows: ``record, offset, test, value, uln``.

    Three dates per record: baseline (1-7 days before day 0), on treatment (within a week of the
    end of the first RT course) and about 3 months after the last RT course, the last two only
    while the patient is followed. The worst graded value is placed on the on-treatment date.
    """
    worst = adverse_events.groupby(["record", "term"])["grade"].max()
    rt_first_end = courses.groupby("record")["end_off"].min().reindex(range(len(frame)))
    rt_last_end = courses.groupby("record")["end_off"].max().reindex(range(len(frame)))
    last_day = np.where(outcome["dead"], outcome["os_days"] - 1, outcome["os_days"])
    baseline_alp = np.round(np.exp(rng.normal(np.log(125.0), 0.35, len(frame))))
    rows = []
    for k, patient in enumerate(frame.itertuples(index=False)):
        dates = [-int(rng.integers(1, 8)), int(rt_first_end.iat[k] + rng.integers(0, 8))]
        dates.append(int(rt_last_end.iat[k] + rng.integers(80, 101)))
        dates = [d for d in dates if d <= last_day[k]]
        for test, (uln, decimals) in TESTS.items():
            base = float(baseline_alp[k]) if test == "alp_u_l" else float(getattr(patient, test))
            for j, offset in enumerate(dates):
                if j == 0:
                    value = base
                elif test in GRADED:
                    grade = int(worst.get((k, GRADED[test]), 0)) if j == 1 else 0
                    value = value_for_grade(rng, test, grade, base)
                else:
                    value = _other(rng, test, base, bool(responders[k]))
                rows.append((k, offset, test, round(value, decimals), uln))
    return pd.DataFrame(rows, columns=["record", "offset", "test", "value", "uln"])
