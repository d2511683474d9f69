"""Headline numbers (``results.json``) and tidy tables from the derived datasets.

Every number the report shows is computed here, once; the report only formats. Percentages are
0-100 at full precision; times are months (days / protocol ``days_per_month``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.derive.response_rules import RECIST11, response_criteria
from oncorwe.derive.toxicity import GRADE_3_PLUS, patients_with_grade_at_least
from oncorwe.protocol import Protocol
from oncorwe.stats import binomial_ci, follow_up, kaplan_meier

# RECIST 1.1 response order, ORR and DCR categories, as declared (oncorwe.derive.response_rules)
RESPONSE_ORDER = RECIST11.order
OBJECTIVE = RECIST11.responder
DISEASE_CONTROL = RECIST11.disease_control


def _num(value: Any) -> float | None:
    """A float for JSON, or None for NaN / missing (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _count(n: int, total: int) -> dict[str, Any]:
    return {"n": int(n), "pct": 100.0 * n / total if total else None}


def _summarised(endpoints: Sequence[Endpoint]) -> list[str]:
    """Keys of the endpoints with a Kaplan-Meier summary or figure, in declaration order."""
    return [e.key for e in endpoints if e.summary or e.km_figure]


def survival_curves(
    adsl: pd.DataFrame, protocol: Protocol, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> dict[str, Any]:
    """Kaplan-Meier fit of each summarised endpoint and the reverse-KM follow-up (of OS), in
    months."""
    s = protocol.survival
    curves = {}
    for key in _summarised(endpoints):
        curves[key] = kaplan_meier(
            adsl[f"{key}_months"].to_numpy(float),
            adsl[f"{key}_event"].to_numpy(int),
            conf_type=s.conf_type,
            conf_level=s.conf_level,
        )
    curves["follow_up"] = follow_up(
        adsl["os_months"].to_numpy(float),
        adsl["os_event"].to_numpy(int),
        conf_type=s.conf_type,
        conf_level=s.conf_level,
    )
    return curves


def survival_results(
    curves: dict[str, Any], protocol: Protocol, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> dict[str, Any]:
    """Median with CI, events and landmark rates of each endpoint with a summary."""
    out: dict[str, Any] = {}
    for key in (e.key for e in endpoints if e.summary):
        km = curves[key]
        median = km.median
        landmarks = km.at(list(protocol.survival.landmark_months), extend=True)
        out[key] = {
            "n": int(km.n),
            "events": int(km.n_events),
            "median_months": _num(median.estimate),
            "ci_lower": _num(median.lower),
            "ci_upper": _num(median.upper),
            "landmarks": [
                {
                    "months": float(r.time),
                    "surv": _num(r.surv),
                    "lower": _num(r.lower),
                    "upper": _num(r.upper),
                    "n_risk": int(r.n_risk),
                }
                for r in landmarks.itertuples()
            ],
        }
    fu = curves["follow_up"].median
    out["follow_up"] = {
        "method": "reverse Kaplan-Meier",
        "median_months": _num(fu.estimate),
        "ci_lower": _num(fu.lower),
        "ci_upper": _num(fu.upper),
    }
    return out


def response_table(bor: pd.DataFrame, n_total: int, criteria: str, confirmed: bool) -> pd.DataFrame:
    """Counts per BOR category, then ORR and DCR with exact (Clopper-Pearson) 95% CI.

    Categories, ORR and DCR members are those declared for the criteria
    (``oncorwe.derive.response_rules``; iRECIST: ORR = iCR + iPR, DCR adds iSD and
    NON-iCR/NON-iUPD)."""
    rules = response_criteria(criteria)
    order, objective, control = rules.order, rules.responder, rules.disease_control
    counts = bor["bor"].value_counts()
    rows = [
        dict(category=c, n=int(counts.get(c, 0)), pct=100.0 * counts.get(c, 0) / n_total)
        for c in order
    ]
    for name, members in (("ORR", objective), ("DCR", control)):
        k = int(sum(counts.get(c, 0) for c in members))
        ci = binomial_ci(k, n_total, method="exact")
        rows.append(
            dict(
                category=name,
                n=k,
                pct=100.0 * ci.estimate,
                ci_lower=100.0 * ci.lower,
                ci_upper=100.0 * ci.upper,
            )
        )
    table = pd.DataFrame(rows, columns=["category", "n", "pct", "ci_lower", "ci_upper"])
    table.insert(0, "criteria", criteria)
    table.insert(1, "confirmed", confirmed)
    return table


def response_results(table: pd.DataFrame, protocol: Protocol) -> dict[str, Any]:
    primary = table[
        (table["criteria"] == protocol.response.criteria)
        & (table["confirmed"] == protocol.response.confirmation)
    ]
    out: dict[str, Any] = {
        "criteria": protocol.response.criteria,
        "confirmed": protocol.response.confirmation,
        "denominator": "all treated patients in the cohort",
    }
    for row in primary.itertuples():
        key = row.category.lower().replace("/", "_").replace("-", "_")
        out[key] = {"n": int(row.n), "pct": _num(row.pct)}
        if row.category in ("ORR", "DCR"):
            out[key].update(ci_lower=_num(row.ci_lower), ci_upper=_num(row.ci_upper))
    return out


def safety_results(worst: pd.DataFrame, ae_table: pd.DataFrame, n_total: int) -> dict[str, Any]:
    """Patients with grade >= 3, and the most common terms (ties broken by term name)."""
    out: dict[str, Any] = {
        "ctcae_version": "5.0",
        "any_grade_any": _count(worst["patient_id"].nunique(), n_total),
        "grade3plus_any": _count(patients_with_grade_at_least(worst, GRADE_3_PLUS), n_total),
        "grade5_any": _count(patients_with_grade_at_least(worst, 5), n_total),
    }
    if not ae_table.empty:
        top = ae_table.iloc[0]
        out["most_common_any_grade"] = {"term": top.term, **_count(top.any_n, n_total)}
        by_g3 = ae_table.sort_values(
            ["grade3plus_n", "term"], ascending=[False, True], kind="mergesort"
        ).iloc[0]
        out["most_common_grade3plus"] = {
            "term": by_g3.term,
            **_count(by_g3.grade3plus_n, n_total),
        }
    return out


def treatment_results(adsl: pd.DataFrame) -> dict[str, Any]:
    n = len(adsl)
    out: dict[str, Any] = {}
    for column in ("rt_total_dose_gy", "rt_eqd2_gy", "rt_bed_gy"):
        x = adsl[column].dropna().to_numpy(float)
        q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (np.nan,) * 3
        out[column] = {
            "median": _num(median),
            "q1": _num(q1),
            "q3": _num(q3),
            "min": _num(x.min() if len(x) else np.nan),
            "max": _num(x.max() if len(x) else np.nan),
        }
    counts = adsl["sequence"].value_counts()
    sequential = int(counts.get("rt_first", 0) + counts.get("ici_first", 0))
    out["sequence"] = {
        "concurrent": _count(int(counts.get("concurrent", 0)), n),
        "sequential": _count(sequential, n),
        "rt_first": _count(int(counts.get("rt_first", 0)), n),
        "ici_first": _count(int(counts.get("ici_first", 0)), n),
    }
    return out


def cohort_results(adsl: pd.DataFrame) -> dict[str, Any]:
    n = len(adsl)
    return {
        "n": n,
        "extrahepatic_metastasis": _count(int(adsl["extrahepatic_metastasis"].sum()), n),
        "pvtt": _count(int(adsl["pvtt_present"].fillna(False).sum()), n),
        "male": _count(int((adsl["sex"] == "M").sum()), n),
        "age": {"median": _num(adsl["age"].astype(float).median())},
    }


def landmark_table(
    results: dict[str, Any], endpoints: Sequence[Endpoint] = ENDPOINTS
) -> pd.DataFrame:
    rows = [
        dict(
            endpoint=e.upper(),
            months=lm["months"],
            surv=lm["surv"],
            lower=lm["lower"],
            upper=lm["upper"],
            n_risk=lm["n_risk"],
        )
        for e in (e.key for e in endpoints if e.summary)
        for lm in results[e]["landmarks"]
    ]
    return pd.DataFrame(rows, columns=["endpoint", "months", "surv", "lower", "upper", "n_risk"])


def median_table(
    results: dict[str, Any], endpoints: Sequence[Endpoint] = ENDPOINTS
) -> pd.DataFrame:
    rows = [
        dict(
            endpoint=e.upper(),
            n=results[e]["n"],
            events=results[e]["events"],
            median_months=results[e]["median_months"],
            ci_lower=results[e]["ci_lower"],
            ci_upper=results[e]["ci_upper"],
        )
        for e in (e.key for e in endpoints if e.summary)
    ]
    return pd.DataFrame(rows)
