"""Tumour assessments and progression events of the seed twin.

Scans follow the schedule drawn in ``survival`` (first at 6-9 weeks, then every 8-12 weeks until
progression, death or last contact), and each progression is a ``PD`` scan plus a
``progression_events`` row on the same date. Exactly 81 of the 108 eligible patients respond
(mRECIST CR or PR at some scan before progression), chosen at random with more weight for longer
progression-free survival; the others with a scan before progression have stable disease, those
whose first scan shows progression have PD, and those never scanned have no assessment.
RECIST 1.1 is recorded on the same dates with fewer responses (viable-tumour enhancement counts
under mRECIST only), as in HCC trials. Exactly one eligible patient progresses in the RT field.

References
----------
.. [1] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma.
   Semin Liver Dis. 2010;30:52-60.
.. [2] Eisenhauer EA, et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer. 2009;45:228-247.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ("SD", "PR", "CR")
CR_CAPABLE = 0.35  # responders who may reach complete (viable-tumour) response under mRECIST
FIRST_SCAN_PR = 0.75  # responders already in partial response at the first scan
RECIST_DOWNGRADE = 0.35  # responders whose RECIST 1.1 response is one level lower throughout
RECIST_CR_AS_PR = 0.70  # mRECIST CR that is only a partial response by RECIST 1.1
LIVER_TARGETS = ("liver", "pvtt")


def _responders(rng: np.random.Generator, outcome: pd.DataFrame, eligible, targets) -> np.ndarray:
    """Boolean mask: the eligible responders (fixed count), and excluded ones at random."""
    scanned = outcome["n_regular_scans"].to_numpy() > 0
    pool = np.flatnonzero(eligible & scanned)
    if pool.size < targets.n_responders:
        raise RuntimeError(f"only {pool.size} eligible patients have a scan before progression")
    rank = outcome["pfs_days"].to_numpy()[pool].argsort().argsort()
    weight = 1.0 + 2.0 * rank / pool.size
    chosen = rng.choice(pool, size=targets.n_responders, replace=False, p=weight / weight.sum())
    responder = np.zeros(len(outcome), dtype=bool)
    responder[chosen] = True
    others = np.flatnonzero(~eligible & scanned)
    responder[others] = rng.random(others.size) < 0.6
    return responder


def _mrecist_sequence(rng: np.random.Generator, n_scans: int, responder: bool) -> list[str]:
    """Time-point responses at the scheduled scans before progression."""
    if not responder:
        return ["SD"] * n_scans
    can_cr = rng.random() < CR_CAPABLE
    level = 1 if (n_scans == 1 or rng.random() < FIRST_SCAN_PR) else 0
    sequence = []
    for k in range(n_scans):
        if k > 0:
            if level == 0:
                level = 1
            elif level == 1 and can_cr and rng.random() < 0.45:
                level = 2
        sequence.append(LEVELS[level])
    return sequence


def _recist(response: str, downgrade: bool, cr_as_pr: bool) -> str:
    if response == "CR" and cr_as_pr:
        response = "PR"
    if downgrade and response in ("PR", "CR"):
        return LEVELS[LEVELS.index(response) - 1]
    return response


def draw_assessments(
    rng: np.random.Generator, outcome: pd.DataFrame, scans: np.ndarray, eligible, targets
) -> pd.DataFrame:
    """Time-point responses: ``record, offset, criteria, overall_response`` (both criteria)."""
    responder = _responders(rng, outcome, eligible, targets)
    rows = []
    for k, row in enumerate(outcome.itertuples(index=False)):
        n_scans = int(row.n_regular_scans)
        mrecist = _mrecist_sequence(rng, n_scans, bool(responder[k]))
        offsets = list(scans[k, :n_scans])
        if not np.isnan(row.progression_off):
            mrecist.append("PD")
            offsets.append(int(row.progression_off))
        downgrade = rng.random() < RECIST_DOWNGRADE
        cr_as_pr = rng.random() < RECIST_CR_AS_PR
        for offset, response in zip(offsets, mrecist, strict=True):
            rows.append((k, int(offset), "mRECIST", response))
            rows.append((k, int(offset), "RECIST1.1", _recist(response, downgrade, cr_as_pr)))
    return pd.DataFrame(rows, columns=["record", "offset", "criteria", "overall_response"])


def draw_progression_events(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    outcome: pd.DataFrame,
    courses: pd.DataFrame,
    eligible,
    targets,
) -> pd.DataFrame:
    """Site of each progression: ``record, offset, site``; one eligible in-field progression."""
    progressed = outcome["progression_off"].notna().to_numpy()
    liver_rt = courses.loc[courses["target"].isin(LIVER_TARGETS), "record"].unique()
    pool = np.flatnonzero(eligible & progressed & np.isin(np.arange(len(frame)), liver_rt))
    in_field = set(rng.choice(pool, size=targets.n_in_field, replace=False).tolist())
    extrahepatic = frame["extrahepatic_metastasis"].to_numpy()
    rows = []
    for k in np.flatnonzero(progressed):
        offset = int(outcome["progression_off"].iat[k])
        if k in in_field:
            rows.append((k, offset, "in_field"))
            continue
        p_extra = 0.6 if extrahepatic[k] else 0.3
        site = "extrahepatic" if rng.random() < p_extra else "intrahepatic_out_of_field"
        rows.append((k, offset, site))
        if rng.random() < 0.1:
            other = "intrahepatic_out_of_field" if site == "extrahepatic" else "extrahepatic"
            rows.append((k, offset, other))
    return pd.DataFrame(rows, columns=["record", "offset", "site"])
