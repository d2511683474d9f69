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

from functools import cache

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.frames import query_frames
from oncorwe.derive.recist import SCOPES, TimePointResponses, derive_time_point_response
from oncorwe.derive.response_rules import RECIST11
from oncorwe.engine.connect import to_sql

__all__ = ["abscopal_response", "best_target_response", "derive_field_responses"]

# Best-first order used to pick the best time point of a scope: the declared RECIST 1.1 response
# order (RECIST 1.1 section 4.4), then NONE (no lesion of that class in the scope).
BEST_FIRST = RECIST11.rank | {"NONE": len(RECIST11.rank) + 1}
_TIME_POINT_TYPES = {"patient_id": "string", "assessment_date": "date", "scope": "string",
                     "target_response": "string"}  # fmt: skip


def derive_field_responses(
    lesions: pd.DataFrame, criteria: str = "RECIST1.1", baseline_dates: pd.Series | None = None
) -> TimePointResponses:
    """Time-point responses in the three scopes ``all``, ``in_field``, ``out_of_field``, stacked.

    Findings are those of the lesion records (reported once).
    """
    parts = [derive_time_point_response(lesions, criteria, s, baseline_dates) for s in SCOPES]
    responses = pd.concat([p.responses for p in parts], ignore_index=True)
    return TimePointResponses(responses, parts[0].findings, criteria, "all+fields")


def best_target_response(tp: ir.Table, by: tuple[str, ...] = ("patient_id",)) -> ir.Table:
    """``*by, best``: the best target response of the time points ``tp`` (``patient_id,
    assessment_date, target_response`` and the columns ``by``) seen up to and including the
    first target PD of each group ``by``, in the order ``BEST_FIRST``; a group whose best is
    NONE (no target lesion) is left out. A table expression (runs nothing).

    References
    ----------
    RECIST 1.1 section 4.3.1 (target response) and 4.4 (best response order).
    """
    group = [tp[c] for c in by]
    pd_date = ibis.ifelse(tp.target_response == "PD", tp.assessment_date, ibis.null("date"))
    tp = tp.mutate(_first_pd=pd_date.min().over(group_by=group))
    tp = tp.filter(tp._first_pd.isnull() | (tp.assessment_date <= tp._first_pd))
    rank = ibis.cases(*((tp.target_response == k, v) for k, v in BEST_FIRST.items()),
                      else_=len(BEST_FIRST) + 1)  # fmt: skip
    first = ibis.row_number().over(group_by=[tp[c] for c in by],
                                   order_by=[rank, tp.target_response])  # fmt: skip
    tp = tp.mutate(_n=first).filter(lambda r: (r._n == 0) & (r.target_response != "NONE"))
    return tp.select(*by, best=tp.target_response)


@cache
def _best_sql() -> str:
    tp = ibis.table(_TIME_POINT_TYPES, name="time_points")
    return to_sql(best_target_response(tp, ("patient_id", "scope")), "duckdb")


def abscopal_response(field_responses: pd.DataFrame) -> pd.DataFrame:
    """Best in-field and out-of-field target response per patient, and the abscopal flag.

    The abscopal response is a response (CR or PR: >= 30 % decrease of the summed diameters vs
    baseline) of target lesions that were never irradiated (``in_rt_field`` false), seen at any
    time point before the first progression of that scope (:func:`best_target_response`, run
    on an in-memory DuckDB). ``abscopal`` is NA when the patient has no out-of-field target
    lesion at baseline (not evaluable).

    Returns
    -------
    DataFrame: ``patient_id, in_field_best, out_of_field_best, abscopal``.

    References
    ----------
    RECIST 1.1 section 4.3.1 (target response) applied to lesion subsets; abscopal response as
    response of lesions never irradiated.
    """
    frame = field_responses.loc[:, list(_TIME_POINT_TYPES)]
    best = query_frames(_best_sql(), {"time_points": (frame, _TIME_POINT_TYPES)})
    out = pd.DataFrame({"patient_id": field_responses["patient_id"].drop_duplicates()})
    for scope in ("in_field", "out_of_field"):
        mine = best[best["scope"] == scope]
        col = pd.Series(mine["best"].to_numpy(dtype=object), index=mine["patient_id"].to_numpy())
        out[f"{scope}_best"] = out["patient_id"].map(col)
    evaluable = out["out_of_field_best"].notna()
    out["abscopal"] = pd.array(
        np.where(evaluable, out["out_of_field_best"].isin(RECIST11.responder), pd.NA),
        dtype="boolean",
    )
    return out.reset_index(drop=True)
