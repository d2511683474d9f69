"""Survival of the seed twin: death, progression, last contact and the scan schedule.

Each patient has latent times drawn once from the seed: a death time (Weibull, shape 1.3, with a
prognostic index from ECOG, Child-Pugh B7, AFP > 400 ng/mL, extrahepatic spread and main-trunk
PVTT) and a progression time (a random fraction of the death time, so that progression usually
precedes death and some patients die without progression). What is observed follows from three
parameters: the scale of the death times, the scale of the progression times and the data
cut-off date. ``calibrate`` searches these so that the protocol's Kaplan-Meier medians hit their
targets (OS 17.0, PFS 12.6 and reverse-KM follow-up 18.8 months).

Observation rules (those of the protocol, see ``SEED_STUDY.md``): OS ends at death or last contact;
progression is documented at a scan (``PD``) on the progression date; scans are every 8-12 weeks
(first at 6-9 weeks) until progression, death or last contact; PFS is censored at the last scan
when neither progression nor death is observed.

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat
   Assoc. 1958;53:457-481.
.. [2] Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. Control
   Clin Trials. 1996;17:343-346 (reverse Kaplan-Meier).
.. [3] Bender R, Augustin T, Blettner M. Generating survival times to simulate Cox proportional
   hazards models. Stat Med. 2005;24:1713-1723.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

WEIBULL_SHAPE = 1.3
N_SCANS = 40  # latent schedule long enough for the longest follow-up
LOST_TO_FOLLOW_UP = 0.07
DEATH_WITHOUT_PROGRESSION = 0.06
MIN_DAYS_AFTER_LAST_START = 30  # nobody dies within a month of their last treatment start
PD_SCAN_GAP = 21  # a scheduled scan closer than this to progression is not done
BISECTION_STEPS = 40
LAG_GRID = [float(x) for x in np.round(np.geomspace(0.05, 6.0, 41), 4)]
CONTACT_LAG_DAYS = 30  # maximum gap between last contact and cut-off at lag scale 1
CUTOFF_SEARCH_DAYS = 240


@dataclass(frozen=True)
class Latent:
    """Draws that do not depend on the calibrated parameters (one entry per record)."""

    death: np.ndarray  # relative death time (median 1 over eligible records)
    progression: np.ndarray  # relative progression time
    lag: np.ndarray  # relative gap from last contact to the data cut-off for those alive
    lost_fraction: np.ndarray  # share of potential follow-up seen; 1 = not lost
    scans: np.ndarray  # (n, N_SCANS) day offsets of scheduled scans
    min_days: np.ndarray  # earliest death / last contact
    min_progression: np.ndarray  # earliest progression


@dataclass(frozen=True)
class Parameters:
    """The three calibrated quantities."""

    death_scale_days: float
    progression_scale_days: float
    cutoff_day: int  # day number of the data cut-off
    contact_lag_scale: float = 1.0  # multiplies each patient's last-contact lag
    pinned_progression: tuple[int, int] | None = None  # (record, day) set by hand, if needed
    pinned_contact: tuple[int, int] | None = None  # (record, day): an earlier last contact


def km_median(time: np.ndarray, event: np.ndarray) -> tuple[float, float]:
    """Kaplan-Meier median as R's ``survival`` reports it, and S(t) at that time.

    The median is the smallest event time with S(t) <= 0.5; when S(t) equals 0.5 exactly on a
    flat stretch, the midpoint to the next event time. A calibration aid only; the analysis
    uses ``oncorwe.stats``.

    Returns
    -------
    (median, surv) : ``(nan, nan)`` when S never reaches 0.5.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    times = np.unique(time[event])
    n_risk = (time[None, :] >= times[:, None]).sum(axis=1)
    n_event = (event[None, :] & (time[None, :] == times[:, None])).sum(axis=1)
    surv = np.cumprod(1.0 - n_event / n_risk)
    below = np.flatnonzero(surv <= 0.5 + 1e-12)
    if below.size == 0:
        return float("nan"), float("nan")
    k = below[0]
    if abs(surv[k] - 0.5) < 1e-12 and k + 1 < times.size:
        return float((times[k] + times[k + 1]) / 2), float(surv[k])
    return float(times[k]), float(surv[k])


def draw_latent(
    rng: np.random.Generator, frame: pd.DataFrame, plan: pd.DataFrame, courses: pd.DataFrame
) -> Latent:
    """Draw the parameter-free part of every record's outcome."""
    n = len(frame)
    risk = (
        0.30 * frame["ecog"].to_numpy()
        + 0.45 * (frame["child_pugh_score"].to_numpy() >= 7)
        + 0.25 * (frame["afp_ng_ml"].to_numpy() > 400)
        + 0.20 * frame["extrahepatic_metastasis"].to_numpy()
        + 0.25 * np.isin(frame["pvtt"].to_numpy(), ["Vp4", "III", "IV"])
    )
    weibull = (-np.log(rng.random(n))) ** (1.0 / WEIBULL_SHAPE)
    death = weibull * np.exp(-risk / WEIBULL_SHAPE)
    eligible = frame["group"].to_numpy() == "eligible"
    death = death / np.median(death[eligible])
    # progression at a fraction of the death time; some die without documented progression
    share = np.exp(rng.normal(np.log(0.70), 0.18, n)).clip(0.2, 1.0)
    share = np.where(rng.random(n) < DEATH_WITHOUT_PROGRESSION, 1.6, share)
    progression = death * share
    lag = rng.uniform(0.0, 1.0, n)
    lost = rng.random(n) < LOST_TO_FOLLOW_UP
    lost_fraction = np.where(lost, rng.uniform(0.3, 0.85, n), 1.0)
    gaps = np.column_stack([rng.integers(42, 64, n), rng.integers(56, 85, (n, N_SCANS - 1))])
    scans = np.cumsum(gaps, axis=1)
    rt_end = courses.groupby("record")["end_off"].max().reindex(range(n)).to_numpy()
    last_start = np.maximum(plan["last_start_off"].to_numpy(), rt_end)
    min_days = np.maximum(60, last_start + MIN_DAYS_AFTER_LAST_START)
    min_progression = np.maximum(35, last_start + 14)
    return Latent(death, progression, lag, lost_fraction, scans, min_days, min_progression)


def realise(latent: Latent, index_day: np.ndarray, params: Parameters) -> pd.DataFrame:
    """Observed outcome of every record under ``params``.

    Returns one row per record: ``os_days, dead, progression_off`` (NaN if none),
    ``n_regular_scans`` (scheduled scans done before progression / end of follow-up),
    ``pfs_days, pfs_event``.
    """
    potential = np.floor((params.cutoff_day - index_day) * latent.lost_fraction).astype(int)
    potential = np.maximum(potential, latent.min_days)
    death = np.maximum(np.round(params.death_scale_days * latent.death), latent.min_days)
    dead = death <= potential
    # alive: last contact some days before the cut-off (a death after it is not yet known)
    contact = potential - np.round(params.contact_lag_scale * CONTACT_LAG_DAYS * latent.lag)
    os_days = np.where(dead, death, np.maximum(contact, latent.min_days)).astype(int)
    if params.pinned_contact is not None:
        record, day = params.pinned_contact
        os_days[record] = day
    progression = np.maximum(
        np.round(params.progression_scale_days * latent.progression), latent.min_progression
    )
    if params.pinned_progression is not None:
        record, day = params.pinned_progression
        progression[record] = day
    progressed = progression <= os_days - np.where(dead, 14, 7)
    progression_off = np.where(progressed, progression, np.nan)
    # scans strictly before death (5 days) or on/before last contact, and not too close to PD
    scan_limit = np.where(dead, os_days - 5, os_days)
    scan_limit = np.where(progressed, np.minimum(scan_limit, progression - PD_SCAN_GAP), scan_limit)
    n_regular = (latent.scans <= scan_limit[:, None]).sum(axis=1)
    last_scan = np.where(
        n_regular > 0, latent.scans[np.arange(len(os_days)), np.maximum(n_regular - 1, 0)], 0
    )
    pfs_event = progressed | dead
    pfs_days = np.where(progressed, progression, np.where(dead, os_days, last_scan))
    return pd.DataFrame(
        {
            "os_days": os_days,
            "dead": dead,
            "progression_off": progression_off,
            "n_regular_scans": n_regular,
            "pfs_days": pfs_days.astype(int),
            "pfs_event": pfs_event,
        }
    )


def medians(outcome: pd.DataFrame, eligible: np.ndarray) -> dict[str, tuple[float, float]]:
    """KM medians (days) and S at the median: OS, PFS and reverse-KM follow-up, eligible only."""
    o = outcome.loc[eligible]
    return {
        "os": km_median(o["os_days"], o["dead"]),
        "pfs": km_median(o["pfs_days"], o["pfs_event"]),
        "follow_up": km_median(o["os_days"], ~o["dead"]),
    }


def _exact_half(value: tuple[float, float]) -> bool:
    return abs(value[1] - 0.5) < 1e-9


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
        if not _exact_half(value):
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
            and not _exact_half(m[k])
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
                trial = replace(base, pinned_contact=(int(record), day))
                m = medians(realise(latent, index_day, trial), eligible)
                if all(
                    bands[k][0] <= m[k][0] <= bands[k][1] and not _exact_half(m[k])
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
            trial = replace(params, pinned_progression=(int(record), day))
            value = medians(realise(latent, index_day, trial), eligible)["pfs"]
            if band[0] <= value[0] <= band[1] and not _exact_half(value):
                return trial
    return None


def _solve(latent, index_day, eligible, targets, cutoff: int, strict: bool) -> Parameters | None:
    """Parameters for one cut-off date, or None when the medians cannot all be met there."""
    params = Parameters(targets.os_aim, targets.pfs_aim, cutoff)
    bands = {
        "os": (targets.os_aim,) * 2 if strict else targets.os_days,
        "follow_up": (targets.follow_up_aim,) * 2 if strict else targets.follow_up_days,
        "pfs": targets.pfs_days if strict else targets.pfs_days_wide,
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
    ok = all(bands[k][0] <= m[k][0] <= bands[k][1] and not _exact_half(m[k]) for k in bands)
    return params if ok else None


def calibrate(
    latent: Latent, index_day: np.ndarray, eligible: np.ndarray, targets, first_cutoff_day: int
) -> tuple[Parameters, pd.DataFrame]:
    """Find parameters whose eligible-patient KM medians hit the targets.

    Steps
    -----
    1. Try data cut-off dates in order of distance from ``first_cutoff_day``: first asking for
       OS and follow-up medians exactly at their aims, then anywhere inside their bands.
    2. Bisect the death-time scale until the median OS is at its aim.
    3. Search a grid of last-contact lag scales for the reverse-KM follow-up median (the OS
       median, whose censoring times move with it, must stay on target).
    4. Bisect the progression-time scale until the median PFS is in its band.
    5. Keep the first solution where every median is in its band and none sits on an exact
       S(t) = 0.5 (a fragile midpoint).
    """
    # step 1
    offsets = sorted(range(-CUTOFF_SEARCH_DAYS, CUTOFF_SEARCH_DAYS + 1), key=lambda d: (abs(d), d))
    for strict in (True, False):
        for offset in offsets:
            params = _solve(latent, index_day, eligible, targets, first_cutoff_day + offset, strict)
            if params is not None:
                return params, realise(latent, index_day, params)
    raise RuntimeError("seed twin calibration found no cut-off that meets every target")
