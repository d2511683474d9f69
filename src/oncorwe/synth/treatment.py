"""Treatment of the seed twin: radiotherapy courses and systemic therapy, as day offsets.

Every offset counts days from the patient's time origin (day 0 = the first RT fraction or the
first ICI dose, whichever comes first), so that the protocol's time origin is day 0 by
construction. The per-patient total RT dose is fixed by construction: 46 eligible patients below
55 Gy, 14 at exactly 55 Gy and 48 above, so that the median (mean of the 54th and 55th values) is
55 Gy and stays there if a few patients move.

Sequencing follows the protocol's default concurrency window (an ICI exposure overlapping
[RT start - 30 days, RT end + 30 days] makes a patient concurrent): 70 eligible patients are
concurrent, 30 sequential with RT first, 8 sequential with ICI first.

References
----------
.. [1] Apisarnthanarax S, et al. External beam radiation therapy for primary liver cancers: an
   ASTRO clinical practice guideline. Pract Radiat Oncol. 2022;12:28-51.
.. [2] Chinese guidelines on radiotherapy for primary liver cancer (2016-2022): 2-3 Gy per
   fraction IMRT/VMAT, SBRT 5-10 Gy per fraction; PVTT treated to 45-60 Gy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.synth.patients import day_number

SEQUENCES = (("concurrent", 70), ("rt_first", 30), ("ici_first", 8))
# (total dose Gy, fractions, kind) - kind "conv" = IMRT/VMAT 2-3 Gy, "sbrt" = 5-10 Gy per fraction
BELOW_MEDIAN = (
    (40, 20, "conv"),
    (45, 15, "conv"),
    (50, 25, "conv"),
    (50, 20, "conv"),
    (48, 16, "conv"),
    (30, 5, "sbrt"),
    (35, 5, "sbrt"),
    (40, 5, "sbrt"),
    (48, 6, "sbrt"),
    (50, 10, "sbrt"),
)
AT_MEDIAN = ((55, 22, "conv"), (55, 25, "conv"))
ABOVE_MEDIAN = (
    (56, 28, "conv"),
    (60, 30, "conv"),
    (60, 25, "conv"),
    (60, 20, "conv"),
    (60, 10, "sbrt"),
    (60, 8, "sbrt"),
)
EXTRAHEPATIC_REGIMENS = {
    "bone": ((30, 10, "conv"), (30, 5, "sbrt"), (40, 5, "sbrt")),
    "lung": ((40, 5, "sbrt"), (50, 5, "sbrt"), (48, 6, "sbrt")),
    "lymph_node": ((50, 25, "conv"), (45, 15, "conv"), (40, 5, "sbrt")),
    "adrenal": ((40, 5, "sbrt"), (45, 15, "conv")),
}
N_MULTI_COURSE = 28  # eligible patients with extrahepatic disease who get a second course
ICI_AGENTS = (
    ("camrelizumab", "pd1", 0.30),
    ("sintilimab", "pd1", 0.24),
    ("tislelizumab", "pd1", 0.15),
    ("toripalimab", "pd1", 0.10),
    ("pembrolizumab", "pd1", 0.10),
    ("nivolumab", "pd1", 0.07),
    ("atezolizumab", "pdl1", 0.04),
)
PARTNERS = (("lenvatinib", "tki", 0.42), ("sorafenib", "tki", 0.10), ("apatinib", "tki", 0.08))
# sequential schedules and second RT courses take months: only for time origins up to this date
LONG_PLANS_UNTIL = "2021-09-30"
ICI_CYCLE_DAYS = 21  # every 3 weeks until progression or limiting toxicity
ICI_MAX_CYCLES = 35  # two years


def course_days(fractions: int, kind: str) -> int:
    """Days from first to last fraction: weekdays; SBRT of <= 8 fractions every other day."""
    if kind == "sbrt" and fractions <= 8:
        return 2 * (fractions - 1)
    return (fractions - 1) // 5 * 7 + (fractions - 1) % 5


def _late(frame: pd.DataFrame) -> np.ndarray:
    """Records whose time origin is too close to the data cut-off for a long treatment plan."""
    return frame["index_day"].to_numpy() > day_number(LONG_PLANS_UNTIL)


def _dose_categories(rng: np.random.Generator, frame: pd.DataFrame, targets) -> np.ndarray:
    """'multi' (two courses, above 55 Gy), 'above', 'at' or 'below' the 55 Gy median."""
    n = len(frame)
    category = np.array(["below"] * n, dtype=object)
    eligible = frame["group"].to_numpy() == "eligible"
    early = ~_late(frame)
    extra = np.flatnonzero(eligible & early & frame["extrahepatic_metastasis"].to_numpy())
    multi = rng.permutation(extra)[:N_MULTI_COURSE]
    category[multi] = "multi"
    rest = rng.permutation(np.setdiff1d(np.flatnonzero(eligible), multi))
    n_at, n_below = targets.n_rt_dose_at, targets.n_rt_dose_below
    category[rest[:n_at]] = "at"
    category[rest[n_at : n_at + n_below]] = "below"
    category[rest[n_at + n_below :]] = "above"
    others = np.flatnonzero(~eligible)
    category[others] = rng.choice(["below", "at", "above", "multi"], size=len(others))
    single = ~(frame["extrahepatic_metastasis"].to_numpy() & early) & (category == "multi")
    category[single] = "above"  # a second course goes to an extrahepatic site, given time
    return category


def _pick(rng: np.random.Generator, regimens: tuple) -> tuple:
    return regimens[int(rng.integers(len(regimens)))]


def _technique(rng: np.random.Generator, kind: str) -> str:
    if kind == "sbrt":
        return "SBRT"
    return str(rng.choice(["IMRT", "VMAT", "3DCRT"], p=[0.55, 0.40, 0.05]))


def _extrahepatic_site(rng: np.random.Generator, sites: str) -> str:
    treatable = [s for s in sites.split(";") if s in EXTRAHEPATIC_REGIMENS]
    return str(rng.choice(treatable)) if treatable else "lymph_node"


def _regimens(rng: np.random.Generator, row, category: str) -> list[tuple[str, tuple]]:
    """(target, regimen) of each course of one patient, first course first."""
    primary = "pvtt" if row.pvtt != "none" and rng.random() < 0.55 else "liver"
    if category == "below" and row.extrahepatic_metastasis and rng.random() < 0.25:
        site = _extrahepatic_site(rng, row.metastasis_sites)
        return [(site, _pick(rng, EXTRAHEPATIC_REGIMENS[site]))]
    if category in ("below", "at", "above"):
        table = {"below": BELOW_MEDIAN, "at": AT_MEDIAN, "above": ABOVE_MEDIAN}[category]
        return [(primary, _pick(rng, table))]
    courses = [(primary, _pick(rng, BELOW_MEDIAN + AT_MEDIAN + ABOVE_MEDIAN))]
    n_extra = 2 if rng.random() < 0.15 else 1
    for _ in range(n_extra):
        site = _extrahepatic_site(rng, row.metastasis_sites or "lymph_node")
        courses.append((site, _pick(rng, EXTRAHEPATIC_REGIMENS[site])))
    return courses


def _sequences(rng: np.random.Generator, frame: pd.DataFrame) -> np.ndarray:
    n = len(frame)
    groups = frame["group"].to_numpy()
    late = _late(frame)
    sequence = np.empty(n, dtype=object)
    names = np.repeat([s for s, _ in SEQUENCES], [c for _, c in SEQUENCES])
    late_eligible = np.flatnonzero((groups == "eligible") & late)
    sequence[late_eligible] = "concurrent"  # short timelines for the last to start
    names = np.delete(names, np.flatnonzero(names == "concurrent")[: late_eligible.size])
    sequence[np.flatnonzero((groups == "eligible") & ~late)] = rng.permutation(names)
    for k in np.flatnonzero(groups != "eligible"):
        sequence[k] = str(rng.choice(["concurrent", "rt_first"]))
        if groups[k] == "no_ici":
            sequence[k] = "rt_only"
        elif groups[k] == "outside_window":  # a short timeline: some start just before cut-off
            sequence[k] = "concurrent"
    return sequence


def _timeline(rng: np.random.Generator, sequence: str, courses: list) -> tuple[list, float, float]:
    """Course (start, end) offsets, the first ICI dose and a fixed ICI stop (ICI-first only)."""
    first_days = course_days(courses[0][1][1], courses[0][1][2])
    ici_start, ici_fixed_end = np.nan, np.nan
    rt_start = 0
    if sequence == "concurrent":
        if rng.random() < 0.5:
            ici_start, rt_start = 0, int(rng.integers(5, 29))
        else:
            ici_start = int(rng.integers(0, first_days + 21))
    elif sequence == "ici_first":
        ici_start = 0
        ici_fixed_end = ICI_CYCLE_DAYS * int(rng.integers(1, 4))
        rt_start = int(ici_fixed_end + rng.integers(40, 100))
    spans = []
    start = rt_start
    for k, (_, (_, fractions, kind)) in enumerate(courses):
        end = start + course_days(fractions, kind)
        spans.append((start, end))
        gap = rng.integers(3, 10) if sequence == "rt_first" else rng.integers(7, 60)
        start = int(end + gap) if k + 1 < len(courses) else start
    if sequence == "rt_first":
        ici_start = int(spans[-1][1] + rng.integers(35, 110))
    return spans, ici_start, ici_fixed_end


def draw_treatment(
    rng: np.random.Generator, frame: pd.DataFrame, targets
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw RT courses and the ICI plan of every record.

    Returns
    -------
    courses : DataFrame
        ``record, course_id, start_off, end_off, target, technique, total_dose_gy, fractions``.
    plan : DataFrame, one row per record
        ``sequence, ici_agent, ici_class, ici_start_off, ici_fixed_end_off, ici_fixed_reason,
        partner_agent, partner_class, partner_stops_off, last_start_off``; NaN where not given.
    """
    category = _dose_categories(rng, frame, targets)
    sequence = _sequences(rng, frame)
    agent_idx = rng.choice(len(ICI_AGENTS), size=len(frame), p=[a[2] for a in ICI_AGENTS])
    course_rows, plan_rows = [], []
    for k, row in enumerate(frame.itertuples(index=False)):
        courses = _regimens(rng, row, category[k])
        spans, ici_start, ici_fixed_end = _timeline(rng, sequence[k], courses)
        for j, ((target, (dose, fractions, kind)), (start, end)) in enumerate(
            zip(courses, spans, strict=True)
        ):
            course_rows.append(
                (k, f"RT{j + 1}", start, end, target, _technique(rng, kind), dose, fractions)
            )
        agent, drug_class, _ = ICI_AGENTS[agent_idx[k]]
        partner, partner_class = "", ""
        if agent == "atezolizumab" or (agent == "sintilimab" and rng.random() < 0.35):
            partner, partner_class = "bevacizumab", "anti_vegf"
        elif rng.random() < sum(p[2] for p in PARTNERS):
            weights = np.array([p[2] for p in PARTNERS])
            choice = PARTNERS[int(rng.choice(len(PARTNERS), p=weights / weights.sum()))]
            partner, partner_class = choice[0], choice[1]
        fixed_reason = ""
        if sequence[k] == "ici_first":
            fixed_reason = "toxicity" if rng.random() < 0.5 else "patient_choice"
        elif sequence[k] != "rt_only" and rng.random() < 0.12:
            ici_fixed_end = float(ICI_CYCLE_DAYS * rng.integers(8, 20)) + ici_start
            fixed_reason = "patient_choice"
        if sequence[k] == "rt_only":
            agent, drug_class, ici_start = "", "", np.nan
            if rng.random() < 0.4:
                partner, partner_class = "", ""
        partner_start = (0 if np.isnan(ici_start) else ici_start) + int(rng.integers(0, 15))
        last_start = max(spans[-1][1], 0 if np.isnan(ici_start) else ici_start, partner_start)
        plan_rows.append(
            (
                sequence[k],
                agent,
                drug_class,
                ici_start,
                ici_fixed_end,
                fixed_reason,
                partner,
                partner_class,
                partner_start if partner else np.nan,
                last_start,
            )
        )
    courses = pd.DataFrame(
        course_rows,
        columns=[
            "record",
            "course_id",
            "start_off",
            "end_off",
            "target",
            "technique",
            "total_dose_gy",
            "fractions",
        ],
    )
    plan = pd.DataFrame(
        plan_rows,
        columns=[
            "sequence",
            "ici_agent",
            "ici_class",
            "ici_start_off",
            "ici_fixed_end_off",
            "ici_fixed_reason",
            "partner_agent",
            "partner_class",
            "partner_start_off",
            "last_start_off",
        ],
    )
    return courses, plan
