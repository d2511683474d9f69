"""Time-point response from lesion measurements: RECIST 1.1, mRECIST, iRECIST; field scopes.

One row per patient and follow-up date with the target, non-target and new-lesion categories,
the sums (baseline, nadir, current) and the overall time-point response. Lesions can be scored
in a scope: ``all``, ``in_field`` (``in_rt_field`` true) or ``out_of_field`` (false; the
lesions never irradiated, whose response is the abscopal response). Bad records become findings
(:mod:`oncorwe.derive.lesion_checks`), never an exception.

References
----------
.. [1] Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247: section 4.3.1 (target
   response), 4.3.2 (non-target), 4.3.3 (new lesions), Table 1 and Table 2 (time-point
   response with and without target disease); summary docs/references/recist.md.
.. [2] Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular
   carcinoma. Semin Liver Dis 2010;30:52-60 (viable-tumour diameters; new-lesion rule);
   summary docs/references/mrecist.md.
.. [3] Seymour L et al. iRECIST. Lancet Oncol 2017;18:e143-e152, Table 2; EORTC iRECIST FAQ
   (recist.eortc.org/faq: new lesions; iUPD driven by non-target disease); summary
   docs/references/irecist.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from oncorwe.derive.lesion_checks import prepare_lesions
from oncorwe.derive.response_rules import IRECIST, IRECIST_CONFIRM_MIN_DAYS, MRECIST, RECIST11
from oncorwe.errors import InputError

CRITERIA = tuple(c.name for c in (RECIST11, MRECIST, IRECIST))
SCOPES = ("all", "in_field", "out_of_field")
# RECIST 1.1 section 4.3.1 [1]: PR >= 30 % decrease vs baseline; PD >= 20 % increase vs nadir
# and an absolute increase >= 5 mm; lymph-node targets count as CR below 10 mm short axis.
PR_MIN_DECREASE = 0.30
PD_MIN_INCREASE = 0.20
PD_MIN_ABSOLUTE_MM = 5.0
NODE_NORMAL_SHORT_AXIS_MM = 10.0
# mRECIST [2] as published has no absolute-increase clause for PD (not verified in the primary
# paper; docs/references/mrecist.md); a protocol may set it to PD_MIN_ABSOLUTE_MM.
MRECIST_PD_MIN_ABSOLUTE_MM = 0.0
# mRECIST [2]: a new intrahepatic lesion counts as PD only if >= 1 cm (with the typical HCC
# vascular pattern, which the data contract does not carry); smaller ones are equivocal [S].
MRECIST_NEW_LIVER_LESION_MIN_MM = 10.0
# iRECIST [3]: iCPD needs a further >= 5 mm in the target (or new-target) sum after iUPD, at the
# next assessment and not earlier than 4 weeks after iUPD (IRECIST_CONFIRM_MIN_DAYS,
# oncorwe.derive.response_rules).
IRECIST_FURTHER_INCREASE_MM = 5.0
# RECIST 1.1 time point -> iRECIST before confirmation (a first PD is iUPD), from the declaration
IRECIST_NAMES = IRECIST.from_recist


@dataclass(frozen=True)
class TimePointResponses:
    """Derived time-point responses and the findings of the lesion records used.

    ``responses`` columns: ``patient_id, assessment_date, criteria, scope, target_response,
    non_target_response, new_lesions (Y/N/EQUIVOCAL), baseline_sum_mm, nadir_mm, sum_mm,
    overall_response``.
    """

    responses: pd.DataFrame
    findings: pd.DataFrame
    criteria: str
    scope: str


def _grid(data: pd.DataFrame, lesion_class: str) -> pd.DataFrame:
    """Every baseline lesion of one class crossed with every follow-up date of its patient."""
    base = data[data["is_baseline"] & (data["lesion_class"] == lesion_class)]
    visits = data.loc[~data["is_baseline"], ["patient_id", "assessment_date"]].drop_duplicates()
    grid = visits.merge(base[["patient_id", "lesion_id", "is_lymph_node"]], on="patient_id")
    follow = data.loc[
        ~data["is_baseline"] & (data["lesion_class"] == lesion_class),
        ["patient_id", "assessment_date", "lesion_id", "diameter_mm", "status"],
    ]
    return grid.merge(follow, on=["patient_id", "assessment_date", "lesion_id"], how="left")


def _target(data: pd.DataFrame, criteria: str) -> pd.DataFrame:
    """Target response per visit: RECIST 1.1 section 4.3.1 / mRECIST viable diameters."""
    grid = _grid(data, "target")
    base = data[data["is_baseline"] & (data["lesion_class"] == "target")]
    base_sum = base.groupby("patient_id")["diameter_mm"].sum(min_count=1)
    node = grid["is_lymph_node"].fillna(False).astype(bool)
    limit = np.where(node & (criteria != "mRECIST"), NODE_NORMAL_SHORT_AXIS_MM, 0.0)
    grid["_gone"] = np.where(limit > 0, grid["diameter_mm"] < limit, grid["diameter_mm"] == 0)
    keys = ["patient_id", "assessment_date"]
    t = (
        grid.groupby(keys)
        .agg(
            sum_mm=("diameter_mm", "sum"),
            n_missing=("diameter_mm", lambda d: int(d.isna().sum())),
            all_gone=("_gone", "all"),
        )
        .reset_index()
    )
    t = t.sort_values(keys, kind="mergesort").reset_index(drop=True)
    # float even when no patient has a target lesion (an empty map would infer another dtype)
    t["baseline_sum_mm"] = t["patient_id"].map(base_sum).astype("float64")
    evaluable = np.where(t["n_missing"] == 0, t["sum_mm"], np.inf)
    prior = (
        pd.Series(evaluable)
        .groupby(t["patient_id"])
        .transform(lambda s: s.cummin().shift(1, fill_value=np.inf))
    )
    t["nadir_mm"] = np.minimum(t["baseline_sum_mm"], prior)
    increase = t["sum_mm"] - t["nadir_mm"]
    min_abs = MRECIST_PD_MIN_ABSOLUTE_MM if criteria == "mRECIST" else PD_MIN_ABSOLUTE_MM
    is_pd = (
        (increase > 0)
        & (t["sum_mm"] >= t["nadir_mm"] * (1 + PD_MIN_INCREASE))
        & (increase >= min_abs)
    )
    is_pr = t["sum_mm"] <= t["baseline_sum_mm"] * (1 - PR_MIN_DECREASE)
    # a missing target leaves the time point not evaluated, unless the measured ones already
    # show PD (RECIST 1.1 section 4.3.1 notes)
    t["target_response"] = np.select(
        [is_pd, t["n_missing"] > 0, t["all_gone"], is_pr], ["PD", "NE", "CR", "PR"], "SD"
    )
    return t.drop(columns=["n_missing", "all_gone"])


def _non_target(data: pd.DataFrame) -> pd.DataFrame:
    """Non-target response per visit (RECIST 1.1 section 4.3.2; mRECIST non-target [2])."""
    grid = _grid(data, "non_target")
    grid["_pd"] = grid["status"] == "unequivocal_progression"
    grid["_na"] = grid["status"].isna()
    grid["_absent"] = grid["status"] == "absent"
    n = (
        grid.groupby(["patient_id", "assessment_date"])[["_pd", "_na", "_absent"]]
        .agg(["any", "all"])
        .reset_index()
    )
    n.columns = ["patient_id", "assessment_date", "pd", "_", "na", "_2", "_3", "absent"]
    n["non_target_response"] = np.select(
        [n["pd"], n["na"], n["absent"]], ["PD", "NE", "CR"], "NON-CR/NON-PD"
    )
    return n[["patient_id", "assessment_date", "non_target_response"]]


def _new_lesions(data: pd.DataFrame, criteria: str) -> pd.DataFrame:
    """New lesions per visit: Y (unequivocal), EQUIVOCAL, N (RECIST 1.1 section 4.3.3).

    An equivocal new lesion later seen as unequivocal is PD from the first scan that showed it
    (RECIST 1.1 4.3.3). Under mRECIST a new liver lesion < 1 cm is equivocal [2].
    """
    new = data[~data["is_baseline"] & (data["lesion_class"] == "new")].copy()
    sure = new["status"].isin(("present", "unequivocal_progression")) | (
        new["status"].isna() & (new["diameter_mm"] > 0)
    )
    if criteria == "mRECIST":
        small_liver = (new["organ"] == "liver") & ~(
            new["diameter_mm"] >= MRECIST_NEW_LIVER_LESION_MIN_MM
        )
        sure &= ~small_liver
    confirmed_later = sure.groupby([new["patient_id"], new["lesion_id"]]).transform("any")
    new["_y"] = sure | (new["status"].isin(("equivocal", "present")) & confirmed_later)
    new["_eq"] = new["status"].notna() & (new["status"] != "absent")
    new["_mm"] = new["diameter_mm"].where(new["_y"], 0.0)
    g = new.groupby(["patient_id", "assessment_date"]).agg(
        y=("_y", "any"), eq=("_eq", "any"), new_sum_mm=("_mm", "sum"), new_count=("_y", "sum")
    )
    g["new_lesions"] = np.select([g["y"], g["eq"]], ["Y", "EQUIVOCAL"], "N")
    return g.reset_index().drop(columns=["y", "eq"])


def _overall(t: pd.Series, n: pd.Series, new: pd.Series) -> np.ndarray:
    """RECIST 1.1 Table 1 (target disease) and Table 2 (non-target disease only)."""
    return np.select(
        [
            (t == "PD") | (n == "PD") | (new == "Y"),
            (t == "NONE") & (n == "NONE"),  # no disease at baseline: not evaluable
            (t == "NONE"),  # Table 2: the non-target category decides
            (t == "CR") & n.isin(("CR", "NONE")),
            (t == "CR"),  # non-target non-CR/non-PD or not evaluated
            (t == "NE"),
        ],
        ["PD", "NE", n, "CR", "PR", "NE"],
        t,  # PR or SD with non-PD or not all evaluated non-target
    )


def _scope(data: pd.DataFrame, scope: str) -> pd.DataFrame:
    if scope == "all":
        return data
    field = data["in_rt_field"].map({True: True, False: False, "true": True, "false": False})
    return data[field == (scope == "in_field")]


def derive_time_point_response(
    lesions: pd.DataFrame,
    criteria: str = "RECIST1.1",
    scope: str = "all",
    baseline_dates: pd.Series | None = None,
) -> TimePointResponses:
    """Time-point responses from lesion records under one response criteria and scope.

    Parameters
    ----------
    lesions : DataFrame in the ``lesions`` contract (docs/data_dictionary.md).
    criteria : ``RECIST1.1``, ``mRECIST`` (``diameter_mm`` holds viable diameters) or
        ``iRECIST`` (RECIST 1.1 components, then iUPD / iCPD logic, :func:`apply_irecist`).
    scope : ``all``, ``in_field`` or ``out_of_field`` (``in_rt_field``; lesions with unknown
        field membership are left out of the two field scopes).
    baseline_dates : optional Series patient_id -> baseline scan date (default: first date).

    Steps
    -----
    1. Checks (findings, bad rows left out); scope filter.
    2. Target: sum of diameters vs baseline (PR) and nadir (PD); CR; NE if a target is missing.
    3. Non-target: PD if unequivocal progression, NE if not all evaluated, CR if all absent.
    4. New lesions (Y / EQUIVOCAL / N), then the overall response of RECIST 1.1 Table 1 / 2.

    References
    ----------
    RECIST 1.1 sections 4.3.1-4.3.3, Tables 1-2; mRECIST (Lencioni & Llovet 2010); iRECIST
    (Seymour 2017) Table 2.
    """
    if criteria not in CRITERIA:
        raise InputError(f"criteria must be one of {CRITERIA}, got {criteria!r}")
    if scope not in SCOPES:
        raise InputError(f"scope must be one of {SCOPES}, got {scope!r}")
    # step 1
    data, findings = prepare_lesions(lesions, baseline_dates)
    visits = data.loc[~data["is_baseline"], ["patient_id", "assessment_date"]].drop_duplicates()
    data = _scope(data, scope)
    keys = ["patient_id", "assessment_date"]
    # steps 2-4
    out = visits.merge(_target(data, criteria), on=keys, how="left")
    out = out.merge(_non_target(data), on=keys, how="left")
    out = out.merge(_new_lesions(data, criteria), on=keys, how="left")
    out["target_response"] = out["target_response"].fillna("NONE")
    out["non_target_response"] = out["non_target_response"].fillna("NONE")
    out["new_lesions"] = out["new_lesions"].fillna("N")
    out[["new_sum_mm", "new_count"]] = out[["new_sum_mm", "new_count"]].fillna(0)
    out["overall_response"] = _overall(
        out["target_response"], out["non_target_response"], out["new_lesions"]
    )
    out = out.sort_values(keys, kind="mergesort").reset_index(drop=True)
    if criteria == "iRECIST":
        out["overall_response"] = apply_irecist(out)
    out.insert(2, "criteria", criteria)
    out.insert(3, "scope", scope)
    return TimePointResponses(out, findings, criteria, scope)


def _irecist_patient(rows: pd.DataFrame) -> list[str]:
    """iRECIST sequence for one patient (rows sorted by date); see :func:`apply_irecist`."""
    labels, pending = [], None
    for r in rows.itertuples(index=False):
        recist = r.overall_response
        if pending is None:
            labels.append(IRECIST_NAMES[recist])
            if recist == "PD":
                pending = r
            continue
        if pending == "iCPD":
            labels.append("iCPD")
            continue
        waited = (r.assessment_date - pending.assessment_date).days >= IRECIST_CONFIRM_MIN_DAYS
        further = (
            (
                pending.target_response == "PD"
                and r.sum_mm - pending.sum_mm >= IRECIST_FURTHER_INCREASE_MM
            )
            or (pending.non_target_response == "PD" and r.non_target_response == "PD")
            or r.new_count > pending.new_count
            or r.new_sum_mm - pending.new_sum_mm >= IRECIST_FURTHER_INCREASE_MM
            or (r.target_response == "PD" and pending.target_response != "PD")
            or (r.non_target_response == "PD" and pending.non_target_response != "PD")
            or (r.new_lesions == "Y" and pending.new_lesions != "Y")
        )
        if waited and further:
            labels.append("iCPD")
            pending = "iCPD"
        elif recist == "NE":
            labels.append("NE")
        elif recist != "PD":
            labels.append(IRECIST_NAMES[recist])  # the bar is reset
            pending = None
        else:
            labels.append("iUPD")
    return labels


def apply_irecist(responses: pd.DataFrame) -> pd.Series:
    """iRECIST time-point responses from RECIST 1.1 components, patient by patient.

    The first RECIST 1.1 PD is iUPD. At a later assessment >= 4 weeks after it, iCPD is
    assigned when the target sum rose >= 5 mm further (if target drove iUPD), non-target disease
    is again progressing (if it drove iUPD; only the ``unequivocal_progression`` status is
    recorded, so "any further increase" is approximated by that status), the number of new
    lesions grew, the new-lesion sum rose >= 5 mm, or a category that had not progressed now
    meets RECIST 1.1 PD. A non-PD response resets the bar; NE keeps iUPD pending; after iCPD
    every later time point stays iCPD. Increases are measured from the iUPD assessment (so
    sequential increases add up, as the EORTC FAQ requires).

    References
    ----------
    Seymour L et al., Lancet Oncol 2017;18:e143, Table 2; EORTC iRECIST FAQ ("How do new
    lesions define progression?", "If iUPD is driven by non-target disease ...").
    """
    labels = pd.Series(index=responses.index, dtype=object)
    for _, rows in responses.groupby("patient_id", sort=False):
        labels.loc[rows.index] = _irecist_patient(rows)
    return labels


# Best-first order used to pick the best time point of a scope: the declared RECIST 1.1 response
# order (RECIST 1.1 section 4.4), then NONE (no lesion of that class in the scope).
_BEST_FIRST = RECIST11.rank | {"NONE": len(RECIST11.rank) + 1}


def derive_field_responses(
    lesions: pd.DataFrame, criteria: str = "RECIST1.1", baseline_dates: pd.Series | None = None
) -> TimePointResponses:
    """Time-point responses in the three scopes ``all``, ``in_field``, ``out_of_field``, stacked.

    Findings are those of the lesion records (reported once).
    """
    parts = [derive_time_point_response(lesions, criteria, s, baseline_dates) for s in SCOPES]
    responses = pd.concat([p.responses for p in parts], ignore_index=True)
    return TimePointResponses(responses, parts[0].findings, criteria, "all+fields")


def abscopal_response(field_responses: pd.DataFrame) -> pd.DataFrame:
    """Best in-field and out-of-field target response per patient, and the abscopal flag.

    The abscopal response is a response (CR or PR: >= 30 % decrease of the summed diameters vs
    baseline) of target lesions that were never irradiated (``in_rt_field`` false), seen at any
    time point before the first progression of that scope. ``abscopal`` is NA when the patient
    has no out-of-field target lesion at baseline (not evaluable).

    Returns
    -------
    DataFrame: ``patient_id, in_field_best, out_of_field_best, abscopal``.

    References
    ----------
    RECIST 1.1 section 4.3.1 (target response) applied to lesion subsets; abscopal response as
    response of lesions never irradiated.
    """
    frame = field_responses.sort_values(["patient_id", "scope", "assessment_date"])
    is_pd = (frame["target_response"] == "PD").astype(int)
    # keep time points up to and including the first PD of each scope
    before_pd = is_pd.groupby([frame["patient_id"], frame["scope"]]).cumsum() - is_pd == 0
    frame = frame[before_pd].assign(_rank=lambda f: f["target_response"].map(_BEST_FIRST))
    best = frame.sort_values("_rank").drop_duplicates(["patient_id", "scope"])
    wide = best.pivot(index="patient_id", columns="scope", values="target_response")
    out = pd.DataFrame({"patient_id": field_responses["patient_id"].drop_duplicates()})
    for scope in ("in_field", "out_of_field"):
        col = wide[scope] if scope in wide.columns else pd.Series(dtype=object)
        out[f"{scope}_best"] = out["patient_id"].map(col).replace("NONE", None)
    evaluable = out["out_of_field_best"].notna()
    out["abscopal"] = pd.array(
        np.where(evaluable, out["out_of_field_best"].isin(("CR", "PR")), pd.NA), dtype="boolean"
    )
    return out.reset_index(drop=True)
