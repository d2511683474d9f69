"""Calibration of the seed twin's survival: data cut-off and time scales that hit the medians.

The targets are the reference study's Kaplan-Meier medians (OS 17.0, PFS 12.6, reverse-KM
follow-up 18.8 months), as bands of days that round to them (``targets``). The search is
deterministic: cut-off dates in a fixed order, bisection on the time scales, a fixed grid for the
last-contact lag; when a median jumps over its band (few events near the median) one patient's
date is pinned inside it. ``oncorwe.synth.hardening`` then makes the medians robust.

References
----------
.. [1] Therneau TM. A package for survival analysis in R (``survival``): ``quantile.survfit``
   (median = smallest time with S(t) <= 0.5, midpoint on an exact 0.5).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from oncorwe.synth.hardening import exact_half, harden
from oncorwe.synth.survival import Latent, Parameters, medians, realise

BISECTION_STEPS = 40
LAG_GRID = [float(x) for x in np.round(np.geomspace(0.05, 6.0, 41), 4)]
CUTOFF_SEARCH_DAYS = 240


def _bisect(median_at, low: float, high: float, aim: int, band: tuple[int, int]) -> float | None:
    """Bisect (geometrically) for a parameter whose KM median is ``aim``, else inside ``band``.

    ``median_at(x)`` returns ``(median, surv)`` and grows (in steps) from ``low`` to ``high``.
    Returns None when the median jumps over the band; the parameter is then close to ``high``'s
    final value, where the median is just above the band.
    """
    best = None
    for _ in range(BISECTION_STEPS):
        middle = float(np.sqrt(low * high))
        value = median_at(middle)
        if not exact_half(value):
            if value[0] == aim:
                return middle
            if best is None and band[0] <= value[0] <= band[1]:
                best = middle
        if value[0] < aim:
            low = middle
        else:
            high = middle
    return best


def _closest(grid: list[tuple[float, dict]], aims: dict, bands: dict) -> float | None:
    """The grid parameter whose medians are all at their aims (else inside their bands), taking
    the one nearest the grid's middle."""
    middle = len(grid) // 2

    def fits(m: dict, exact: bool) -> bool:
        return all(
            (m[k][0] == aims[k] if exact else bands[k][0] <= m[k][0] <= bands[k][1])
            and not exact_half(m[k])
            for k in aims
        )

    for exact in (True, False):
        ranked = sorted(range(len(grid)), key=lambda j: abs(j - middle))
        for j in ranked:
            if fits(grid[j][1], exact):
                return grid[j][0]
    return None


def _pin_contact(latent, index_day, eligible, params, grid, bands) -> Parameters | None:
    """When the follow-up median jumps over its band, move one later last contact into it.

    Takes the lag scale whose follow-up median is nearest above the band (OS on target there),
    and gives one alive patient followed beyond the band an earlier last contact inside it (an
    extra reverse-KM "event" there). The OS median, below the band, does not change.
    """
    band = bands["follow_up"]
    above = [
        (m["follow_up"][0], x)
        for x, m in grid
        if m["follow_up"][0] > band[1] and bands["os"][0] <= m["os"][0] <= bands["os"][1]
    ]
    for _, lag in sorted(above)[:3]:
        base = replace(params, contact_lag_scale=lag)
        outcome = realise(latent, index_day, base)
        os_days = outcome["os_days"].to_numpy()
        later = eligible & ~outcome["dead"].to_numpy() & (os_days > band[1])
        candidates = np.flatnonzero(later & (latent.min_days <= band[0]))
        for record in candidates[np.argsort(os_days[candidates], kind="stable")]:
            for day in range(band[0], band[1] + 1):
                trial = replace(base, pins=base.pins + (("contact", int(record), day),))
                m = medians(realise(latent, index_day, trial), eligible)
                if all(
                    bands[k][0] <= m[k][0] <= bands[k][1] and not exact_half(m[k])
                    for k in ("os", "follow_up")
                ):
                    return trial
    return None


def _pin_progression(latent, index_day, eligible, params: Parameters, band) -> Parameters | None:
    """When the PFS median jumps over its band, move one later progression into the band.

    At the smallest progression scale whose median lies above the band, S(t) is still above 0.5
    inside the band; one more event there (a patient who progressed later progresses earlier
    instead) takes S(t) to 0.5 or below. OS and follow-up do not change. The patient moved is
    the eligible one whose progression is nearest above the band and who is still followed.
    """
    low, high = params.progression_scale_days / 4, params.progression_scale_days * 4
    for _ in range(BISECTION_STEPS):  # smallest scale with the median above the band
        middle = float(np.sqrt(low * high))
        trial = replace(params, progression_scale_days=middle)
        median = medians(realise(latent, index_day, trial), eligible)["pfs"][0]
        low, high = (middle, high) if median < band[0] else (low, middle)
    params = replace(params, progression_scale_days=high)
    outcome = realise(latent, index_day, params)
    later = outcome["progression_off"].to_numpy() > band[1]
    followed = outcome["os_days"].to_numpy() - 14 > band[1]
    candidates = np.flatnonzero(eligible & later & followed & (latent.min_progression <= band[0]))
    order = candidates[np.argsort(outcome["progression_off"].to_numpy()[candidates], kind="stable")]
    for record in order:
        for day in range(band[0], band[1] + 1):
            trial = replace(params, pins=params.pins + (("progression", int(record), day),))
            value = medians(realise(latent, index_day, trial), eligible)["pfs"]
            if band[0] <= value[0] <= band[1] and not exact_half(value):
                return trial
    return None


def _solve(latent, index_day, eligible, targets, cutoff: int) -> Parameters | None:
    """Parameters for one cut-off date, or None when the medians cannot all be met there."""
    params = Parameters(targets.os_aim, targets.pfs_aim, cutoff)
    bands = {
        "os": targets.os_days,
        "follow_up": targets.follow_up_days,
        "pfs": targets.pfs_days_wide,
    }

    def median_of(key: str, **change) -> tuple[float, float]:
        outcome = realise(latent, index_day, replace(params, **change))
        return medians(outcome, eligible)[key]

    # step 2
    aim = targets.os_aim
    death = _bisect(
        lambda x: median_of("os", death_scale_days=x), aim / 4, aim * 4, aim, bands["os"]
    )
    if death is None:
        return None
    params = replace(params, death_scale_days=death)
    # step 3 (a grid: the follow-up median is not monotone in the lag scale)
    grid = [
        (
            float(x),
            medians(realise(latent, index_day, replace(params, contact_lag_scale=x)), eligible),
        )
        for x in LAG_GRID
    ]
    aims = {"os": targets.os_aim, "follow_up": targets.follow_up_aim}
    lag = _closest(grid, aims, {k: bands[k] for k in aims})
    if lag is None:
        params = _pin_contact(latent, index_day, eligible, params, grid, bands)
        if params is None:
            return None
    else:
        params = replace(params, contact_lag_scale=lag)
    # step 4
    aim = targets.pfs_aim
    progression = _bisect(
        lambda x: median_of("pfs", progression_scale_days=x), aim / 4, aim * 4, aim, bands["pfs"]
    )
    if progression is None:
        params = _pin_progression(latent, index_day, eligible, params, bands["pfs"])
        if params is None:
            return None
    else:
        params = replace(params, progression_scale_days=progression)
    # step 5
    m = medians(realise(latent, index_day, params), eligible)
    ok = all(bands[k][0] <= m[k][0] <= bands[k][1] and not exact_half(m[k]) for k in bands)
    return params if ok else None


def calibrate(
    latent: Latent, index_day: np.ndarray, eligible: np.ndarray, targets, first_cutoff_day: int
) -> tuple[Parameters, pd.DataFrame]:
    """Find parameters whose eligible-patient KM medians hit the targets, robustly.

    Steps
    -----
    1. Try data cut-off dates (no earlier than the shortest allowed follow-up of every record) in
       order of distance from ``first_cutoff_day``.
    2. Bisect the death-time scale until the median OS is in its band.
    3. Search a grid of last-contact lag scales for the reverse-KM follow-up median (the OS
       median, whose censoring times move with it, must stay in its band).
    4. Bisect the progression-time scale until the median PFS is in its band.
    5. Harden: move the median to its aim and its neighbouring event times into the band, so
       that no single patient more or less changes a published value; keep the first cut-off
       where this succeeds.
    """
    # step 1
    offsets = sorted(range(-CUTOFF_SEARCH_DAYS, CUTOFF_SEARCH_DAYS + 1), key=lambda d: (abs(d), d))
    # nobody's last contact may fall after the cut-off, not even the shortest allowed follow-up
    earliest = int(np.max(index_day + latent.min_days))
    for offset in (d for d in offsets if first_cutoff_day + d >= earliest):
        # steps 2-4
        params = _solve(latent, index_day, eligible, targets, first_cutoff_day + offset)
        if params is None:
            continue
        # step 5
        hardened = harden(latent, index_day, eligible, params, targets)
        if hardened is not None:
            return hardened, realise(latent, index_day, hardened)
    raise RuntimeError("seed twin calibration found no cut-off that meets every target")
