"""Small frames of the optional analysis tables, in the shapes the analysis hands over."""

from __future__ import annotations

import numpy as np
import pandas as pd

nan = np.nan


def subgroups_frame() -> pd.DataFrame:
    columns = ["endpoint", "variable", "label", "level", "n", "events", "median_months"]
    columns += ["ci_lower", "ci_upper", "hr", "hr_lower", "hr_upper", "p_logrank", "note"]
    rows = [
        ("OS", "pvtt_present", "PVTT", "No", 7, 3, 20.2, 8.3, nan, 1.0, nan, nan, 0.0412, ""),
        ("OS", "pvtt_present", "PVTT", "Yes", 5, 4, 8.3, 6.0, nan, 2.5, 0.9, 6.94, 0.0412, ""),
        ("OS", "sex", "Sex", "Male", 10, 6, 14.1, 6.0, nan, 1.0, nan, nan, 0.00002, ""),
        ("OS", "sex", "Sex", "Female", 2, 1, nan, 2.0, nan, 0.04, 0.004, 0.41, 0.00002, ""),
        ("PFS", "sex", "Sex", "Male", 10, 7, 7.7, 3.0, 12.6, 1.0, nan, nan, 0.5, ""),
        ("PFS", "sex", "Sex", "Female", 2, 1, 6.0, 1.5, nan, 0.8, 0.1, 6.4, 0.5, ""),
    ]
    return pd.DataFrame(rows, columns=columns)


def cox_frame() -> pd.DataFrame:
    columns = ["model", "endpoint", "term", "label", "n", "events", "hr", "hr_lower", "hr_upper",
               "p", "note"]  # fmt: skip
    rows = [
        ("univariable", "OS", "pvtt_present", "PVTT (yes vs no)", 12, 7, 2.5, 0.9, 6.94, 0.078, ""),
        ("univariable", "OS", "sexF", "Sex: Female", 12, 7, 0.5, 0.06, 4.1, 0.52, ""),
        ("multivariable", "OS", "pvtt_present", "PVTT (yes vs no)", 11, 7, 2.61, 0.93, 7.3, 0.068,
         ""),
        ("multivariable", "OS", "sexF", "Sex: Female", 11, 7, 0.45, 0.05, 3.9, 0.47, ""),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def baseline_by_group_frame() -> pd.DataFrame:
    columns = ["characteristic", "level", "group", "n", "pct", "median", "q1", "q3", "missing",
               "test", "p_value", "smd"]  # fmt: skip
    wil, fis = "Wilcoxon rank-sum test", "Fisher's exact test"
    rows = [
        ("Age, years", None, "Overall", 12, nan, 61.0, 55.5, 67.25, 0, wil, 0.31, 0.42),
        ("Age, years", None, "Concurrent", 7, nan, 63.0, 58.0, 69.0, 0, wil, 0.31, 0.42),
        ("Age, years", None, "Sequential", 5, nan, 57.0, 52.0, 62.0, 0, wil, 0.31, 0.42),
        ("Sex", "Male", "Overall", 10, 83.3, nan, nan, nan, 0, fis, 1.0, 0.09),
        ("Sex", "Male", "Concurrent", 6, 85.7, nan, nan, nan, 0, fis, 1.0, 0.09),
        ("Sex", "Male", "Sequential", 4, 80.0, nan, nan, nan, 0, fis, 1.0, 0.09),
        ("Sex", "Female", "Overall", 2, 16.7, nan, nan, nan, 0, fis, 1.0, 0.09),
        ("Sex", "Female", "Concurrent", 1, 14.3, nan, nan, nan, 0, fis, 1.0, 0.09),
        ("Sex", "Female", "Sequential", 1, 20.0, nan, nan, nan, 0, fis, 1.0, 0.09),
        ("AFP > 400", "Yes", "Overall", 5, 50.0, nan, nan, nan, 2, fis, 0.52, 0.61),
        ("AFP > 400", "Yes", "Concurrent", 2, 33.3, nan, nan, nan, 1, fis, 0.52, 0.61),
        ("AFP > 400", "Yes", "Sequential", 3, 75.0, nan, nan, nan, 1, fis, 0.52, 0.61),
    ]
    return pd.DataFrame(rows, columns=columns)


def published_comparison_frame() -> pd.DataFrame:
    columns = ["quantity", "cohort_value", "cohort_ci_lower", "cohort_ci_upper", "reference_study",
               "reference_arm", "reference_value", "test", "p_value", "source"]  # fmt: skip
    rows = [
        ("ORR, %", 66.7, 34.9, 90.1, "Seed study", "RT + ICI", 44.4, "exact binomial", 0.16,
         "Zhai Y, et al. Front Immunol 2025;16:1594577"),
        ("Median OS, months", 14.1, 6.0, nan, "IMbrave150", "atezolizumab + bevacizumab", 19.2,
         "one-sample log-rank", 0.0004, "Finn RS, et al. N Engl J Med 2020;382:1894-905"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def adverse_events_by_soc_frame() -> pd.DataFrame:
    columns = ["soc", "term", "any_n", "any_pct", "grade1_2_n", "grade3_4_n", "grade5_n",
               "grade3plus_n", "grade3plus_pct"]  # fmt: skip
    rows = [
        ("Investigations", None, 5, 41.7, 3, 2, 0, 2, 16.7),
        ("Investigations", "Platelet count decreased", 4, 33.3, 2, 2, 0, 2, 16.7),
        ("Investigations", "Alanine aminotransferase increased", 2, 16.7, 1, 1, 0, 1, 8.3),
        ("Skin and subcutaneous tissue disorders", None, 5, 41.7, 5, 0, 0, 0, 0.0),
        ("Skin and subcutaneous tissue disorders", "Dermatitis radiation", 5, 41.7, 5, 0, 0, 0,
         0.0),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def swimmer_frame() -> pd.DataFrame:
    rows = [
        (1, "ici", 0.0, 14.0, "pembrolizumab"),
        (1, "rt", 0.5, 1.5, "liver"),
        (1, "response", 3.0, nan, "PR"),
        (1, "response", 6.0, nan, "CR"),
        (1, "last_contact", 25.0, nan, ""),
        (2, "rt", 0.0, 1.0, "bone"),
        (2, "ici", 1.2, 6.0, "sintilimab"),
        (2, "response", 3.0, nan, "SD"),
        (2, "progression", 7.7, nan, ""),
        (2, "death", 12.0, nan, ""),
        (3, "ici", 0.0, 2.0, "camrelizumab"),
        (3, "death", 2.0, nan, ""),
    ]
    return pd.DataFrame(rows, columns=["subject", "kind", "start_months", "end_months", "label"])


def waterfall_frame() -> pd.DataFrame:
    rows = [(1, -100.0, "CR"), (2, 12.0, "SD"), (3, 35.0, "PD"), (4, -45.0, "PR"), (5, nan, "NE")]
    return pd.DataFrame(rows, columns=["subject", "best_pct_change", "bor"])


def failure_patterns_frame() -> pd.DataFrame:
    rows = [("in_field", "In-field", 1, 100 / 12), ("distant", "Distant", 4, 100 * 4 / 12)]
    return pd.DataFrame(rows, columns=["pattern", "label", "n", "pct"])


def optional_tables() -> dict[str, pd.DataFrame]:
    """Every optional table the report knows, by name."""
    return {
        "subgroups": subgroups_frame(),
        "cox": cox_frame(),
        "baseline_by_group": baseline_by_group_frame(),
        "published_comparison": published_comparison_frame(),
        "adverse_events_by_soc": adverse_events_by_soc_frame(),
        "failure_patterns": failure_patterns_frame(),
        "swimmer": swimmer_frame(),
        "waterfall": waterfall_frame(),
    }
