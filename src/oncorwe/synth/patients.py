"""Baseline characteristics of the seed twin: who the synthetic patients are before treatment.

Every record is drawn at random, except that the numbers the reference study publishes are fixed
by construction (58 of 108 with extrahepatic metastasis, 69 with PVTT) and the values are then
assigned to random patients. The population follows what is typical of metastatic or recurrent HCC
treated in China in 2018-2021: hepatitis B dominant, Child-Pugh A mostly (some B7), BCLC C,
ECOG 0-1 and AFP often above 400 ng/mL.

References
----------
.. [1] Pugh RN, et al. Transection of the oesophagus for bleeding oesophageal varices. Br J Surg.
   1973;60:646-649 (Child-Pugh points).
.. [2] Reig M, et al. BCLC strategy for prognosis prediction and treatment recommendation: the
   2022 update. J Hepatol. 2022;76:681-693.
.. [3] Shi J, et al. A new classification for hepatocellular carcinoma with portal vein tumor
   thrombus (Cheng's classification). J Hepatobiliary Pancreat Sci. 2011;18:74-80.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.synth.targets import SEED_STUDY

# Records the protocol must exclude, so that the attrition flow is not trivial.
EXCLUDED_GROUPS = (("locally_advanced", 5), ("no_ici", 4), ("outside_window", 5))
# Combined RT + ICI was used more as PD-1 agents were approved for HCC in China (2019-2021).
ELIGIBLE_PER_YEAR = {2018: 11, 2019: 21, 2020: 34, 2021: 42}
DE_NOVO_METASTATIC = 42  # all of them have extrahepatic disease; the rest are recurrent
PVTT_WITH_EXTRAHEPATIC = 36
PVTT_SCALES = (("Vp1", 0.05), ("Vp2", 0.20), ("Vp3", 0.45), ("Vp4", 0.30))
CHENG_SHARE = 0.2  # PVTT recorded on Cheng's scale (I-IV) instead of the Japanese Vp scale
CHENG_OF_VP = {"Vp1": "I", "Vp2": "I", "Vp3": "II", "Vp4": "III"}
METASTASIS_SITES = (("lung", 0.40), ("lymph_node", 0.45), ("bone", 0.30), ("adrenal", 0.08))
ETIOLOGIES = (
    ("HBV", 0.78),
    ("HBV;alcohol", 0.07),
    ("HCV", 0.04),
    ("alcohol", 0.05),
    ("MASLD", 0.02),
    ("none", 0.04),
)
CHILD_PUGH = ((5, 0.52), (6, 0.34), (7, 0.14))


def _choice(rng: np.random.Generator, options: tuple, size: int) -> list:
    values = [o[0] for o in options]
    weights = np.array([o[1] for o in options], dtype=float)
    picked = rng.choice(len(values), size=size, p=weights / weights.sum())
    return [values[k] for k in picked]


def day_number(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date (the generator counts dates as integers)."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def _index_dates(rng: np.random.Generator, groups: list[str]) -> np.ndarray:
    """Time origin of each record (day number): eligible ones in the window, more in later years."""
    dates = np.empty(len(groups), dtype=np.int64)
    eligible_years = np.repeat(list(ELIGIBLE_PER_YEAR), list(ELIGIBLE_PER_YEAR.values()))
    years = iter(rng.permutation(eligible_years))
    outside = iter(["2017-07-01", "2017-09-15", "2017-11-20", "2022-01-10", "2022-02-14"])
    for k, group in enumerate(groups):
        if group == "outside_window":
            dates[k] = day_number(next(outside)) + rng.integers(0, 40)
        else:
            year = next(years) if group == "eligible" else int(rng.integers(2018, 2022))
            dates[k] = day_number(f"{year}-01-01") + rng.integers(0, 365)
    return dates


def _disease(rng: np.random.Generator, groups: list[str]) -> pd.DataFrame:
    """Disease setting, extrahepatic metastasis and PVTT, with the published counts fixed."""
    n = len(groups)
    eligible = np.flatnonzero(np.array(groups) == "eligible")
    setting = np.array(["recurrent"] * n, dtype=object)
    extrahepatic = np.zeros(n, dtype=bool)
    pvtt_present = np.zeros(n, dtype=bool)
    # eligible: 42 de novo metastatic (all extrahepatic) + 16 recurrent extrahepatic = 58
    order = rng.permutation(eligible)
    de_novo = order[:DE_NOVO_METASTATIC]
    extra = order[: SEED_STUDY.n_extrahepatic]
    setting[de_novo] = "de_novo_metastatic"
    extrahepatic[extra] = True
    with_extra = rng.permutation(extra)[:PVTT_WITH_EXTRAHEPATIC]
    without = rng.permutation(order[SEED_STUDY.n_extrahepatic :])
    pvtt_present[with_extra] = True
    pvtt_present[without[: SEED_STUDY.n_pvtt - PVTT_WITH_EXTRAHEPATIC]] = True
    for k, group in enumerate(groups):
        if group == "eligible":
            continue
        if group == "locally_advanced":
            setting[k] = "locally_advanced"
            pvtt_present[k] = rng.random() < 0.8
        else:
            setting[k] = "de_novo_metastatic" if rng.random() < 0.5 else "recurrent"
            extrahepatic[k] = setting[k] == "de_novo_metastatic" or rng.random() < 0.3
            pvtt_present[k] = rng.random() < 0.6
    grades = np.array(_choice(rng, PVTT_SCALES, n), dtype=object)
    cheng = rng.random(n) < CHENG_SHARE
    grades = np.where(cheng, [CHENG_OF_VP[g] for g in grades], grades)
    pvtt = np.where(pvtt_present, grades, "none")
    sites = []
    for k in range(n):
        if not extrahepatic[k]:
            sites.append("")
            continue
        chosen = [s for s, p in METASTASIS_SITES if rng.random() < p]
        if not chosen:
            chosen = [_choice(rng, METASTASIS_SITES, 1)[0]]
        if rng.random() < 0.05:
            chosen.append("peritoneum")
        sites.append(";".join(chosen))
    return pd.DataFrame(
        {
            "disease_setting": setting,
            "extrahepatic_metastasis": extrahepatic,
            "pvtt": pvtt,
            "metastasis_sites": sites,
        }
    )


def _liver_function(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Child-Pugh components that add up to the drawn score (A5, A6 or B7).

    Values stay clear of the Child-Pugh cut-offs (bilirubin 34 / 50 umol/L, albumin 35 / 28 g/L,
    INR 1.7) so that the score recomputed from the components equals ``child_pugh_score``.
    """
    score = np.array(_choice(rng, CHILD_PUGH, n))
    bilirubin = rng.uniform(7.0, 28.0, n)
    albumin = rng.uniform(36.0, 46.0, n)
    inr = rng.uniform(0.92, 1.25, n)
    ascites = np.array(["none"] * n, dtype=object)
    abnormal_options = ("albumin", "bilirubin", "ascites", "inr")
    for k in range(n):
        extra_points = score[k] - 5
        if extra_points == 0:
            continue
        weights = np.array([0.55, 0.25, 0.15, 0.05])
        picked = rng.choice(4, size=extra_points, replace=False, p=weights)
        for item in (abnormal_options[j] for j in picked):
            if item == "albumin":
                albumin[k] = rng.uniform(29.0, 34.5)
            elif item == "bilirubin":
                bilirubin[k] = rng.uniform(35.0, 48.0)
            elif item == "ascites":
                ascites[k] = "mild"
            else:
                inr[k] = rng.uniform(1.72, 1.95)
    return pd.DataFrame(
        {
            "child_pugh_score": score,
            "bilirubin_umol_l": np.round(bilirubin, 1),
            "albumin_g_l": np.round(albumin, 1),
            "inr": np.round(inr, 2),
            "ascites": ascites,
            "encephalopathy": "none",
        }
    )


def _afp(rng: np.random.Generator, n: int) -> np.ndarray:
    """AFP, ng/mL: a little over half above 400 (log-normal above and below)."""
    high = rng.random(n) < 0.55
    above = 400.0 * np.exp(rng.exponential(1.6, n))
    below = np.exp(rng.normal(np.log(35.0), 1.3, n)).clip(1.5, 395.0)
    return np.round(np.where(high, above, below), 1)


def _prior_treatments(rng: np.random.Generator, setting: np.ndarray) -> list[str]:
    out = []
    for value in setting:
        items = []
        if value == "recurrent":
            curative = _choice(
                rng, (("resection", 0.72), ("ablation", 0.22), ("transplant", 0.06)), 1
            )
            items.append(curative[0])
            if rng.random() < 0.5:
                items.append("tace")
            if rng.random() < 0.08:
                items.append("haic")
        elif rng.random() < 0.25:
            items.append("tace")
        out.append(";".join(items))
    return out


def _bclc(extrahepatic: np.ndarray, pvtt: np.ndarray, ecog: np.ndarray) -> np.ndarray:
    """BCLC 2022: C for vascular invasion, extrahepatic spread or ECOG 1-2; else B."""
    advanced = extrahepatic | (pvtt != "none") | (ecog >= 1)
    return np.where(advanced, "C", "B")


def draw_patients(rng: np.random.Generator) -> pd.DataFrame:
    """Draw the baseline record of every synthetic patient (eligible and excluded).

    Returns one row per record with ``group`` (``eligible`` or the exclusion reason), the
    ``index_day`` and ``diagnosis_day`` (day numbers; the index day is the time origin by
    construction) and the patients
    table's baseline columns. ``patient_id`` is assigned in order of index date.
    """
    groups = ["eligible"] * SEED_STUDY.n_eligible
    for name, count in EXCLUDED_GROUPS:
        groups += [name] * count
    n = len(groups)
    frame = pd.DataFrame({"group": groups})
    frame["index_day"] = _index_dates(rng, groups)
    frame = pd.concat([frame, _disease(rng, groups)], axis=1)
    frame["sex"] = np.where(rng.random(n) < 0.86, "M", "F")
    frame["age_at_index"] = np.round(rng.normal(56.0, 10.0, n)).clip(28, 82).astype(int)
    frame["etiology"] = _choice(rng, ETIOLOGIES, n)
    frame["ecog"] = (rng.random(n) < 0.58).astype(int)
    neither = ~frame["extrahepatic_metastasis"] & (frame["pvtt"] == "none")
    frame.loc[neither & (rng.random(n) < 0.85), "ecog"] = 1
    frame = pd.concat([frame, _liver_function(rng, n)], axis=1)
    frame["platelets_10e9_l"] = np.round(np.exp(rng.normal(np.log(150.0), 0.40, n))).clip(55, 420)
    frame["alt_u_l"] = np.round(np.exp(rng.normal(np.log(34.0), 0.45, n))).clip(9, 240)
    frame["ast_u_l"] = np.round(np.exp(rng.normal(np.log(44.0), 0.45, n))).clip(12, 300)
    frame["afp_ng_ml"] = _afp(rng, n)
    frame["bclc_stage"] = _bclc(
        frame["extrahepatic_metastasis"].to_numpy(), frame["pvtt"].to_numpy(), frame["ecog"]
    )
    recurrent = frame["disease_setting"].to_numpy() == "recurrent"
    size = np.exp(rng.normal(np.log(np.where(recurrent, 4.2, 7.0)), 0.45))
    frame["largest_tumor_cm"] = np.round(size.clip(1.2, 18.0), 1)
    frame["tumor_count"] = rng.choice(
        [1, 2, 3, 4, 5, 6], size=n, p=[0.32, 0.2, 0.18, 0.12, 0.1, 0.08]
    )
    frame["prior_treatments"] = _prior_treatments(rng, frame["disease_setting"].to_numpy())
    days_before = np.where(recurrent, rng.integers(300, 2500, n), rng.integers(12, 60, n))
    frame["diagnosis_day"] = frame["index_day"].to_numpy() - days_before
    frame = frame.sort_values(["index_day", "group"], kind="stable").reset_index(drop=True)
    frame.insert(0, "patient_id", [f"SYN-{k + 1:03d}" for k in range(n)])
    return frame
