"""Headline numbers (``results.json``) and tidy tables from the derived datasets.

Every number the report shows is computed here, once; the report only formats. Percentages are
0-100 at full precision; times are months (days / protocol ``days_per_month``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.derive.response_rules import RECIST11, response_criteria
from oncorwe.derive.toxicity import GRADE_3_PLUS, patients_with_grade_at_least
from oncorwe.protocol import Protocol
from oncorwe.results import (
    CohortResults,
    Count,
    EndpointSurvival,
    FollowUp,
    Landmark,
    LiverCount,
    Median,
    Rate,
    ResponseResults,
    SafetyResults,
    Spread,
    SurvivalResults,
    TermCount,
    TreatmentResults,
    TreatmentSequence,
)
from oncorwe.stats import binomial_ci, follow_up, kaplan_meier

# ORR and DCR intervals: exact (Clopper-Pearson), recorded in the results' meta
PROPORTION_CI = "exact"
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


def _count(n: int, total: int) -> Count:
    return Count(n=int(n), pct=100.0 * n / total if total else None)


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
) -> SurvivalResults:
    """Median with CI, events and landmark rates of each endpoint with a summary, and the
    median follow-up (reverse Kaplan-Meier)."""
    out: dict[str, EndpointSurvival] = {}
    for endpoint in (e for e in endpoints if e.summary):
        km = curves[endpoint.key]
        median = km.median
        landmarks = km.at(list(protocol.survival.landmark_months), extend=True)
        out[endpoint.key] = EndpointSurvival(
            n=int(km.n),
            events=int(km.n_events),
            median_months=_num(median.estimate),
            ci_lower=_num(median.lower),
            ci_upper=_num(median.upper),
            landmarks=tuple(
                Landmark(
                    months=float(r.time),
                    surv=_num(r.surv),
                    lower=_num(r.lower),
                    upper=_num(r.upper),
                    n_risk=int(r.n_risk),
                )
                for r in landmarks.itertuples()
            ),
            label=endpoint.label,
        )
    fu = curves["follow_up"].median
    follow = FollowUp(
        method="reverse Kaplan-Meier",
        median_months=_num(fu.estimate),
        ci_lower=_num(fu.lower),
        ci_upper=_num(fu.upper),
    )
    return SurvivalResults(endpoints=out, follow_up=follow)


def response_table(bor: pd.DataFrame, n_total: int, criteria: str, confirmed: bool) -> pd.DataFrame:
    """Counts per BOR category, then ORR and DCR with exact (Clopper-Pearson) 95% CI.

    Categories, ORR and DCR members are those declared for the criteria
    (``oncorwe.derive.response_rules``; iRECIST: ORR = iCR + iPR, DCR adds iSD and
    NON-iCR/NON-iUPD). ``bor``: one row per patient (column ``bor``), or patients per best
    response (``bor``, ``n``: ``oncorwe.analysis.datasets.AnalysisDatasets.response_counts``)."""
    rules = response_criteria(criteria)
    order, objective, control = rules.order, rules.responder, rules.disease_control
    counts = bor.groupby("bor")["n"].sum() if "n" in bor.columns else bor["bor"].value_counts()
    rows = [
        dict(category=c, n=int(counts.get(c, 0)), pct=100.0 * counts.get(c, 0) / n_total)
        for c in order
    ]
    for name, members in (("ORR", objective), ("DCR", control)):
        k = int(sum(counts.get(c, 0) for c in members))
        ci = binomial_ci(k, n_total, method=PROPORTION_CI)
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


def response_results(
    table: pd.DataFrame,
    protocol: Protocol,
    lesion: Mapping[str, Any] | None = None,
    source: Mapping[str, str] | None = None,
) -> ResponseResults:
    """Each category of the primary criteria (``cr``, ``pr``, ...) and ORR/DCR with CI;
    ``lesion``: ``by_criteria``, ``abscopal`` and ``duration``
    (``oncorwe.analysis.lesion_response.lesion_response_results``); ``source``: where the best
    responses come from when they were recorded rather than derived (``note``, ``text``)."""
    primary = table[
        (table["criteria"] == protocol.response.criteria)
        & (table["confirmed"] == protocol.response.confirmation)
    ]
    categories: dict[str, Count | Rate] = {}
    for row in primary.itertuples():
        key = row.category.lower().replace("/", "_").replace("-", "_")
        if row.category in ("ORR", "DCR"):
            categories[key] = Rate(
                int(row.n), _num(row.pct), _num(row.ci_lower), _num(row.ci_upper)
            )
        else:
            categories[key] = Count(int(row.n), _num(row.pct))
    return ResponseResults(
        criteria=protocol.response.criteria,
        confirmed=protocol.response.confirmation,
        denominator="all treated patients in the cohort",
        categories=categories,
        best_response_source=source,
        **(lesion or {}),
    )


def safety_results(
    worst: pd.DataFrame,
    ae_table: pd.DataFrame,
    n_total: int,
    liver: Mapping[str, LiverCount] | None = None,
) -> SafetyResults:
    """Patients with grade >= 3, and the most common terms (ties broken by term name);
    ``liver``: RILD counts (``oncorwe.analysis.radiotherapy_outcomes``)."""
    common = common3 = None
    if not ae_table.empty:
        top = ae_table.iloc[0]
        count = _count(top.any_n, n_total)
        common = TermCount(top.term, count.n, count.pct)
        by_g3 = ae_table.sort_values(
            ["grade3plus_n", "term"], ascending=[False, True], kind="mergesort"
        ).iloc[0]
        count = _count(by_g3.grade3plus_n, n_total)
        common3 = TermCount(by_g3.term, count.n, count.pct)
    return SafetyResults(
        ctcae_version="5.0",
        any_grade_any=_count(worst["patient_id"].nunique(), n_total),
        grade3plus_any=_count(patients_with_grade_at_least(worst, GRADE_3_PLUS), n_total),
        grade5_any=_count(patients_with_grade_at_least(worst, 5), n_total),
        most_common_any_grade=common,
        most_common_grade3plus=common3,
        liver=liver or {},
    )


def treatment_results(adsl: pd.DataFrame) -> TreatmentResults:
    """Median, quartiles and range of the RT dose (physical, EQD2, BED) and the sequence."""
    n = len(adsl)
    spreads: dict[str, Spread] = {}
    for column in ("rt_total_dose_gy", "rt_eqd2_gy", "rt_bed_gy"):
        x = adsl[column].dropna().to_numpy(float)
        q1, median, q3 = np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (np.nan,) * 3
        spreads[column] = Spread(
            median=_num(median),
            q1=_num(q1),
            q3=_num(q3),
            min=_num(x.min() if len(x) else np.nan),
            max=_num(x.max() if len(x) else np.nan),
        )
    counts = adsl["sequence"].value_counts()
    sequential = int(counts.get("rt_first", 0) + counts.get("ici_first", 0))
    sequence = TreatmentSequence(
        concurrent=_count(int(counts.get("concurrent", 0)), n),
        sequential=_count(sequential, n),
        rt_first=_count(int(counts.get("rt_first", 0)), n),
        ici_first=_count(int(counts.get("ici_first", 0)), n),
    )
    return TreatmentResults(**spreads, sequence=sequence)


def cohort_results(adsl: pd.DataFrame) -> CohortResults:
    """Cohort size, extrahepatic metastasis, PVTT (missing counted as absent), sex, age."""
    n = len(adsl)
    return CohortResults(
        n=n,
        extrahepatic_metastasis=_count(int(adsl["extrahepatic_metastasis"].sum()), n),
        pvtt=_count(int(adsl["pvtt_present"].fillna(False).sum()), n),
        male=_count(int((adsl["sex"] == "M").sum()), n),
        age=Median(_num(adsl["age"].astype(float).median())),
    )


def landmark_table(
    results: SurvivalResults, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> pd.DataFrame:
    """One row per endpoint with a summary and landmark time (the landmarks table)."""
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
    results: SurvivalResults, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> pd.DataFrame:
    """One row per endpoint with a summary: patients, events, median with CI (months)."""
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
