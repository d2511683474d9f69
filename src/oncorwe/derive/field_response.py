"""Time-point responses in the radiotherapy field scopes, and the abscopal response.

Lesions scored in three scopes: ``all``, ``in_field`` (``in_rt_field`` true) and
``out_of_field`` (false; lesions never irradiated, whose response is the abscopal response),
with the rules of :mod:`oncorwe.derive.recist`.

References
----------
Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247, section 4.3.1 (target response)
applied to lesion subsets; summary docs/references/recist.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.derive.recist import SCOPES, TimePointResponses, derive_time_point_response
from oncorwe.derive.response_rules import RECIST11

__all__ = ["abscopal_response", "derive_field_responses"]

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
