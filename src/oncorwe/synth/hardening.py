"""Hardening: make the seed twin's published medians robust to one patient more or less.

A Kaplan-Meier median is the time of one event. If the events just before and after it lie
outside the band of days that rounds to the published value, then one patient more or less (a
different exclusion, a date read differently) moves the published value. Hardening moves, one at
a time, the median event to its aim and the neighbouring events into the band, each move being a
pinned date of one eligible patient (a death, a last contact or a progression), until no single
patient's removal moves any of the three medians out of its band. A move is kept only if all
three medians stay in their bands and none sits on an exact S(t) = 0.5.

References
----------
.. [1] Efron B. The jackknife, the bootstrap and other resampling plans. SIAM; 1982
   (leave-one-out sensitivity).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from oncorwe.synth.survival import Latent, Parameters, km_median, medians, realise

# metric: (time column, event column, reverse KM, kind of pin that moves its events)
METRICS = {
    "os": ("os_days", "dead", False, "death"),
    "follow_up": ("os_days", "dead", True, "contact"),
    "pfs": ("pfs_days", "pfs_event", False, "progression"),
}
MAX_MOVES = 10  # per metric
EARLIER = 0.6  # a neighbouring event moved out of the way goes to 60 % of the median
NEIGHBOURS = 4  # events below / above the median that may be moved into the band


def exact_half(value: tuple[float, float]) -> bool:
    """S(t) is exactly 0.5 at the median (R then reports a midpoint: fragile)."""
    return abs(value[1] - 0.5) < 1e-9


def _series(outcome: pd.DataFrame, eligible: np.ndarray, key: str):
    time_column, event_column, reverse, _ = METRICS[key]
    o = outcome.loc[eligible]
    event = o[event_column].to_numpy(dtype=bool)
    return o[time_column].to_numpy(dtype=float), ~event if reverse else event


def leave_one_out_breaks(time: np.ndarray, event: np.ndarray, band: tuple[int, int]) -> int:
    """Number of patients whose removal moves the KM median out of ``band`` (or onto 0.5)."""
    breaks = 0
    for i in range(time.size):
        keep = np.arange(time.size) != i
        value = km_median(time[keep], event[keep])
        breaks += not band[0] <= value[0] <= band[1] or exact_half(value)
    return breaks


def _bands(targets) -> dict:
    return {
        "os": targets.os_days,
        "follow_up": targets.follow_up_days,
        "pfs": targets.pfs_days_wide,
    }


def _aims(targets) -> dict:
    return {
        "os": (targets.os_aim, targets.os_aim),
        "follow_up": (targets.follow_up_aim, targets.follow_up_aim),
        "pfs": targets.pfs_days,
    }


def _score(outcome, eligible, key: str, targets) -> tuple[int, float] | None:
    """(leave-one-out breaks, days from the aim) of one metric; None if any median is off."""
    m = medians(outcome, eligible)
    bands = _bands(targets)
    if any(not bands[k][0] <= m[k][0] <= bands[k][1] or exact_half(m[k]) for k in bands):
        return None
    time, event = _series(outcome, eligible, key)
    low, high = _aims(targets)[key]
    distance = max(low - m[key][0], m[key][0] - high, 0.0)
    return leave_one_out_breaks(time, event, bands[key]), distance


def _movable(outcome: pd.DataFrame, latent: Latent, kind: str):
    """Per record: can its event of this kind be moved, and the earliest / latest day allowed."""
    os_days = outcome["os_days"].to_numpy()
    dead = outcome["dead"].to_numpy()
    potential = outcome["potential"].to_numpy()
    if kind == "death":
        return dead, latent.min_days, potential
    if kind == "contact":
        return ~dead, latent.min_days, potential
    progressed = outcome["progression_off"].notna().to_numpy()
    return progressed, latent.min_progression, os_days - np.where(dead, 14, 7)


def _candidates(outcome, latent, eligible, key: str, targets) -> tuple[list, list]:
    """Pins worth trying: (moves into the band: the median event to its aim, the nearest events
    below / above into the band; moves out of the way: the nearest events below, well before)."""
    time_column, _, _, kind = METRICS[key]
    time, event = _series(outcome, eligible, key)
    median = km_median(time, event)[0]
    band, (aim_low, aim_high) = _bands(targets)[key], _aims(targets)[key]
    movable, earliest, latest = _movable(outcome, latent, kind)
    records = np.flatnonzero(eligible & movable)
    time_of = outcome[time_column].to_numpy()
    times = time_of[records]
    into, away = [], []
    for record in records[times == median]:
        into += [(record, day) for day in range(aim_low, aim_high + 1)]
    below, above = records[times < median], records[times > median]
    # a contact moved out of the way stays beyond the OS band, leaving OS undisturbed
    floor = targets.os_days[1] + 1 if kind == "contact" else 0
    for record in below[np.argsort(-time_of[below], kind="stable")][:NEIGHBOURS]:
        into += [(record, day) for day in range(band[0], band[1] + 1)]
        away.append((record, max(int(earliest[record]), int(median * EARLIER), floor)))
    for record in above[np.argsort(time_of[above], kind="stable")][:NEIGHBOURS]:
        into += [(record, day) for day in range(band[0], band[1] + 1)]

    def valid(pairs):
        return [(kind, int(r), int(d)) for r, d in pairs if earliest[r] <= d <= latest[r]]

    return valid(into), valid(away)


def _best_move(latent, index_day, eligible, params, outcome, score, targets, key, done):
    """The single pin that lowers the metric's score most, keeping the ``done`` metrics' scores
    (metric -> accepted score) from worsening; None if no pin lowers it."""
    best = None
    into, away = _candidates(outcome, latent, eligible, key, targets)
    for pin in into + away:
        trial = replace(params, pins=params.pins + (pin,))
        trial_outcome = realise(latent, index_day, trial)
        trial_score = _score(trial_outcome, eligible, key, targets)
        if trial_score is None or trial_score >= score or (best and trial_score >= best[0]):
            continue
        kept = (_score(trial_outcome, eligible, k, targets) for k in done)
        if any(s is None or s > done[k] for s, k in zip(kept, done, strict=True)):
            continue
        best = (trial_score, trial, trial_outcome)
    return best


def _harden_metric(latent, index_day, eligible, params, targets, key, done) -> Parameters | None:
    """Move events of one metric until it is robust and at its aim, else as close as allowed.

    When no single move helps, a move out of the way (which alone may not help) is tried
    together with the best next move.
    """
    outcome = realise(latent, index_day, params)
    score = _score(outcome, eligible, key, targets)
    for _ in range(MAX_MOVES):
        if score is None or score == (0, 0.0):
            break
        args = (eligible, params, outcome, score, targets, key, done)
        best = _best_move(latent, index_day, *args)
        if best is None:
            for pin in _candidates(outcome, latent, eligible, key, targets)[1]:
                first = replace(params, pins=params.pins + (pin,))
                first_outcome = realise(latent, index_day, first)
                args = (eligible, first, first_outcome, score, targets, key, done)
                pair = _best_move(latent, index_day, *args)
                if pair is not None and (best is None or pair[0] < best[0]):
                    best = pair
        if best is None:
            break
        score, params, outcome = best
    # robust, and PFS inside 383-384 days: 382 (12.550 months) would sit on the rounding edge
    if score is not None and score[0] == 0 and (key != "pfs" or score[1] == 0):
        return params, score
    return None


def harden(latent, index_day, eligible, params: Parameters, targets) -> Parameters | None:
    """Make OS, follow-up and PFS medians robust, in that order (later moves cannot disturb
    earlier metrics: a last contact beyond the OS band leaves OS unchanged, a progression
    leaves OS and follow-up unchanged). None when it cannot."""
    done: dict[str, tuple[int, float]] = {}
    for key in ("os", "follow_up", "pfs"):
        result = _harden_metric(latent, index_day, eligible, params, targets, key, done)
        if result is None:
            return None
        params, done[key] = result
    return params
