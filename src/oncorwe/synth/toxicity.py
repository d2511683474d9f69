"""Adverse events of the seed twin (CTCAE v5.0 terms and grades).

Counts over the 108 eligible patients are fixed by construction: 33 patients with any grade >= 3
event, 19 of them with grade 3-4 "Platelet count decreased" (the most common grade >= 3 term, well
ahead of "Aspartate aminotransferase increased" with 7), and "Dermatitis radiation" the most common
term at any grade (57 patients, 11 more than the next). Which patients have which event is random,
weighted where the clinical picture says so (thrombocytopenia with low baseline platelets or
Child-Pugh B; hypertension and hand-foot skin reaction only with a TKI or bevacizumab). No event is
grade 5. A few eligible patients also have a grade 1 symptom that began before the time origin,
which the treatment-emergent rule must leave out.

References
----------
.. [1] National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0.
   US Department of Health and Human Services; 2017.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PLATELETS = "Platelet count decreased"
# term: (eligible patients with it at any grade, attribution, onset anchor, onset window in days)
TERMS = {
    "Dermatitis radiation": (57, "radiotherapy", "rt", (10, 30)),
    PLATELETS: (46, "both", "rt", (7, 60)),
    "Aspartate aminotransferase increased": (40, "both", "ici", (14, 150)),
    "Fatigue": (36, "both", "index", (5, 40)),
    "Alanine aminotransferase increased": (31, "both", "ici", (14, 150)),
    "Anemia": (27, "both", "index", (20, 120)),
    "Hypothyroidism": (23, "immunotherapy", "ici", (42, 180)),
    "Anorexia": (21, "both", "rt", (3, 25)),
    "Rash maculo-papular": (19, "immunotherapy", "ici", (14, 90)),
    "Neutrophil count decreased": (17, "both", "index", (14, 90)),
    "Blood bilirubin increased": (16, "both", "ici", (14, 150)),
    "Nausea": (15, "both", "rt", (3, 25)),
    "Pruritus": (13, "immunotherapy", "ici", (14, 90)),
    "Diarrhea": (11, "other", "ici", (14, 120)),
    "Hypertension": (10, "other", "partner", (7, 60)),
    "Pneumonitis": (8, "both", "ici", (60, 200)),
    "Palmar-plantar erythrodysesthesia syndrome": (8, "other", "partner", (7, 60)),
    "Hyperthyroidism": (5, "immunotherapy", "ici", (21, 90)),
    "Proteinuria": (5, "other", "partner", (14, 90)),
}
# grade >= 3 events of the 14 grade >= 3 patients without grade >= 3 thrombocytopenia
OTHER_GRADE3 = (
    ("Aspartate aminotransferase increased", 5),
    ("Blood bilirubin increased", 3),
    ("Neutrophil count decreased", 2),
    ("Anemia", 2),
    ("Pneumonitis", 1),
    ("Diarrhea", 1),
)
# extra grade 3 events among the 19 with grade >= 3 thrombocytopenia
PLATELET_COMPANIONS = (
    ("Aspartate aminotransferase increased", 2),
    ("Neutrophil count decreased", 1),
)
PLATELET_GRADE4 = 4
TOXICITY_STOP_TERMS = ("Pneumonitis", "Rash maculo-papular", "Aspartate aminotransferase increased")
PRE_INDEX_TERMS = ("Fatigue", "Anorexia", "Pruritus")
PARTNER_TERMS = ("Hypertension", "Palmar-plantar erythrodysesthesia syndrome", "Proteinuria")


def _grade3_design(rng: np.random.Generator, frame: pd.DataFrame, eligible, targets) -> dict:
    """{term: {record: grade}} for every grade >= 3 event of the eligible patients."""
    pool = np.flatnonzero(eligible)
    low = (frame["platelets_10e9_l"].to_numpy() < 110) | (frame["child_pugh_score"].to_numpy() >= 7)
    weight = np.where(low[pool], 4.0, 1.0)
    platelet = rng.choice(
        pool, size=targets.n_platelet_grade3plus, replace=False, p=weight / weight.sum()
    )
    design = {term: {} for term in TERMS}
    for j, k in enumerate(rng.permutation(platelet)):
        design[PLATELETS][int(k)] = 4 if j < PLATELET_GRADE4 else 3
    companions = iter(rng.permutation(platelet))
    for term, count in PLATELET_COMPANIONS:
        for _ in range(count):
            design[term][int(next(companions))] = 3
    n_other = targets.n_grade3plus - targets.n_platelet_grade3plus
    others = iter(rng.permutation(np.setdiff1d(pool, platelet))[:n_other])
    for term, count in OTHER_GRADE3:
        for _ in range(count):
            design[term][int(next(others))] = 3
    return design


def _fill(rng, term: str, count: int, chosen: dict, eligible, allowed, weight) -> None:
    """Add grade 1-2 events until ``count`` eligible patients have ``term``."""
    pool = np.flatnonzero(eligible & allowed & ~np.isin(np.arange(len(eligible)), list(chosen)))
    need = count - len(chosen)
    if need <= 0:
        return
    p = weight[pool] / weight[pool].sum()
    for k in rng.choice(pool, size=need, replace=False, p=p):
        chosen[int(k)] = 1 if rng.random() < 0.7 else 2


def _design(rng: np.random.Generator, frame, plan, eligible, targets) -> tuple[dict, dict]:
    """{term: {record: worst grade}} for every record (eligible counts fixed, others random),
    and {(term, record): last ICI dose} for the events that made an ICI stop."""
    design = _grade3_design(rng, frame, eligible, targets)
    n = len(frame)
    has_partner = plan["partner_agent"].to_numpy() != ""
    has_ici = plan["ici_agent"].to_numpy() != ""
    low_platelets = frame["platelets_10e9_l"].to_numpy() < 100
    stops = np.flatnonzero(eligible & (plan["ici_fixed_reason"].to_numpy() == "toxicity"))
    stopping = {}
    for k in stops:  # an immune-related event made the ICI stop
        term = TOXICITY_STOP_TERMS[int(rng.integers(len(TOXICITY_STOP_TERMS)))]
        design[term].setdefault(int(k), 2)
        stopping[(term, int(k))] = int(plan["ici_fixed_end_off"].iat[k])
    for term, (count, _, anchor, _) in TERMS.items():
        allowed = has_partner if term in PARTNER_TERMS else np.ones(n, dtype=bool)
        if anchor == "ici":
            allowed = allowed & has_ici
        weight = np.where(low_platelets, 6.0, 1.0) if term == PLATELETS else np.ones(n)
        chosen = {k: g for k, g in design[term].items() if eligible[k]}
        _fill(rng, term, count, chosen, eligible, allowed, weight)
        for k in np.flatnonzero(~eligible & allowed):
            if rng.random() < count / targets.n_eligible:
                chosen[int(k)] = int(rng.choice([1, 1, 2, 3]))
        design[term] = chosen
    return design, stopping


def _anchor(anchor: str, k: int, courses_first: np.ndarray, plan: pd.DataFrame) -> int:
    if anchor == "rt":
        return int(courses_first[k])
    column = {"ici": "ici_start_off", "partner": "partner_start_off"}.get(anchor)
    value = plan[column].iat[k] if column else 0
    return 0 if np.isnan(value) else int(value)


def draw_adverse_events(
    rng: np.random.Generator, frame, plan, courses, outcome, eligible, targets
) -> pd.DataFrame:
    """Adverse events: ``record, term, grade, onset_off, attribution, serious``."""
    design, stopping = _design(rng, frame, plan, eligible, targets)
    first_rt = courses.groupby("record")["start_off"].min().reindex(range(len(frame))).to_numpy()
    last_day = np.where(outcome["dead"], outcome["os_days"] - 1, outcome["os_days"]).astype(int)
    rows = []
    for term, (_, attribution, anchor, (lo, hi)) in TERMS.items():
        for k in sorted(design[term]):
            grade = design[term][k]
            onset = _anchor(anchor, k, first_rt, plan) + int(rng.integers(lo, hi + 1))
            if (term, k) in stopping:  # onset after the last dose, so the next one was withheld
                onset = stopping[(term, k)] + int(rng.integers(7, 19))
            onset = int(min(onset, last_day[k]))
            if term == PLATELETS and grade >= 3:  # an earlier, milder episode first
                rows.append(
                    (k, term, 2, max(0, onset - int(rng.integers(10, 30))), attribution, False)
                )
            rows.append((k, term, grade, onset, attribution, grade >= 3))
    for term in PRE_INDEX_TERMS:  # symptoms already present before the time origin
        pool = np.flatnonzero(eligible & ~np.isin(np.arange(len(frame)), list(design[term])))
        k = int(rng.choice(pool))
        rows.append((k, term, 1, -int(rng.integers(5, 20)), "unknown", False))
    columns = ["record", "term", "grade", "onset_off", "attribution", "serious"]
    return pd.DataFrame(rows, columns=columns).sort_values(
        ["record", "onset_off", "term"], kind="stable"
    )
