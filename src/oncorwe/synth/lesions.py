"""Lesion-level measurements of the seed twin, drawn from its recorded mRECIST time-point responses.

The tumour assessments (``oncorwe.synth.response``) are calibrated first; this step then draws
lesion measurements that *explain* them: scoring the lesions by mRECIST
(``oncorwe.derive.recist.derive_time_point_response(lesions, "mRECIST")``) gives back the recorded
``overall_response`` at every assessment. No other table depends on this step, and its random
stream is its own, so the calibrated tables do not change.

Baseline inventory (a pre-treatment scan 5-28 days before day 0, never before the diagnosis):

- intrahepatic targets: one or two liver lesions (at most 2 per organ, RECIST 1.1 section 3.3.1)
  measured as *viable* (arterially enhancing) diameters, as mRECIST asks; the first is 75-100 %
  of ``largest_tumor_cm``. Further intrahepatic tumours (``tumor_count`` > 2) form one
  non-target; a portal-vein tumour thrombus is a non-target (non-measurable under mRECIST).
- extrahepatic disease from ``metastasis_sites``: lung and adrenal targets and lymph-node targets
  (short axis >= 15 mm, ``is_lymph_node``), measured as in RECIST 1.1 (mRECIST keeps RECIST for
  extrahepatic lesions); bone and peritoneum are non-targets. At most 5 targets.
- ``in_rt_field``: the first liver target for a liver course (the second one with probability
  0.4), the thrombus (and with probability 0.5 the first liver target) for a PVTT course, one
  lesion of the treated organ for each extrahepatic course.

Follow-up, at the recorded assessment dates: the sum of target diameters follows the recorded
response (SD: 76-112 % of baseline and < 115 % of the nadir; PR: <= 62 % of baseline, deepening
towards a depth of response drawn per patient between 12 and 62 %; CR: every
target 0 mm and every non-target absent), shared among lesions by their sensitivity: irradiated
lesions shrink most (in-field control), unirradiated lesions by a per-lesion amount drawn from
5-95 % of the in-field effect (some respond: the abscopal response). A progression is explained by
its recorded site: ``in_field`` - an irradiated target regrows (>= 35 % and >= 5 mm over the
nadir) or an irradiated non-target progresses; ``intrahepatic_out_of_field`` - a new liver lesion
of >= 12 mm (mRECIST counts new liver lesions of >= 1 cm); ``extrahepatic`` - a new extrahepatic
lesion, or unequivocal progression of an extrahepatic non-target. The margins keep every category
clear of its cut-off after rounding to 0.1 mm.

References
----------
.. [1] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
   Semin Liver Dis. 2010;30:52-60.
.. [2] Eisenhauer EA, et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer. 2009;45:228-247, sections 3.3 and 4.3.
.. [3] Demaria S, et al. Ionizing radiation inhibition of distant untreated tumors (abscopal
   effect) is immune mediated. Int J Radiat Oncol Biol Phys. 2004;58:862-870.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LESION_COLUMNS = (
    "record",
    "offset",
    "lesion_id",
    "lesion_class",
    "organ",
    "is_lymph_node",
    "in_rt_field",
    "diameter_mm",
    "status",
)
MAX_TARGETS = 5  # RECIST 1.1 section 3.3.1
MIN_TARGET_MM = 10.0  # measurable: >= 10 mm (viable diameter under mRECIST)
NODE_MIN_SHORT_AXIS_MM = 15.0  # a measurable node: short axis >= 15 mm (RECIST 1.1 3.1.1)
# target-sum ratios (current / baseline) per recorded response, clear of the cut-offs (PR <= 70 %,
# PD >= 120 % of the nadir) after rounding
SD_RATIO = (0.76, 1.12)
SD_MAX_OVER_NADIR = 1.15
PR_RATIO = (0.20, 0.62)
PR_MIN_RATIO = 0.12
PR_MAX_OVER_NADIR = 1.05
PD_OVER_NADIR = 1.35
PD_MIN_INCREASE_MM = 5.0
NEW_LIVER_MM = (12.0, 30.0)  # >= 1 cm: a new intrahepatic lesion that mRECIST counts
NEW_EXTRAHEPATIC_ORGANS = ("lung", "bone", "lymph_node", "adrenal", "peritoneum")
NEW_EXTRAHEPATIC_WEIGHTS = (0.40, 0.25, 0.20, 0.08, 0.07)
IN_FIELD_SENSITIVITY = (0.85, 1.0)
OUT_OF_FIELD_SENSITIVITY = (0.05, 0.95)
TARGET_ORGANS = {"lung": (12.0, 35.0), "adrenal": (15.0, 40.0), "lymph_node": (15.0, 30.0)}
NON_TARGET_ORGANS = ("bone", "peritoneum")


@dataclass
class _Lesion:
    lesion_id: str
    lesion_class: str
    organ: str
    diameter: float = np.nan
    node: bool = False
    in_field: bool = False


@dataclass
class _Patient:
    targets: list[_Lesion] = field(default_factory=list)
    non_targets: list[_Lesion] = field(default_factory=list)


def _inventory(rng: np.random.Generator, row, treated: list[str], reaches_cr: bool) -> _Patient:
    """Baseline lesions of one patient; ``treated`` lists its RT course targets in order."""
    p = _Patient()
    first = max(MIN_TARGET_MM, row.largest_tumor_cm * 10.0 * rng.uniform(0.75, 1.0))
    p.targets.append(_Lesion("", "target", "liver", first))
    if row.tumor_count >= 2:
        second = float(np.clip(first * rng.uniform(0.3, 0.8), MIN_TARGET_MM, first))
        p.targets.append(_Lesion("", "target", "liver", second))
    if row.tumor_count > 2:
        p.non_targets.append(_Lesion("", "non_target", "liver"))
    if row.pvtt != "none" or "pvtt" in treated:
        p.non_targets.append(_Lesion("", "non_target", "portal_vein"))
    sites = [s for s in str(row.metastasis_sites).split(";") if s]
    sites += [t for t in treated if t not in ("liver", "pvtt") and t not in sites]
    for site in sites:
        # nodes of a patient who reaches CR are non-targets: recist.py scores mRECIST node
        # targets as gone only at 0 mm, which a normalised node (< 10 mm) never reaches
        measurable = site in TARGET_ORGANS and not (site == "lymph_node" and reaches_cr)
        if measurable and len(p.targets) < MAX_TARGETS:
            lo, hi = TARGET_ORGANS[site]
            p.targets.append(
                _Lesion("", "target", site, rng.uniform(lo, hi), node=site == "lymph_node")
            )
        else:
            p.non_targets.append(_Lesion("", "non_target", site, node=site == "lymph_node"))
    _mark_fields(rng, p, treated)
    for j, lesion in enumerate(p.targets, start=1):
        lesion.lesion_id = f"T{j}"
    for j, lesion in enumerate(p.non_targets, start=1):
        lesion.lesion_id = f"NT{j}"
    return p


def _mark_fields(rng: np.random.Generator, p: _Patient, treated: list[str]) -> None:
    """Set ``in_field`` for the lesions the RT courses treat."""
    liver = [t for t in p.targets if t.organ == "liver"]
    for target in treated:
        if target == "liver":
            liver[0].in_field = True
            if len(liver) > 1 and rng.random() < 0.4:
                liver[1].in_field = True
        elif target == "pvtt":
            next(n for n in p.non_targets if n.organ == "portal_vein").in_field = True
            if rng.random() < 0.5:
                liver[0].in_field = True
        else:
            organ = [x for x in p.targets + p.non_targets if x.organ == target]
            free = [x for x in organ if not x.in_field] or organ
            free[0].in_field = True


def _ratios(rng: np.random.Generator, sequence: list[str]) -> list[float]:
    """Target-sum ratio (vs baseline) at each non-PD assessment of the recorded sequence; a
    partial response deepens towards the patient's own depth of response."""
    ratios, nadir, previous = [], 1.0, None
    depth = rng.uniform(PR_MIN_RATIO, PR_RATIO[1])
    for response in sequence:
        if response == "CR":
            r = 0.0
        elif response == "PR":
            if previous is None or previous > PR_RATIO[1]:
                r = rng.uniform(max(depth, PR_RATIO[0]), PR_RATIO[1])
            else:
                r = max(depth * rng.uniform(0.95, 1.1), previous * rng.uniform(0.75, 1.05))
            r = float(np.clip(r, PR_MIN_RATIO, min(PR_RATIO[1], PR_MAX_OVER_NADIR * nadir)))
        else:  # SD
            hi = min(SD_RATIO[1], SD_MAX_OVER_NADIR * nadir)
            r = float(np.clip(rng.normal(0.93, 0.08), SD_RATIO[0], hi))
        ratios.append(r)
        nadir, previous = min(nadir, r), r
    return ratios


def _shares(base: np.ndarray, sensitivity: np.ndarray, ratio: float) -> np.ndarray:
    """Lesion diameters whose sum is ``ratio * base.sum()``: shrinkage in proportion to each
    lesion's sensitivity (none below 0 mm), growth mostly outside the field."""
    total = base.sum()
    if ratio == 0.0:
        return np.zeros_like(base)
    if ratio >= 1.0:
        growth = 1.0 - 0.7 * sensitivity
        return base * (1.0 + (ratio - 1.0) * total * growth / (base * growth).sum())
    lo, hi = 0.0, 1.0 / sensitivity.min()
    for _ in range(60):  # bisection on the common shrinkage s: sum(base * max(0, 1 - s f))
        s = 0.5 * (lo + hi)
        if (base * np.maximum(0.0, 1.0 - s * sensitivity)).sum() > ratio * total:
            lo = s
        else:
            hi = s
    return base * np.maximum(0.0, 1.0 - hi * sensitivity)


def _progression(rng, p: _Patient, last: np.ndarray, sites: list[str], non_status: list[str]):
    """Target diameters, non-target statuses and new lesions at the progression assessment."""
    diam = last * rng.uniform(1.0, 1.15, last.size)
    status = list(non_status)
    new: list[_Lesion] = []
    nadir = last.sum()
    for site in sites or ["extrahepatic"]:
        if site == "in_field":
            irradiated = [j for j, t in enumerate(p.targets) if t.in_field]
            if irradiated:
                j = irradiated[0]
                need = max(PD_OVER_NADIR * nadir, nadir + PD_MIN_INCREASE_MM) - diam.sum()
                diam[j] += max(need, 0.0) + rng.uniform(1.0, 6.0)
                continue
            j = next(j for j, n in enumerate(p.non_targets) if n.in_field)
            status[j] = "unequivocal_progression"
        elif site == "intrahepatic_out_of_field":
            new.append(_Lesion(f"N{len(new) + 1}", "new", "liver", rng.uniform(*NEW_LIVER_MM)))
        else:
            extra = [
                j for j, n in enumerate(p.non_targets) if n.organ not in ("liver", "portal_vein")
            ]
            if extra and rng.random() < 0.4:
                status[extra[0]] = "unequivocal_progression"
                continue
            weights = np.array(NEW_EXTRAHEPATIC_WEIGHTS)
            organ = NEW_EXTRAHEPATIC_ORGANS[int(rng.choice(len(weights), p=weights))]
            lesion = _Lesion(f"N{len(new) + 1}", "new", organ, rng.uniform(8.0, 25.0))
            lesion.node = organ == "lymph_node"
            new.append(lesion)
    return diam, status, new


def _rows(k: int, offset: int, p: _Patient, diam, status, new) -> list[tuple]:
    rows = [
        (k, offset, t.lesion_id, "target", t.organ, t.node, t.in_field, round(d, 1), None)
        for t, d in zip(p.targets, diam, strict=True)
    ]
    rows += [
        (k, offset, n.lesion_id, "non_target", n.organ, n.node, n.in_field, np.nan, s)
        for n, s in zip(p.non_targets, status, strict=True)
    ]
    rows += [
        (k, offset, n.lesion_id, "new", n.organ, n.node, False, round(n.diameter, 1), "present")
        for n in new
    ]
    return rows


def draw_lesions(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    courses: pd.DataFrame,
    assessments: pd.DataFrame,
    progression: pd.DataFrame,
) -> pd.DataFrame:
    """Lesion rows ``record, offset, lesion_id, lesion_class, organ, is_lymph_node, in_rt_field,
    diameter_mm, status`` for every record with an mRECIST assessment (offsets in days from the
    time origin; the baseline scan has a negative offset)."""
    mrecist = assessments[assessments["criteria"] == "mRECIST"].sort_values(
        ["record", "offset"], kind="stable"
    )
    treated = courses.sort_values(["record", "course_id"]).groupby("record")["target"].agg(list)
    sites = progression.groupby(["record", "offset"])["site"].agg(list)
    rows: list[tuple] = []
    for k, visits in mrecist.groupby("record", sort=True):
        row = frame.iloc[k]
        sequence = visits["overall_response"].tolist()
        p = _inventory(rng, row, treated.get(k, []), "CR" in sequence)
        base = np.array([t.diameter for t in p.targets])
        f = np.where(
            [t.in_field for t in p.targets],
            rng.uniform(*IN_FIELD_SENSITIVITY, base.size),
            rng.uniform(*OUT_OF_FIELD_SENSITIVITY, base.size),
        )
        lead = min(int(rng.integers(5, 29)), int(row.index_day - row.diagnosis_day))
        rows += _rows(k, -lead, p, base, ["present"] * len(p.non_targets), [])
        regular = [r for r in sequence if r != "PD"]
        last, status = base, ["present"] * len(p.non_targets)
        for offset, ratio, response in zip(
            visits["offset"], _ratios(rng, regular), regular, strict=False
        ):
            last = _shares(base, f, ratio)
            status = ["absent" if response == "CR" else "present"] * len(p.non_targets)
            rows += _rows(k, int(offset), p, last, status, [])
        if sequence[-1] == "PD":
            offset = int(visits["offset"].iloc[-1])
            diam, pd_status, new = _progression(rng, p, last, sites.get((k, offset), []), status)
            rows += _rows(k, offset, p, diam, pd_status, new)
    return pd.DataFrame(rows, columns=list(LESION_COLUMNS))
