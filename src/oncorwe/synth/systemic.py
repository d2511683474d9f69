"""Systemic therapy rows of the seed twin, once the outcome of each patient is known.

An ICI is given every 3 weeks until progression, limiting toxicity, patient choice, death or two
years (35 cycles); a treatment still running at last contact has no end date (``ongoing``). A TKI
or bevacizumab partner runs beside it; some patients take a second-line TKI after progression.

References
----------
.. [1] Finn RS, et al. Atezolizumab plus bevacizumab in unresectable hepatocellular carcinoma.
   N Engl J Med. 2020;382:1894-1905 (every-3-week dosing until progression or toxicity).
.. [2] Ren Z, et al. Sintilimab plus a bevacizumab biosimilar versus sorafenib (ORIENT-32).
   Lancet Oncol. 2021;22:977-990.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.synth.treatment import ICI_CYCLE_DAYS, ICI_MAX_CYCLES

PARTNER_TOXICITY_STOP = 0.2  # TKI / bevacizumab stopped early for toxicity
SECOND_LINE = 0.3  # progressing patients who start a second-line TKI
SECOND_LINE_AGENTS = ("regorafenib", "apatinib", "lenvatinib")
COLUMNS = ["record", "agent", "drug_class", "start_off", "end_off", "cycles", "stop_reason"]


def _stop(start: int, fixed_end: float, fixed_reason: str, row) -> tuple[float, str]:
    """Bound of the last dose and why treatment stopped (``ongoing``: bound is last contact)."""
    candidates = [(start + ICI_CYCLE_DAYS * (ICI_MAX_CYCLES - 1), "completed")]
    if not np.isnan(row.progression_off):
        candidates.append((row.progression_off, "progression"))
    if row.dead:
        candidates.append((row.os_days - 7, "death"))
    if not np.isnan(fixed_end):
        candidates.append((fixed_end, fixed_reason))
    bound, reason = min(candidates)
    if bound > row.os_days:
        return float(row.os_days), "ongoing"
    return float(bound), reason


def _every_three_weeks(start: int, bound: float) -> tuple[int, int]:
    """Last dose on or before ``bound`` and the number of doses given."""
    cycles = int((bound - start) // ICI_CYCLE_DAYS) + 1
    return start + ICI_CYCLE_DAYS * (cycles - 1), cycles


def _patient_rows(rng: np.random.Generator, k: int, plan_row, row) -> list[tuple]:
    rows = []
    ici_end = None
    if plan_row.ici_agent:
        start = int(plan_row.ici_start_off)
        bound, reason = _stop(start, plan_row.ici_fixed_end_off, plan_row.ici_fixed_reason, row)
        last, cycles = _every_three_weeks(start, bound)
        ici_end = None if reason == "ongoing" else last
        rows.append((k, plan_row.ici_agent, plan_row.ici_class, start, ici_end, cycles, reason))
    if plan_row.partner_agent:
        start = int(plan_row.partner_start_off)
        if rows:
            end, reason = rows[0][4], rows[0][6]
        else:
            bound, reason = _stop(start, np.nan, "", row)
            end = None if reason == "ongoing" else int(bound)
        limit = row.os_days if end is None else end
        early = start + int(rng.integers(45, 200))
        if rng.random() < PARTNER_TOXICITY_STOP and early < limit:
            end, reason = early, "toxicity"
        cycles = None
        if plan_row.partner_class == "anti_vegf":
            cycles = _every_three_weeks(start, row.os_days if end is None else end)[1]
        rows.append((k, plan_row.partner_agent, plan_row.partner_class, start, end, cycles, reason))
    if not np.isnan(row.progression_off) and rng.random() < SECOND_LINE:
        start = int(row.progression_off + rng.integers(7, 29))
        stop = start + int(rng.integers(60, 300))
        limit = row.os_days - 7 if row.dead else row.os_days
        if start < limit:
            agent = SECOND_LINE_AGENTS[int(rng.integers(len(SECOND_LINE_AGENTS)))]
            if stop <= limit:
                rows.append((k, agent, "tki", start, stop, None, "progression"))
            elif row.dead:
                rows.append((k, agent, "tki", start, limit, None, "death"))
            else:
                rows.append((k, agent, "tki", start, None, None, "ongoing"))
    return rows


def derive_systemic_rows(
    rng: np.random.Generator, plan: pd.DataFrame, outcome: pd.DataFrame
) -> pd.DataFrame:
    """One row per agent per line: ``record, agent, drug_class, start_off, end_off`` (NaN =
    ongoing), ``cycles`` (NaN for oral TKIs), ``stop_reason``."""
    rows = []
    for k, (plan_row, row) in enumerate(
        zip(plan.itertuples(index=False), outcome.itertuples(index=False), strict=True)
    ):
        rows += _patient_rows(rng, k, plan_row, row)
    return pd.DataFrame(rows, columns=COLUMNS)
