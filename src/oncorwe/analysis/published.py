"""The cohort beside published results: a small, cited library and a comparison table.

The library (``oncorwe/analysis/data/reference_results.csv``) holds one row per published number:
``study, arm, n, quantity, value, unit, landmark_months, source, verified, note`` with
``quantity`` one of ``orr`` (%), ``median_os``, ``median_pfs`` (months) and ``os_rate`` (% alive
at ``landmark_months``). It holds the seed study (Zhai et al. 2025, abstract) and the first-line
and RT + ICI results checked against their publications (each row's ``source``); nothing
unverified is shipped, and the loader refuses rows whose ``verified`` is not true.

``published_comparison`` columns: ``quantity, cohort_value, cohort_ci_lower, cohort_ci_upper,
reference_study, reference_arm, reference_value, test, p_value, source``. Tests: ORR -> exact
binomial test against the published rate; median OS / PFS -> one-sample log-rank test of the
cohort against the arm's reference curve (piecewise exponential through its median and, for OS,
its landmark rates); OS rate at a landmark -> cloglog test of the Kaplan-Meier rate (rows only
for landmarks within the cohort's follow-up).

References
----------
See :mod:`oncorwe.stats.one_sample`. Sources of each number: the ``source`` column.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from oncorwe.analysis.summarize import OBJECTIVE
from oncorwe.derive.irecist_bor import IRECIST_RESPONDER
from oncorwe.errors import InputError
from oncorwe.stats import binomial_ci
from oncorwe.stats.one_sample import (
    binomial_test,
    landmark_test,
    one_sample_logrank,
    reference_curve,
)

LIBRARY_FILE = "reference_results.csv"
LIBRARY_COLUMNS = [
    "study",
    "arm",
    "n",
    "quantity",
    "value",
    "unit",
    "landmark_months",
    "source",
    "verified",
    "note",
]
QUANTITIES = ("orr", "median_os", "median_pfs", "os_rate")
COLUMNS = [
    "quantity",
    "cohort_value",
    "cohort_ci_lower",
    "cohort_ci_upper",
    "reference_study",
    "reference_arm",
    "reference_value",
    "test",
    "p_value",
    "source",
]
TEST_NAMES = {
    "orr": "exact binomial test",
    "median_os": "one-sample log-rank test (reference curve from median and landmark OS)",
    "median_pfs": "one-sample log-rank test (exponential reference curve from the median)",
    "os_rate": "landmark test (complementary log-log)",
}


@cache
def _shipped() -> pd.DataFrame:
    # oncorwe.analysis has no __init__.py (namespace package): resolve from oncorwe
    path = resources.files("oncorwe") / "analysis" / "data" / LIBRARY_FILE
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype={"verified": str, "note": str, "source": str})


def reference_results() -> pd.DataFrame:
    """The shipped library of published results (verified values only), checked."""
    return check_reference_results(_shipped().copy())


def check_reference_results(library: pd.DataFrame) -> pd.DataFrame:
    """Check a reference library: columns, known quantities, verified values, landmarks."""
    missing = [c for c in LIBRARY_COLUMNS if c not in library.columns]
    if missing:
        raise InputError(f"reference results: missing column(s) {missing}")
    rules = {
        "quantity.known": ~library["quantity"].isin(QUANTITIES),
        "verified.true": library["verified"].astype(str).str.lower() != "true",
        "os_rate.landmark": (library["quantity"] == "os_rate") & ~(library["landmark_months"] > 0),
        "value.range": ~library["value"].between(0, 100, inclusive="neither"),
    }
    for rule, bad in rules.items():
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"reference results: row {row} ({library.iloc[row]['study']}, "
                f"{library.iloc[row]['quantity']}) breaks rule {rule}"
            )
    return library.reset_index(drop=True)


def reference_os_curve(rows, quantity: str = "median_os"):
    """Reference curve of one arm (its library rows, a DataFrame or records) from its median
    (``quantity``) and, for OS, its landmark rates."""
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows
    median = next(r for r in records if r["quantity"] == quantity)
    points = [(float(median["value"]), 0.5)]
    if quantity == "median_os":
        points += [
            (float(r["landmark_months"]), r["value"] / 100.0)
            for r in records
            if r["quantity"] == "os_rate"
        ]
    times, surv = zip(*points, strict=True)
    return reference_curve(list(times), list(surv))


def _orr_rows(adsl: pd.DataFrame, records: list[dict]) -> list[dict]:
    n = len(adsl)
    k = int(adsl["bor"].isin(OBJECTIVE + IRECIST_RESPONDER).sum())  # iCR/iPR: primary iRECIST
    ci = binomial_ci(k, n, method="exact")
    rows = []
    for ref in (r for r in records if r["quantity"] == "orr"):
        result = binomial_test(k, n, ref["value"] / 100.0)
        rows.append(
            _row("ORR, %", 100 * ci.estimate, 100 * ci.lower, 100 * ci.upper, ref, result.p_value)
        )
    return rows


def _median_rows(adsl, records: list[dict], km, endpoint: str) -> list[dict]:
    quantity = f"median_{endpoint}"
    median = km.median
    time = adsl[f"{endpoint}_months"].to_numpy(float)
    event = adsl[f"{endpoint}_event"].to_numpy(int)
    arms: dict[tuple, list[dict]] = {}
    for r in records:
        arms.setdefault((r["study"], r["arm"]), []).append(r)
    rows = []
    for arm_rows in arms.values():
        ref = next((r for r in arm_rows if r["quantity"] == quantity), None)
        if ref is None:
            continue
        curve = reference_os_curve(arm_rows, quantity)
        p_value = one_sample_logrank(time, event, curve).p_value
        label = f"Median {endpoint.upper()}, months"
        rows.append(_row(label, median.estimate, median.lower, median.upper, ref, p_value))
    return rows


def _landmark_rows(records: list[dict], km) -> list[dict]:
    refs = [r for r in records if r["quantity"] == "os_rate"]
    if not refs:
        return []
    times = km.table["time"].to_numpy(float)
    std_errs = km.table["std_err"].to_numpy(float)
    months = np.array([float(r["landmark_months"]) for r in refs])
    # within follow-up only: beyond the last time there is no estimate to compare
    at = km.at(np.unique(months[months <= times.max()])).set_index("time")
    rows = []
    for ref, t in zip(refs, months, strict=True):
        if t > times.max():
            continue
        surv, lower, upper = at.loc[t, ["surv", "lower", "upper"]].to_numpy(float)
        position = np.searchsorted(times, t, side="right") - 1
        std_err = std_errs[position] if position >= 0 else np.nan
        p_value = np.nan
        if 0 < surv < 1 and np.isfinite(std_err) and std_err > 0:
            p_value = landmark_test(surv, std_err, ref["value"] / 100.0).p_value
        label = f"OS at {t:g} months, %"
        rows.append(_row(label, 100 * surv, 100 * lower, 100 * upper, ref, p_value))
    return rows


def _row(quantity: str, value, lower, upper, ref: dict, p_value) -> dict:
    return dict(
        quantity=quantity,
        cohort_value=float(value),
        cohort_ci_lower=float(lower),
        cohort_ci_upper=float(upper),
        reference_study=ref["study"],
        reference_arm=ref["arm"],
        reference_value=float(ref["value"]),
        test=TEST_NAMES[ref["quantity"]],
        p_value=float(p_value),
        source=ref["source"],
    )


def published_comparison(
    adsl: pd.DataFrame, curves: dict, library: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The cohort's ORR, median OS/PFS and landmark OS beside published results, with tests.

    Parameters
    ----------
    adsl : one row per patient with ``bor``, ``os_months``, ``os_event``, ``pfs_months``,
        ``pfs_event`` (ORR over all patients, as the study's response table).
    curves : Kaplan-Meier fits ``{"os": ..., "pfs": ...}`` (:func:`summarize.survival_curves`).
    library : reference results (default: the shipped, verified library).

    Returns
    -------
    DataFrame with :data:`COLUMNS`; values in % (ORR, OS rates) or months (medians), CIs exact
    (ORR) or those of the Kaplan-Meier fit (protocol ``conf_type``); one row per reference value.
    """
    library = reference_results() if library is None else check_reference_results(library)
    records = library.to_dict("records")
    rows = _orr_rows(adsl, records)
    rows += _median_rows(adsl, records, curves["os"], "os")
    rows += _median_rows(adsl, records, curves["pfs"], "pfs")
    rows += _landmark_rows(records, curves["os"])
    return pd.DataFrame(rows, columns=COLUMNS)
