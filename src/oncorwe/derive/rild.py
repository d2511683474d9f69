"""Radiation-induced liver disease (RILD): classic / non-classic flags, Child-Pugh and ALBI change.

Per patient, within the window after the end of liver radiotherapy (3 months by default):
the peak ALP and transaminase (ALT/AST) as multiples of the ULN, Child-Pugh score and ALBI
score / grade at baseline and at the 3-month landmark, their change, and the two RILD flags.

References
----------
.. [1] Kabarriti R, Guha C. Hepatol Int 2014 (classic RILD: anicteric hepatomegaly, ascites,
   ALP raised out of proportion, 2 weeks to 3 months after RT; non-classic: transaminases
   > 5 x ULN or decline in liver function in patients with underlying liver disease).
.. [2] Toward consensus reporting of radiation-induced liver toxicity (Child-Pugh increase >= 2
   predicts survival); PMC4985424 (Child-Pugh >= 2-point rise within 3 months used as
   radiation-induced hepatic toxicity); PMC5779633 (ALBI change as an endpoint).
.. [3] docs/references/ctcae.md: the ALP > 2 x ULN cut-off and the exact non-classic composite
   are a common operationalisation, not read in a primary source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.derive.liver import albi_grade, albi_score, child_pugh_score
from oncorwe.errors import InputError

# Window after the end of RT in which RILD is sought (3 months) [1, 2].
RILD_WINDOW_DAYS = 90
# The "3-month" Child-Pugh / ALBI value: the lab value nearest to day 90 after RT end, within
# +/- this many days (a protocol setting; no source fixes it).
LANDMARK_TOLERANCE_DAYS = 30
# Classic RILD: ALP > 2 x ULN [3, U].
CLASSIC_ALP_X_ULN = 2.0
# Non-classic RILD: transaminases > 5 x ULN (CTCAE grade >= 3); when the baseline is already
# > 5 x ULN, grade 4 (> 20 x ULN) is required [1, 3].
NON_CLASSIC_TRANSAMINASE_X_ULN = 5.0
NON_CLASSIC_TRANSAMINASE_X_ULN_ABNORMAL_BASELINE = 20.0
# Non-classic RILD: Child-Pugh score increase >= 2 points within 3 months [2].
NON_CLASSIC_CHILD_PUGH_INCREASE = 2


def _peak_ratio(window: pd.DataFrame, tests: tuple[str, ...]) -> pd.Series:
    rows = window[window["test"].isin(tests)]
    return (rows["value"] / rows["uln"]).groupby(rows["patient_id"]).max()


def _landmark(labs: pd.DataFrame, rt_end: pd.Series, test: str) -> pd.Series:
    """Value of ``test`` nearest to RT end + 90 days (within the tolerance), per patient."""
    rows = labs[labs["test"] == test].copy()
    target = rows["patient_id"].map(rt_end) + pd.Timedelta(days=RILD_WINDOW_DAYS)
    rows["_gap"] = (rows["lab_date"] - target).abs().dt.days
    rows = rows[rows["_gap"] <= LANDMARK_TOLERANCE_DAYS]
    best = rows.sort_values(["patient_id", "_gap", "lab_date"]).drop_duplicates("patient_id")
    return best.set_index("patient_id")["value"]


def derive_rild(
    labs: pd.DataFrame,
    patients: pd.DataFrame,
    rt_end: pd.Series,
    progression_date: pd.Series | None = None,
    new_ascites: pd.Series | None = None,
) -> pd.DataFrame:
    """RILD flags and liver-function change at 3 months after liver radiotherapy, per patient.

    Parameters
    ----------
    labs : ``labs`` table (``patient_id, lab_date, test, value, uln``).
    patients : ``patients`` table: baseline ``bilirubin_umol_l, albumin_g_l, inr, ascites,
        encephalopathy`` and ``alt_u_l, ast_u_l`` (for the abnormal-baseline rule).
    rt_end : Series patient_id -> end date of the (last) liver RT course; only these patients
        are assessed.
    progression_date : optional Series patient_id -> first progression date; a progression
        within the window suppresses both flags (RILD requires absence of progression [1]).
    new_ascites : optional Series patient_id -> bool, new or worse ascites within the window
        (a clinical finding the labs table does not hold). Without it ``classic_rild`` is the
        laboratory criterion only.

    Returns
    -------
    DataFrame, one row per patient of ``rt_end``: ``child_pugh_baseline, child_pugh_3m,
    child_pugh_change, albi_baseline, albi_3m, albi_change, albi_grade_baseline,
    albi_grade_3m, peak_alp_x_uln, peak_transaminase_x_uln, baseline_transaminase_x_uln,
    progression_in_window,
    classic_rild, non_classic_rild``.

    Steps
    -----
    1. Labs in (RT end, RT end + 90 days]; peak ALP and ALT/AST multiples of the ULN.
    2. Child-Pugh and ALBI at the 3-month landmark (lab components nearest day 90; ascites and
       encephalopathy carried from baseline, which understates a clinical decline).
    3. Classic: ALP > 2 x ULN (and new ascites when given). Non-classic: transaminase > 5 x ULN
       (> 20 x ULN if the baseline was > 5 x ULN) or Child-Pugh rise >= 2. No progression.

    References
    ----------
    Kabarriti & Guha, Hepatol Int 2014; consensus reporting of radiation-induced liver
    toxicity; PMC4985424; PMC5779633.
    """
    need = [c for c in ("patient_id", "lab_date", "test", "value") if c not in labs.columns]
    if need:
        raise InputError(f"table labs: missing column(s) {', '.join(need)}")
    labs = labs.assign(
        lab_date=pd.to_datetime(labs["lab_date"]),
        uln=labs["uln"] if "uln" in labs.columns else np.nan,
    )
    rt_end = pd.to_datetime(rt_end)
    out = pd.DataFrame({"patient_id": rt_end.index.to_numpy()})
    base = patients.set_index("patient_id").reindex(out["patient_id"])
    # step 1
    start = labs["patient_id"].map(rt_end)
    inside = (labs["lab_date"] > start) & (
        labs["lab_date"] <= start + pd.Timedelta(days=RILD_WINDOW_DAYS)
    )
    window = labs[inside]
    out["peak_alp_x_uln"] = out["patient_id"].map(_peak_ratio(window, ("alp_u_l",)))
    out["peak_transaminase_x_uln"] = out["patient_id"].map(
        _peak_ratio(window, ("alt_u_l", "ast_u_l"))
    )
    tx = labs[labs["test"].isin(("alt_u_l", "ast_u_l"))]
    tx_uln = out["patient_id"].map(tx.groupby("patient_id")["uln"].median())
    base_tx = pd.concat(
        [
            base[c] if c in base.columns else pd.Series(np.nan, index=base.index)
            for c in ("alt_u_l", "ast_u_l")
        ],
        axis=1,
    ).max(axis=1)
    out["baseline_transaminase_x_uln"] = base_tx.to_numpy() / tx_uln.to_numpy()
    # step 2
    comps = {
        t: out["patient_id"].map(_landmark(labs, rt_end, t)).to_numpy()
        for t in ("bilirubin_umol_l", "albumin_g_l", "inr")
    }
    base_cols = {
        c: base[c].to_numpy() if c in base.columns else np.full(len(out), np.nan)
        for c in ("bilirubin_umol_l", "albumin_g_l", "inr")
    }
    ascites = base["ascites"].to_numpy() if "ascites" in base.columns else None
    enceph = base["encephalopathy"].to_numpy() if "encephalopathy" in base.columns else None
    out["child_pugh_baseline"] = child_pugh_score(*base_cols.values(), ascites, enceph)
    out["child_pugh_3m"] = child_pugh_score(*comps.values(), ascites, enceph)
    out["child_pugh_change"] = out["child_pugh_3m"] - out["child_pugh_baseline"]
    out["albi_baseline"] = albi_score(base_cols["bilirubin_umol_l"], base_cols["albumin_g_l"])
    out["albi_3m"] = albi_score(comps["bilirubin_umol_l"], comps["albumin_g_l"])
    out["albi_change"] = out["albi_3m"] - out["albi_baseline"]
    out["albi_grade_baseline"] = albi_grade(out["albi_baseline"])
    out["albi_grade_3m"] = albi_grade(out["albi_3m"])
    # step 3
    progressed = pd.Series(False, index=out.index)
    if progression_date is not None:
        prog = out["patient_id"].map(pd.to_datetime(progression_date))
        end = out["patient_id"].map(rt_end)
        progressed = (prog > end) & (prog <= end + pd.Timedelta(days=RILD_WINDOW_DAYS))
    out["progression_in_window"] = progressed.to_numpy()
    classic = out["peak_alp_x_uln"] > CLASSIC_ALP_X_ULN
    if new_ascites is not None:
        classic &= out["patient_id"].map(new_ascites).fillna(False).astype(bool)
    out["classic_rild"] = classic & ~progressed
    out["non_classic_rild"] = _non_classic(out, base) & ~progressed
    return out


def _non_classic(out: pd.DataFrame, base: pd.DataFrame) -> pd.Series:
    """Transaminase > 5 x ULN (> 20 x if baseline > 5 x ULN) or Child-Pugh rise >= 2 [1, 2].

    The patients table holds no ULN: the baseline ALT/AST is compared with the median ULN of
    the patient's ALT/AST lab rows (``baseline_transaminase_x_uln``).
    """
    high = out["baseline_transaminase_x_uln"] > NON_CLASSIC_TRANSAMINASE_X_ULN
    threshold = np.where(
        high, NON_CLASSIC_TRANSAMINASE_X_ULN_ABNORMAL_BASELINE, NON_CLASSIC_TRANSAMINASE_X_ULN
    )
    enzymes = out["peak_transaminase_x_uln"] > threshold
    child_pugh = out["child_pugh_change"] >= NON_CLASSIC_CHILD_PUGH_INCREASE
    return (enzymes | child_pugh).fillna(False).astype(bool)
