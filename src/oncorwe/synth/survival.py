"""Survival of the seed twin: death, progression, last contact and the scan schedule.

Each patient has latent times drawn once from the seed: a death time (Weibull, shape 1.3, with a
prognostic index from ECOG, Child-Pugh B7, AFP > 400 ng/mL, extrahepatic spread and main-trunk
PVTT) and a progression time (a random fraction of the death time, so that progression usually
precedes death and some patients die without progression). What is observed follows from three
parameters: the scale of the death times, the scale of the progression times and the data
cut-off date (plus a last-contact lag scale and a few pinned dates). ``oncorwe.synth.calibration``
searches these so that the protocol's Kaplan-Meier medians hit their targets (OS 17.0, PFS 12.6
and reverse-KM follow-up 18.8 months).

Observation rules (those of the protocol, see ``docs/references/reference_study.md``): OS ends at
death or last contact; progression is documented at a scan (``PD``) on the progression date; scans
are every 8-12 weeks (first at 6-9 weeks) until progression, death or last contact; PFS is censored
at the last scan when neither progression nor death is observed.

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

from dataclasses import dataclass

import numpy as np
import pandas as pd

WEIBULL_SHAPE = 1.3
N_SCANS = 40  # latent schedule long enough for the longest follow-up
LOST_TO_FOLLOW_UP = 0.07
DEATH_WITHOUT_PROGRESSION = 0.06
MIN_DAYS_AFTER_LAST_START = 30  # nobody dies within a month of their last treatment start
PD_SCAN_GAP = 21  # a scheduled scan closer than this to progression is not done
PIN_KINDS = ("death", "contact", "progression")
CONTACT_LAG_DAYS = 30  # maximum gap between last contact and cut-off at lag scale 1


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
    # (kind, record, day) set by hand: kind "death", "contact" (last contact of someone alive)
    # or "progression"; see ``oncorwe.synth.hardening``
    pins: tuple[tuple[str, int, int], ...] = ()


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
    ``pfs_days, pfs_event`` and ``potential`` (the longest follow-up the cut-off allows).
    """
    potential = np.floor((params.cutoff_day - index_day) * latent.lost_fraction).astype(int)
    potential = np.maximum(potential, latent.min_days)
    death = np.maximum(np.round(params.death_scale_days * latent.death), latent.min_days)
    pins = {kind: [(r, d) for k, r, d in params.pins if k == kind] for kind in PIN_KINDS}
    for record, day in pins["death"]:
        death[record] = day
    dead = death <= potential
    # alive: last contact some days before the cut-off (a death after it is not yet known)
    contact = potential - np.round(params.contact_lag_scale * CONTACT_LAG_DAYS * latent.lag)
    os_days = np.where(dead, death, np.maximum(contact, latent.min_days)).astype(int)
    for record, day in pins["contact"]:
        os_days[record] = day
    progression = np.maximum(
        np.round(params.progression_scale_days * latent.progression), latent.min_progression
    )
    for record, day in pins["progression"]:
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
            "potential": potential,
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
