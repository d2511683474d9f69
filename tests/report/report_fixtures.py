"""A tiny hand-made study (12 patients) turned into a StudyOutputs with the real statistics.

The survival times have ties (three at 6 months, two at 12) and patients censored exactly at a
tick (6 and 12 months), the cases where at-risk tables usually go wrong. Worked by hand:

OS: 2.0+ is an event ... at-risk counts at 0, 6, 12, 18, 24, 30 months = 12, 10, 6, 2, 1, 0;
survival 11/12 after 2.0, x 8/10 at 6.0, x 6/7 at 8.3, x 5/6 at 12.0, x 3/4 at 14.1 -> 0.3929,
so the median OS is 14.1 months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.results import StudyOutputs
from oncorwe.stats import binomial_ci, follow_up, kaplan_meier

OS_TIME = np.array([2.0, 4.5, 6.0, 6.0, 6.0, 8.3, 12.0, 12.0, 14.1, 17.0, 20.2, 25.0])
OS_EVENT = np.array([1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 0])
PFS_TIME = np.array([1.5, 3.0, 3.0, 4.0, 6.0, 6.0, 7.7, 9.0, 12.0, 12.6, 15.0, 18.0])
PFS_EVENT = np.array([1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0])
OS_AT_RISK_BY_HAND = {0.0: 12, 6.0: 10, 12.0: 6, 18.0: 2, 24.0: 1, 30.0: 0}
OS_MEDIAN_BY_HAND = 14.1
N = 12
PATIENT_IDS = ("PT-0013", "PT-0014", "PT-0015")
"""Excluded patients: must never appear in any output."""


def _characteristics(rows: list[tuple]) -> pd.DataFrame:
    columns = ["characteristic", "level", "n", "pct", "median", "q1", "q3", "missing"]
    return pd.DataFrame(rows, columns=columns)


def baseline_table() -> pd.DataFrame:
    nan = float("nan")
    return _characteristics(
        [
            ("Age, years", None, 12, nan, 61.0, 55.5, 67.25, 0),
            ("Sex", "Male", 10, 100 * 10 / 12, nan, nan, nan, 0),
            ("Sex", "Female", 2, 100 * 2 / 12, nan, nan, nan, 0),
            ("Child-Pugh class", "A", 9, 100 * 9 / 11, nan, nan, nan, 1),
            ("Child-Pugh class", "B", 2, 100 * 2 / 11, nan, nan, nan, 1),
            ("AFP, ng/mL", None, 10, nan, 512.0, 38.5, 2210.0, 2),
        ]
    )


def treatment_table() -> pd.DataFrame:
    nan = float("nan")
    return _characteristics(
        [
            ("RT total dose, Gy", None, 12, nan, 55.0, 50.0, 60.0, 0),
            ("Sequence", "Concurrent", 7, 100 * 7 / 12, nan, nan, nan, 0),
            ("Sequence", "Sequential", 5, 100 * 5 / 12, nan, nan, nan, 0),
        ]
    )


def response_frame() -> pd.DataFrame:
    counts = {"CR": 2, "PR": 6, "SD": 2, "NON-CR/NON-PD": 0, "PD": 1, "NE": 1, "MISSING": 0}
    rows = [("mRECIST", c, k, 100 * k / N, np.nan, np.nan) for c, k in counts.items()]
    for name, k in (("ORR", 8), ("DCR", 10)):
        ci = binomial_ci(k, N, method="exact")
        rows.append(("mRECIST", name, k, 100 * ci.estimate, 100 * ci.lower, 100 * ci.upper))
    columns = ["criteria", "category", "n", "pct", "ci_lower", "ci_upper"]
    return pd.DataFrame(rows, columns=columns)


def adverse_events_frame() -> pd.DataFrame:
    rows = [
        ("Dermatitis radiation", 5, 5, 0),
        ("Platelet count decreased", 4, 4, 2),
        ("Fatigue", 3, 3, 0),
        ("Alanine aminotransferase increased", 2, 2, 1),
    ]
    frame = pd.DataFrame(rows, columns=["term", "any_n", "any_pct", "grade3plus_n"])
    frame["any_pct"] = 100 * frame["any_n"] / N
    frame["grade3plus_pct"] = 100 * frame["grade3plus_n"] / N
    return frame


def survival_results(curves: dict) -> dict:
    out = {}
    for endpoint, km in curves.items():
        median = km.median
        marks = km.at([6.0, 12.0])
        out[endpoint] = {
            "n": int(km.n),
            "events": int(km.n_events),
            "median_months": median.estimate,
            "ci_lower": median.lower,
            "ci_upper": median.upper,
            "landmarks": marks.assign(months=marks["time"]).drop(columns="time").to_dict("records"),
        }
    fu = follow_up(OS_TIME, OS_EVENT).median
    out["follow_up"] = {"median_months": fu.estimate, "ci_lower": fu.lower, "ci_upper": fu.upper}
    return out


def make_results(curves: dict, response: pd.DataFrame) -> dict:
    orr, dcr = (response.set_index("category").loc[c] for c in ("ORR", "DCR"))
    return {
        "meta": {
            "protocol": "hcc-rt-ici",
            "synthetic": True,
            "conf_type": "log-log",
            "conf_level": 0.95,
        },
        "cohort": {
            "n": N,
            "extrahepatic_metastasis": {"n": 7, "pct": 100 * 7 / N},
            "pvtt": {"n": 8, "pct": 100 * 8 / N},
        },
        "treatment": {
            "rt_total_dose_gy": {"median": 55.0, "q1": 50.0, "q3": 60.0},
            "sequence": {
                "concurrent": {"n": 7, "pct": 100 * 7 / N},
                "sequential": {"n": 5, "pct": 100 * 5 / N},
            },
        },
        "response": {
            "criteria": "mRECIST",
            "denominator": "all 12 patients in the cohort",
            **{
                name: {
                    "n": int(row["n"]),
                    "pct": row["pct"],
                    "ci_lower": row["ci_lower"],
                    "ci_upper": row["ci_upper"],
                }
                for name, row in (("orr", orr), ("dcr", dcr))
            },
        },
        "survival": survival_results(curves),
        "local_control": {"in_field_recurrence": {"n": 1, "pct": 100 / N}},
        "safety": {
            "grade3plus_any": {"n": 3, "pct": 25.0},
            "most_common_any_grade": {"term": "Dermatitis radiation", "n": 5, "pct": 100 * 5 / N},
            "most_common_grade3plus": {
                "term": "Platelet count decreased",
                "n": 2,
                "pct": 100 * 2 / N,
            },
        },
    }


def make_outputs(synthetic: bool = True) -> StudyOutputs:
    """The 12-patient study as the analysis would hand it to the report."""
    curves = {"os": kaplan_meier(OS_TIME, OS_EVENT), "pfs": kaplan_meier(PFS_TIME, PFS_EVENT)}
    response = response_frame()
    results = make_results(curves, response)
    survival = pd.DataFrame(
        [
            {
                "endpoint": e.upper(),
                **{
                    k: results["survival"][e][k]
                    for k in ("n", "events", "median_months", "ci_lower", "ci_upper")
                },
            }
            for e in curves
        ]
    )
    landmarks = pd.DataFrame(
        [
            {"endpoint": e.upper(), **mark}
            for e in curves
            for mark in results["survival"][e]["landmarks"]
        ]
    )[["endpoint", "months", "surv", "lower", "upper", "n_risk"]]
    attrition = pd.DataFrame(
        {
            "step": [1, 2, 3],
            "description": [
                "Patients in the source data",
                "Stage IV or recurrent HCC",
                "Received RT and an ICI",
            ],
            "n_remaining": [15, 14, 12],
            "n_excluded": [0, 1, 2],
            "excluded_ids": ["", PATIENT_IDS[0], f"{PATIENT_IDS[1]};{PATIENT_IDS[2]}"],
        }
    )
    return StudyOutputs(
        results=results,
        tables={
            "attrition": attrition,
            "baseline": baseline_table(),
            "treatment": treatment_table(),
            "response": response,
            "survival": survival,
            "landmarks": landmarks,
            "adverse_events": adverse_events_frame(),
        },
        curves=curves,
        methods=[
            ("Time origin", "first of RT or ICI start", "reference study default"),
            ("Response criteria", "mRECIST", "unconfirmed"),
            ("Survival CI", "log-log, 95%", "pointwise, Greenwood variance"),
        ],
        provenance={
            "protocol": "hcc-rt-ici",
            "oncorwe": "0.1.0",
            "inputs": [{"file": "patients.csv", "sha256": "9f2c" + "0" * 60}],
            "versions": {"numpy": np.__version__, "pandas": pd.__version__},
        },
        synthetic=synthetic,
        title="RT + ICI in HCC: test study",
    )
