"""Liver function and stage: Child-Pugh, ALBI, BCLC (2022) and PVTT Vp <-> Cheng mapping.

All functions are vectorised: they take scalars, numpy arrays or pandas Series (broadcast
together) and return the same kind (a scalar for scalar input; a Series with the index of the
first Series argument). A missing component gives a missing result (NaN / None), never a guess.
Child-Pugh and ALBI also take Ibis columns and then return the same rule as an Ibis expression,
evaluated where the data are (``oncorwe.derive.rild``): each rule is written once, over a
``where(condition, then, otherwise)`` of numpy or of Ibis, with the arithmetic in the same order.
Codes for ascites and encephalopathy are those of the input contract (docs/data_dictionary.md,
patients table).

References
----------
.. [1] Pugh RN et al. Transection of the oesophagus for bleeding oesophageal varices.
   Br J Surg 1973;60:646-649 (Child-Turcotte-Pugh score; thresholds in docs/references/liver.md,
   as tabulated by Cleve Clin J Med and PMC3017746 Table 1).
.. [2] Johnson PJ et al. Assessment of liver function in patients with hepatocellular carcinoma:
   a new evidence-based approach - the ALBI grade. J Clin Oncol 2015;33:550-558.
.. [3] Reig M et al. BCLC strategy for prognosis prediction and treatment recommendation:
   the 2022 update. J Hepatol 2022;76:681-693 (Figure 1).
.. [4] World J Gastroenterol 2022;28(7):704-714, Figure 2 (Japanese Vp and Chinese Cheng PVTT
   classifications side by side); Cheng S et al. Oncotarget 2016;7:40816 (EHBH consensus).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.errors import InputError

# Child-Pugh [1]. Each tuple: upper bounds of 1 and 2 points.
# Bilirubin: 1 point < 34 umol/L (2 mg/dL), 2 points 34-51 (2-3 mg/dL), 3 points > 51.
CP_BILIRUBIN_UMOL_L = (34.0, 51.0)
# Albumin: 1 point > 35 g/L, 2 points 28-35 g/L, 3 points < 28 g/L (3.5 / 2.8 g/dL).
CP_ALBUMIN_G_L = (35.0, 28.0)
# INR: 1 point < 1.7, 2 points 1.7-2.3, 3 points > 2.3.
CP_INR = (1.7, 2.3)
CP_ASCITES_POINTS = {"none": 1, "mild": 2, "moderate_severe": 3}
CP_ENCEPHALOPATHY_POINTS = {"none": 1, "grade_1_2": 2, "grade_3_4": 3}
# Class A 5-6, B 7-9, C 10-15: lowest score of classes B and C.
CP_CLASS_B_MIN, CP_CLASS_C_MIN = 7, 10

# ALBI [2]: 0.66 * log10(bilirubin umol/L) - 0.085 * albumin g/L; grade 1 <= -2.60,
# grade 2 > -2.60 to <= -1.39, grade 3 > -1.39 (docs/references/liver.md).
ALBI_BILIRUBIN_COEF = 0.66
ALBI_ALBUMIN_COEF = -0.085
ALBI_GRADE_CUTOFFS = (-2.60, -1.39)
# mALBI: grade 2 split into 2a / 2b at -2.270 (Hiraoka A et al., Liver Cancer 2017;6:325-336).
# Not verified in the primary paper: offered as an option only, off by default.
MALBI_2A_2B_CUTOFF = -2.270

# BCLC 2022 [3]. Very early (0): single nodule <= 2 cm; early (A): single, or <= 3 nodules
# each <= 3 cm; ECOG 0 for 0-B, 1-2 for C, > 2 for D; portal invasion / extrahepatic spread -> C.
BCLC_VERY_EARLY_MAX_CM = 2.0
BCLC_EARLY_MAX_NODULES = 3
BCLC_EARLY_MAX_CM = 3.0
BCLC_ECOG_C_MAX = 2
# "End-stage liver function" (stage D) is operationalised as Child-Pugh class C, as the pre-2022
# BCLC versions did; the 2022 figure does not give a Child-Pugh cut-off [U].
BCLC_END_STAGE_CHILD_PUGH_MIN = CP_CLASS_C_MIN

# PVTT [4]: Vp2 = Cheng I (second-order branch), Vp3 = II (first-order branch), Vp4 = III
# (main trunk / bilateral) and Cheng IV = superior mesenteric vein (Vp4 in the Japanese system).
# Vp1 (distal to second-order branches) has no own Cheng type: mapped to I (Cheng I covers the
# segmental branches "or above"), and Cheng I to Vp2 [U: Vp1 <-> I not in the figure].
VP_TO_CHENG = {"none": "none", "Vp1": "I", "Vp2": "I", "Vp3": "II", "Vp4": "III"}
CHENG_TO_VP = {"none": "none", "I": "Vp2", "II": "Vp3", "III": "Vp4", "IV": "Vp4"}


class LiverInputError(InputError, ValueError):
    """A liver-function input has an impossible value (negative lab, unknown code)."""


def _array(name: str, value: Any, minimum: float | None = None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise LiverInputError(f"column {name}: value {value!r} is not numeric") from exc
    if minimum is not None:
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(np.atleast_1d(arr < minimum))
        if bad.size:
            value = np.atleast_1d(arr)[bad[0]]
            raise LiverInputError(
                f"column {name}, row {int(bad[0])}: value {value!r} is below {minimum}"
            )
    return arr


def _flags(name: str, value: Any) -> np.ndarray:
    """Booleans as 1.0 / 0.0, missing (None / NaN) as NaN."""
    arr = np.asarray(value, dtype=object)
    flat = pd.Series(arr.reshape(-1), dtype=object)
    ok = flat.isna() | flat.isin([True, False, 0, 1])
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise LiverInputError(f"column {name}, row {i}: value {flat[i]!r} is not true/false")
    return flat.astype(float).to_numpy().reshape(arr.shape)


def _codes(name: str, value: Any, mapping: dict) -> np.ndarray:
    """Map text codes to points (NaN for missing); unknown codes raise."""
    arr = np.asarray(value, dtype=object)
    flat = arr.reshape(-1)
    missing = pd.isna(flat)
    unknown = ~missing & ~np.isin(flat.astype(str), list(mapping))
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise LiverInputError(
            f"column {name}, row {i}: value {flat[i]!r} is not one of {', '.join(mapping)}"
        )
    out = np.array([np.nan if m else mapping[str(v)] for v, m in zip(flat, missing, strict=True)])
    return out.reshape(arr.shape).astype(float)


def _wrap(result: np.ndarray, inputs: tuple, dtype=float):
    for value in inputs:
        if isinstance(value, pd.Series):
            return pd.Series(np.broadcast_to(result, value.shape), index=value.index, dtype=dtype)
    if np.ndim(result) == 0:
        item = result.item() if hasattr(result, "item") else result
        return None if (dtype is object and pd.isna(item)) else item
    return result


def _is_expression(*values: Any) -> bool:
    return any(isinstance(v, ir.Expr) for v in values)


def _points(value, one_below: float, two_up_to: float, where=np.where):
    """1 point below ``one_below``, 2 points up to and including ``two_up_to``, else 3."""
    return where(value < one_below, 1, where(value <= two_up_to, 2, 3))


def _child_pugh_points(bili, alb, inr, where=np.where):
    """Points of the three laboratory components [1]."""
    return (
        _points(bili, *CP_BILIRUBIN_UMOL_L, where=where)
        # albumin: higher is better, so score its negative against negated bounds
        + _points(-alb, -CP_ALBUMIN_G_L[0], -CP_ALBUMIN_G_L[1], where=where)
        + _points(inr, *CP_INR, where=where)
    )


def _albi(bili, alb, log10):
    """ALBI = 0.66 * log10(bilirubin) - 0.085 * albumin [2]."""
    return ALBI_BILIRUBIN_COEF * log10(bili) + ALBI_ALBUMIN_COEF * alb


def _albi_grade(score, where=np.where, two="2"):
    low, high = ALBI_GRADE_CUTOFFS
    return where(score <= low, "1", where(score <= high, two, "3"))


def _child_pugh_expression(bili, alb, inr, ascites, encephalopathy) -> ir.IntegerValue:
    """Child-Pugh score as an Ibis expression: null when a component is missing or unknown."""
    codes = [
        ibis.cases(*((column == code, p) for code, p in points.items()))
        for column, points in (
            (ascites, CP_ASCITES_POINTS),
            (encephalopathy, CP_ENCEPHALOPATHY_POINTS),
        )
    ]
    score = _child_pugh_points(bili, alb, inr, where=ibis.ifelse) + codes[0] + codes[1]
    missing = bili.isnull() | alb.isnull() | inr.isnull()
    return ibis.ifelse(missing, ibis.null("int64"), score)


def child_pugh_score(bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy):
    """Child-Turcotte-Pugh score (5-15) from its five components.

    Parameters
    ----------
    bilirubin_umol_l : total bilirubin, umol/L (1 point < 34, 2 points 34-51, 3 points > 51).
    albumin_g_l : albumin, g/L (1 point > 35, 2 points 28-35, 3 points < 28).
    inr : INR (1 point < 1.7, 2 points 1.7-2.3, 3 points > 2.3).
    ascites : ``none`` / ``mild`` / ``moderate_severe`` (1 / 2 / 3 points).
    encephalopathy : ``none`` / ``grade_1_2`` / ``grade_3_4`` (1 / 2 / 3 points).

    Returns
    -------
    float, ndarray or Series
        Score; NaN when any component is missing.

    References
    ----------
    Pugh 1973 (Br J Surg 60:646); thresholds as tabulated in CCJM and PMC3017746 T1.
    Boundary values (bilirubin 34 and 51, albumin 28 and 35, INR 1.7 and 2.3) score 2 points.
    """
    if _is_expression(bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy):
        return _child_pugh_expression(bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy)
    bili = _array("bilirubin_umol_l", bilirubin_umol_l, minimum=0)
    alb = _array("albumin_g_l", albumin_g_l, minimum=0)
    ratio = _array("inr", inr, minimum=0)
    with np.errstate(invalid="ignore"):
        points = (
            _child_pugh_points(bili, alb, ratio)
            + _codes("ascites", ascites, CP_ASCITES_POINTS)
            + _codes("encephalopathy", encephalopathy, CP_ENCEPHALOPATHY_POINTS)
        )
    missing = np.isnan(bili) | np.isnan(alb) | np.isnan(ratio)
    score = np.where(missing, np.nan, points)
    return _wrap(score, (bilirubin_umol_l, albumin_g_l, inr, ascites, encephalopathy))


def child_pugh_class(score, with_score: bool = True):
    """Child-Pugh class from the score: ``A5``, ``A6``, ``B7`` ... ``C15`` (or ``A``/``B``/``C``).

    Class A = 5-6, B = 7-9, C = 10-15 (Pugh 1973). Reporting the score with the
    class matters because trials restrict to A or allow B7 (docs/references/liver.md).
    Missing -> None; a score outside 5-15 raises.
    """
    arr = _array("child_pugh_score", score)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(arr) & ((arr < 5) | (arr > 15) | (arr != np.round(arr)))
    if np.any(bad):
        value = np.atleast_1d(arr)[np.flatnonzero(np.atleast_1d(bad))[0]]
        raise LiverInputError(f"column child_pugh_score: value {value!r} is not an integer 5-15")
    letter = np.where(arr >= CP_CLASS_C_MIN, "C", np.where(arr >= CP_CLASS_B_MIN, "B", "A"))
    safe = np.where(np.isnan(arr), 0, arr).astype(int).astype(str)
    label = np.char.add(letter, safe) if with_score else letter
    out = np.where(np.isnan(arr), None, label.astype(object))
    return _wrap(out, (score,), dtype=object)


def albi_score(bilirubin_umol_l, albumin_g_l):
    """ALBI score = 0.66 * log10(bilirubin, umol/L) - 0.085 * (albumin, g/L).

    References
    ----------
    Johnson PJ et al., J Clin Oncol 2015;33:550-558. Convert mg/dL x 17.1 to
    umol/L and g/dL x 10 to g/L before calling. Bilirubin must be > 0 (log10).
    """
    if _is_expression(bilirubin_umol_l, albumin_g_l):
        # a bilirubin of 0 has no logarithm: no score (the engines differ: error, -inf, null)
        return _albi(bilirubin_umol_l.nullif(0.0), albumin_g_l, lambda x: x.log10())
    bili = _array("bilirubin_umol_l", bilirubin_umol_l, minimum=0)
    alb = _array("albumin_g_l", albumin_g_l, minimum=0)
    if np.any(bili == 0):
        raise LiverInputError("column bilirubin_umol_l: value 0 has no logarithm; ALBI undefined")
    score = _albi(bili, alb, np.log10)
    return _wrap(score, (bilirubin_umol_l, albumin_g_l))


def albi_grade(score, modified: bool = False):
    """ALBI grade from the score: 1 (<= -2.60), 2 (> -2.60 to <= -1.39), 3 (> -1.39).

    Returns the grade as text (``"1"``, ``"2"``, ``"3"``; with ``modified=True`` grade 2 is split
    into ``"2a"`` (<= -2.270) and ``"2b"``, mALBI [U]). Missing -> None.

    References
    ----------
    Johnson PJ et al., J Clin Oncol 2015;33:550-558; Hiraoka A et al., Liver Cancer 2017 (mALBI).
    """
    if _is_expression(score):
        two = ibis.ifelse(score <= MALBI_2A_2B_CUTOFF, "2a", "2b") if modified else "2"
        return ibis.ifelse(
            score.isnull(), ibis.null("string"), _albi_grade(score, ibis.ifelse, two)
        )
    arr = _array("albi_score", score)
    two = np.where(arr <= MALBI_2A_2B_CUTOFF, "2a", "2b") if modified else "2"
    with np.errstate(invalid="ignore"):
        grade = _albi_grade(arr, np.where, two).astype(object)
    out = np.where(np.isnan(arr), None, grade)
    return _wrap(out, (score,), dtype=object)


def bclc_stage(
    ecog, child_pugh, tumor_count, largest_tumor_cm, macrovascular_invasion, extrahepatic_metastasis
):
    """BCLC stage (``0``, ``A``, ``B``, ``C``, ``D``) from its inputs, 2022 update.

    Parameters
    ----------
    ecog : ECOG performance status 0-4.
    child_pugh : Child-Pugh score (5-15); class C (>= 10) = end-stage liver function.
    tumor_count, largest_tumor_cm : intrahepatic nodules and the largest diameter (cm).
    macrovascular_invasion : bool, portal (PVTT) or other macrovascular invasion.
    extrahepatic_metastasis : bool.

    Steps
    -----
    1. D: ECOG > 2 or end-stage liver function (Child-Pugh C) [U: 2022 gives no CP cut-off].
    2. C: portal invasion, extrahepatic spread, or ECOG 1-2.
    3. 0: single nodule <= 2 cm; A: single, or <= 3 nodules each <= 3 cm; else B.
    Missing inputs that the decision needs give None.

    References
    ----------
    Reig M et al., J Hepatol 2022;76:681-693, Figure 1.
    """
    ps = _array("ecog", ecog, minimum=0)
    cp = _array("child_pugh_score", child_pugh)
    count = _array("tumor_count", tumor_count, minimum=0)
    size = _array("largest_tumor_cm", largest_tumor_cm, minimum=0)
    mvi = _flags("macrovascular_invasion", macrovascular_invasion)
    ehs = _flags("extrahepatic_metastasis", extrahepatic_metastasis)
    with np.errstate(invalid="ignore"):
        is_d = (ps > BCLC_ECOG_C_MAX) | (cp >= BCLC_END_STAGE_CHILD_PUGH_MIN)
        is_c = (mvi == 1) | (ehs == 1) | (ps >= 1)
        single = count == 1
        very_early = single & (size <= BCLC_VERY_EARLY_MAX_CM)
        early = single | ((count <= BCLC_EARLY_MAX_NODULES) & (size <= BCLC_EARLY_MAX_CM))
    stage = np.select([is_d, is_c, very_early, early], ["D", "C", "0", "A"], "B").astype(object)
    # unknown where a needed input is missing and no earlier rule decided the stage
    unknown_d = np.isnan(ps) | np.isnan(cp)
    unknown_c = np.isnan(mvi) | np.isnan(ehs)
    unknown_burden = np.isnan(count) | np.isnan(size)
    undecided = ~is_d & (unknown_d | (~is_c & (unknown_c | unknown_burden)))
    out = np.where(undecided, None, stage)
    return _wrap(
        out,
        (
            ecog,
            child_pugh,
            tumor_count,
            largest_tumor_cm,
            macrovascular_invasion,
            extrahepatic_metastasis,
        ),
        dtype=object,
    )


def _map_pvtt(value, mapping: dict, other: dict, name: str):
    arr = np.asarray(value, dtype=object)
    flat = arr.reshape(-1)
    out = []
    for i, v in enumerate(flat):
        if pd.isna(v):
            out.append(None)
        elif v in mapping:
            out.append(mapping[v])
        elif v in other:
            out.append(v)
        else:
            raise LiverInputError(f"column pvtt, row {i}: value {v!r} is not a {name} code")
    return _wrap(np.array(out, dtype=object).reshape(arr.shape), (value,), dtype=object)


def pvtt_to_cheng(pvtt):
    """PVTT code (``none``, ``Vp1``..``Vp4`` or ``I``..``IV``) on the Chinese Cheng scale.

    References
    ----------
    WJG 2022;28:704 Figure 2; Cheng et al., Oncotarget 2016;7:40816. Vp1 -> I is [U].
    """
    return _map_pvtt(pvtt, VP_TO_CHENG, CHENG_TO_VP, "PVTT")


def pvtt_to_vp(pvtt):
    """PVTT code (``none``, ``Vp1``..``Vp4`` or ``I``..``IV``) on the Japanese Vp scale.

    Cheng I -> Vp2, II -> Vp3, III and IV -> Vp4 (WJG 2022;28:704 Figure 2).
    """
    return _map_pvtt(pvtt, CHENG_TO_VP, VP_TO_CHENG, "PVTT")
