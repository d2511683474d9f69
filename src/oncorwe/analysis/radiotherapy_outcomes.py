"""RT-specific outcome tables: EQD2 distribution, patterns of first failure, liver toxicity (RILD,
Child-Pugh and ALBI change at 3 months after liver RT).

All inputs are derived datasets; the rules live in ``oncorwe.derive`` (``rild``, ``treatment``,
``local_control``). Counts are patients; percentages are of the patients the row describes.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.local_control import FAILURE_SITES
from oncorwe.derive.rild import derive_rild
from oncorwe.stats import cumulative_incidence

LIVER_TARGETS = ("liver", "pvtt")  # courses whose field includes liver parenchyma
FAILURE_LABELS = {
    "in_field": "In-field",
    "intrahepatic_out_of_field": "Intrahepatic, out of field",
    "extrahepatic": "Extrahepatic",
    "death": "Death without progression",
    "none": "No failure (censored)",
}


def derive_liver_toxicity(t: Mapping[str, ir.Table]) -> ir.Table:
    """RILD flags and 3-month liver-function change for cohort patients with liver or PVTT RT
    (``oncorwe.derive.rild.derive_rild``): the end of the last such course, and the first
    progression, as table expressions over the contract tables and ``cohort``."""
    r, events, cohort = t["radiotherapy"], t["progression_events"], t["cohort"]
    liver = r.semi_join(cohort, "patient_id")
    liver = liver.filter(liver.target.isin(list(LIVER_TARGETS)))
    ends = liver.group_by("patient_id").aggregate(rt_end=liver.end_date.max())
    mine = events.semi_join(cohort, "patient_id")
    first = mine.group_by("patient_id").aggregate(progression_date=mine.progression_date.min())
    return derive_rild(t, ends, progression=first)


def liver_toxicity_table(rild: pd.DataFrame) -> pd.DataFrame:
    """Counts of RILD and of liver-function decline among patients with liver RT.

    Columns ``measure, n, denominator, pct, median, q1, q3``.
    """
    rows = []
    n = len(rild)
    for column, label in (
        ("classic_rild", "Classic RILD"),
        ("non_classic_rild", "Non-classic RILD"),
    ):
        k = int(rild[column].fillna(False).astype(bool).sum()) if column in rild else 0
        rows.append(dict(measure=label, n=k, denominator=n, pct=100.0 * k / n if n else np.nan))
    if "child_pugh_change" in rild and not rild.empty:  # no liver RT: the RILD rows only
        change = rild["child_pugh_change"].dropna()
        k = int((change >= 2).sum())
        rows.append(
            dict(measure="Child-Pugh score rise >= 2 at 3 months", n=k,
                 denominator=len(change), pct=100.0 * k / len(change) if len(change) else np.nan)
        )  # fmt: skip
        rows.append(_continuous("Child-Pugh score change at 3 months", change))
    if "albi_change" in rild and not rild.empty:
        rows.append(_continuous("ALBI score change at 3 months", rild["albi_change"].dropna()))
    if {"albi_grade_baseline", "albi_grade_3m"} <= set(rild.columns) and not rild.empty:
        both = rild[["albi_grade_baseline", "albi_grade_3m"]].dropna()
        worse = both["albi_grade_3m"].astype(str) > both["albi_grade_baseline"].astype(str)
        rows.append(
            dict(measure="ALBI grade worse at 3 months", n=int(worse.sum()),
                 denominator=len(both), pct=100.0 * worse.mean() if len(both) else np.nan)
        )  # fmt: skip
    columns = ["measure", "n", "denominator", "pct", "median", "q1", "q3"]
    return pd.DataFrame(rows, columns=columns)


def _continuous(label: str, values: pd.Series) -> dict:
    x = values.astype(float).to_numpy()
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (np.nan,) * 3
    return dict(measure=label, n=len(x), denominator=len(x), median=med, q1=q1, q3=q3)


def failure_pattern_table(adsl: pd.DataFrame) -> pd.DataFrame:
    """Patterns of first failure: site of the first progression, death without progression, or
    no failure. Columns ``pattern, label, n, pct`` over all cohort patients."""
    pattern = adsl["first_failure_site"].astype("object")
    died = (adsl["pfs_event"] == 1) & pattern.isna()
    pattern = pattern.where(pattern.notna(), np.where(died, "death", "none"))
    counts = pattern.value_counts()
    n = len(adsl)
    rows = [
        dict(pattern=p, label=FAILURE_LABELS[p], n=int(counts.get(p, 0)),
             pct=100.0 * counts.get(p, 0) / n)
        for p in (*FAILURE_SITES, "death", "none")
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["pattern", "label", "n", "pct"])


def eqd2_table(adsl: pd.DataFrame) -> pd.DataFrame:
    """Per-patient physical dose, BED and EQD2 (alpha/beta 10) by technique group.

    Columns ``group, n, dose_median, dose_q1, dose_q3, eqd2_median, eqd2_q1, eqd2_q3,
    eqd2_min, eqd2_max, bed_median, bed_ge_100_n`` (BED10 >= 100 Gy: the usual ablative mark).
    """
    # the three dose columns cut per group, not the whole ADSL
    doses = adsl[["rt_total_dose_gy", "rt_eqd2_gy", "rt_bed_gy"]]
    sbrt = adsl["rt_sbrt"].fillna(False).astype(bool).to_numpy()
    groups = [("All patients", doses)]
    for flag, label in ((True, "SBRT (>= 5 Gy per fraction)"), (False, "Conventional")):
        groups.append((label, doses[sbrt == flag]))
    rows = []
    for label, part in groups:
        dose, eq, bed = (part[c].dropna().to_numpy(float) for c in
                         ("rt_total_dose_gy", "rt_eqd2_gy", "rt_bed_gy"))  # fmt: skip
        if len(eq) == 0:
            continue
        d = np.quantile(dose, [0.25, 0.5, 0.75])
        e = np.quantile(eq, [0.25, 0.5, 0.75])
        rows.append(
            dict(group=label, n=len(eq), dose_median=d[1], dose_q1=d[0], dose_q3=d[2],
                 eqd2_median=e[1], eqd2_q1=e[0], eqd2_q3=e[2], eqd2_min=eq.min(),
                 eqd2_max=eq.max(), bed_median=float(np.median(bed)),
                 bed_ge_100_n=int((bed >= 100).sum()))
        )  # fmt: skip
    return pd.DataFrame(rows)


FAILURE_CODES = {site: i + 1 for i, site in enumerate((*FAILURE_SITES, "death"))}


def failure_status(adsl: pd.DataFrame) -> np.ndarray:
    """Competing-risk status per patient: 0 censored, else the code of the first failure
    (``FAILURE_CODES``: in-field, intrahepatic out-of-field, extrahepatic, death without
    progression), at the PFS time."""
    pattern = adsl["first_failure_site"].astype("object")
    event = adsl["pfs_event"].to_numpy(int) == 1
    codes = pattern.map(FAILURE_CODES).to_numpy(dtype=float)
    codes = np.where(np.isnan(codes) & event, FAILURE_CODES["death"], codes)
    return np.where(event, np.nan_to_num(codes), 0).astype(int)


def failure_cumulative_incidence(
    adsl: pd.DataFrame, conf_type: str, conf_level: float
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of each first-failure type, the others competing.

    Columns ``pattern, label, time, n_risk, estimate, std_err, lower, upper`` (months).
    """
    time = adsl["pfs_months"].to_numpy(float)
    status = failure_status(adsl)
    parts = []
    for pattern, code in FAILURE_CODES.items():
        if not (status == code).any():
            continue
        fit = cumulative_incidence(time, status, code, conf_type=conf_type, conf_level=conf_level)
        table = fit.table[["time", "n_risk", "estimate", "std_err", "lower", "upper"]].copy()
        table.insert(0, "label", FAILURE_LABELS[pattern])
        table.insert(0, "pattern", pattern)
        parts.append(table)
    columns = ["pattern", "label", "time", "n_risk", "estimate", "std_err", "lower", "upper"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
