"""Descriptive tables (Table 1 style) as tidy DataFrames: numbers only, the report formats them.

Columns: ``characteristic, level, n, pct, median, q1, q3, missing``. A categorical variable has
one row per level (``n``, ``pct`` of non-missing patients); a continuous one has one row with
``level`` missing and median with quartiles (R's default quantile type 7, numpy's "linear").
``missing`` (patients without a value) is repeated on every row of the variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

COLUMNS = ["characteristic", "level", "n", "pct", "median", "q1", "q3", "missing"]


@dataclass(frozen=True)
class Variable:
    """One row group of a descriptive table; ``levels`` maps stored value -> shown label."""

    column: str
    label: str
    kind: Literal["categorical", "continuous"]
    levels: tuple[tuple[object, str], ...] = ()


def describe(frame: pd.DataFrame, variables: list[Variable]) -> pd.DataFrame:
    """Describe ``variables`` of ``frame`` (one row per patient); unknown columns are skipped."""
    rows: list[dict] = []
    for var in variables:
        if var.column not in frame.columns:
            continue
        values = frame[var.column]
        missing = int(values.isna().sum())
        if var.kind == "continuous":
            rows.append(_continuous(var, values, missing))
        else:
            rows.extend(_categorical(var, values, missing))
    return pd.DataFrame(rows, columns=COLUMNS)


def _continuous(var: Variable, values: pd.Series, missing: int) -> dict:
    x = values.dropna().astype("float64").to_numpy()
    if len(x) == 0:
        median = q1 = q3 = np.nan
    else:
        q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    return dict(
        characteristic=var.label,
        level=None,
        n=len(x),
        pct=np.nan,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        missing=missing,
    )


def _categorical(var: Variable, values: pd.Series, missing: int) -> list[dict]:
    present = values.dropna()
    counts = present.value_counts()
    levels = var.levels or tuple((v, str(v)) for v in sorted(counts.index, key=str))
    total = len(present)
    rows = []
    for value, label in levels:
        n = int(counts.get(value, 0))
        rows.append(
            dict(
                characteristic=var.label,
                level=label,
                n=n,
                pct=100.0 * n / total if total else np.nan,
                median=np.nan,
                q1=np.nan,
                q3=np.nan,
                missing=missing,
            )
        )
    return rows


YES_NO = ((True, "Yes"), (False, "No"))

BASELINE_VARIABLES = [
    Variable("age", "Age, years", "continuous"),
    Variable("sex", "Sex", "categorical", (("M", "Male"), ("F", "Female"))),
    Variable(
        "disease_setting",
        "Disease setting",
        "categorical",
        (("de_novo_metastatic", "De novo metastatic (stage IV)"), ("recurrent", "Recurrent")),
    ),
    Variable("hbv", "HBV infection", "categorical", YES_NO),
    Variable("ecog", "ECOG performance status", "categorical"),
    Variable("child_pugh_score", "Child-Pugh score", "categorical"),
    Variable("bclc_stage", "BCLC stage", "categorical"),
    Variable("pvtt_present", "Portal vein tumour thrombosis", "categorical", YES_NO),
    Variable("extrahepatic_metastasis", "Extrahepatic metastasis", "categorical", YES_NO),
    Variable("afp_over_400", "AFP > 400 ng/mL", "categorical", YES_NO),
    Variable("tumor_count", "Intrahepatic tumours, n", "continuous"),
    Variable("largest_tumor_cm", "Largest tumour, cm", "continuous"),
]

TREATMENT_VARIABLES = [
    Variable("rt_total_dose_gy", "RT total dose, Gy", "continuous"),
    Variable("rt_eqd2_gy", "RT EQD2 (alpha/beta 10), Gy", "continuous"),
    Variable("rt_bed_gy", "RT BED (alpha/beta 10), Gy", "continuous"),
    Variable("rt_courses", "RT courses, n", "continuous"),
    Variable("rt_sbrt", "SBRT (>= 5 Gy per fraction)", "categorical", YES_NO),
    Variable(
        "sequence",
        "RT and ICI sequence",
        "categorical",
        (
            ("concurrent", "Concurrent"),
            ("rt_first", "Sequential, RT first"),
            ("ici_first", "Sequential, ICI first"),
        ),
    ),
    Variable("ici_agent", "ICI agent", "categorical"),
    Variable("targeted_therapy", "With TKI or anti-VEGF", "categorical", YES_NO),
]
