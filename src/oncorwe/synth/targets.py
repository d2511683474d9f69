"""What the seed twin is calibrated to: the published numbers of the reference study.

Zhai Y, et al. Front Immunol 2025;16:1594577 (abstract; see ``docs/references/reference_study.md``).
Counts are over the 108 eligible patients; survival targets are in days (months = days / the
protocol's ``days_per_month``), chosen at the centre of the interval of days that rounds to the
published value, so that the published value does not sit on a rounding edge.

References
----------
.. [1] Zhai Y, Zhang Y, Wu F, et al. Combined radiation and immune checkpoint inhibitor therapy
   for metastatic or recurrent hepatocellular carcinoma: a real-world study of 108 patients.
   Front Immunol. 2025;16:1594577. doi:10.3389/fimmu.2025.1594577
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CalibrationTargets:
    """Published results expressed as what the generator must produce.

    Attributes
    ----------
    n_eligible : patients the protocol keeps.
    n_extrahepatic, n_pvtt : patients with extrahepatic metastasis / any PVTT.
    median_rt_dose_gy : median per-patient total physical RT dose.
    n_rt_dose_below, n_rt_dose_at : patients whose total dose is below / exactly the median (the
        rest are above); enough patients sit exactly on the median that it cannot move.
    n_responders : CR + PR (mRECIST, unconfirmed) over all eligible patients.
    os_days, pfs_days, follow_up_days : acceptable Kaplan-Meier medians in days, inclusive
        ranges whose months round (1 decimal) to 17.0, 12.6 and 18.8 (PFS: the inner two days of
        382..385, ``pfs_days_wide``, which another seed may need); the generator aims at
        ``*_aim`` first.
    n_in_field : patients with an in-field progression.
    n_grade3plus : patients with any grade >= 3 adverse event.
    n_platelet_grade3plus : patients with grade >= 3 "Platelet count decreased".
    """

    n_eligible: int = 108
    n_extrahepatic: int = 58
    n_pvtt: int = 69
    median_rt_dose_gy: float = 55.0
    n_rt_dose_below: int = 46
    n_rt_dose_at: int = 14
    n_responders: int = 81
    os_days: tuple[int, int] = (516, 518)
    os_aim: int = 517
    pfs_days: tuple[int, int] = (383, 384)
    pfs_days_wide: tuple[int, int] = (382, 385)
    pfs_aim: int = 383
    follow_up_days: tuple[int, int] = (571, 573)
    follow_up_aim: int = 572
    n_in_field: int = 1
    n_grade3plus: int = 33
    n_platelet_grade3plus: int = 19


SEED_STUDY = CalibrationTargets()

PUBLISHED = {
    "cohort.n": 108,
    "cohort.extrahepatic_metastasis.pct": 53.7,
    "cohort.pvtt.pct": 63.9,
    "treatment.rt_total_dose_gy.median": 55.0,
    "response.orr.pct": 75.0,
    "survival.os.median_months": 17.0,
    "survival.pfs.median_months": 12.6,
    "survival.follow_up.median_months": 18.8,
    "local_control.in_field_recurrence.n": 1,
    "safety.grade3plus_any.pct": 30.6,
    "safety.most_common_grade3plus.pct": 17.6,
}
