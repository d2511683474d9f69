"""iRECIST best overall response (iBOR) and iRECIST time points from recorded responses.

The iBOR rules are declared once, in :data:`oncorwe.derive.response_rules.IRECIST`, and applied
by the generic :func:`oncorwe.derive.best_response.best_overall_response`: order iCR > iPR > iSD
> NON-iCR/NON-iUPD > iCPD > iUPD > NE (> MISSING); iSD and NON-iCR/NON-iUPD only in the SD
window; iCPD confirms the run of iUPD / NE before it and is dated at its first iUPD (the iRECIST
progression date; Table 3 examples 7-8); a later iSD / iPR / iCR resets the bar (example 5);
confirmed iCR / iPR as RECIST 1.1 (on the RECIST words, an iUPD in between breaks it);
assessments after the first iCPD are ignored. The confirmation of an iUPD (a further increase at
least 4 weeks later) is a time-point rule, :func:`oncorwe.derive.recist.apply_irecist`. Summary
with sources: docs/references/irecist.md.

References
----------
.. [1] Seymour L, Bogaerts J, Perrone A, et al. iRECIST: guidelines for response criteria for use
   in trials testing immunotherapeutics. Lancet Oncol 2017;18:e143-e152, Table 2 (time-point
   response) and Table 3 (scenarios of iBOR assignment; PMC5648544).
.. [2] EORTC RECIST working group, iRECIST FAQ (recist.eortc.org/irecist): scans earlier than
   4 weeks after iUPD do not confirm it; confirmation due 4-8 weeks after iUPD.
.. [3] pharmaverse admiralonco, vignettes/irecist.Rmd: ANL01FL worst-first order (iCPD, iUPD,
   NON-iCR/NON-iUPD, iSD, iPR, iCR, NE), ANL02FL up to the first iCPD, IBOR / ICBOR events
   (iCR, iPR, iSD >= 42 days, NON-iCR/NON-iUPD >= 42 days, iCPD = iUPD followed by iCPD with only
   iUPD/NE in between, iUPD, NE, MISSING), confirmation 28 days and at most one NE.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from oncorwe.derive.best_response import best_overall_response
from oncorwe.derive.frames import query_frames
from oncorwe.derive.response_rules import IRECIST, IRECIST_CONFIRM_MIN_DAYS

# Names of the declared iRECIST rules (oncorwe.derive.response_rules.IRECIST).
IRECIST_VALUES = IRECIST.values
IBOR_ORDER = IRECIST.order
IRECIST_RESPONDER = IRECIST.responder
IRECIST_DISEASE_CONTROL = IRECIST.disease_control
# iRECIST value -> its RECIST 1.1 word (iUPD and iCPD are PD)
TO_RECIST = IRECIST.recist_words
# iRECIST [1, 2]: iCPD needs a further >= 5 mm in the target (or new-lesion) sum after iUPD, at an
# assessment not earlier than 4 weeks after iUPD (IRECIST_CONFIRM_MIN_DAYS).
IRECIST_FURTHER_INCREASE_MM = 5.0

__all__ = [
    "IBOR_ORDER",
    "IRECIST_DISEASE_CONTROL",
    "IRECIST_RESPONDER",
    "IRECIST_FURTHER_INCREASE_MM",
    "IRECIST_VALUES",
    "apply_irecist",
    "irecist_best_overall_response",
    "irecist_from_recorded",
    "recorded_as_irecist",
]


def irecist_best_overall_response(
    assessments: pd.DataFrame, origin: pd.DataFrame | pd.Series, **options: Any
) -> pd.DataFrame:
    """iRECIST best overall response (iBOR): :func:`best_overall_response` with ``iRECIST``.

    ``assessments`` hold iRECIST time points (:data:`IRECIST_VALUES`, e.g. from
    ``derive_time_point_response(lesions, "iRECIST")``); ``options`` are those of
    :func:`oncorwe.derive.best_response.best_overall_response`. ``bor`` is in
    :data:`IBOR_ORDER`; an iCPD is dated at the first iUPD that it confirms.

    References
    ----------
    Seymour et al., Lancet Oncol 2017;18:e143, Tables 2-3 (docs/references/irecist.md);
    admiralonco vignettes/irecist.Rmd (IBOR, ICBOR).
    """
    return best_overall_response(assessments, origin, IRECIST, **options)


def irecist_from_recorded(
    assessments: pd.DataFrame, confirm_min_days: int = IRECIST_CONFIRM_MIN_DAYS
) -> pd.DataFrame:
    """iRECIST time-point labels from recorded responses (``CR ... PD`` under criteria iRECIST).

    The data contract records iRECIST time points with the RECIST 1.1 words, so a recorded PD
    cannot say whether it is iUPD or iCPD. Approximation (not in iRECIST, which needs a further
    increase measured from the iUPD scan; use lesion records for the exact rule): the first PD
    of a run of PD / NE is iUPD, and a PD at least ``confirm_min_days`` after that iUPD, with
    only PD / NE in between, is iCPD (progression still recorded at the confirmation scan). Any
    other response resets the bar; an empty one is ignored. CR, PR, SD, NON-CR/NON-PD and NE
    map to iCR, iPR, iSD, NON-iCR/NON-iUPD and NE.

    Evaluates :func:`recorded_as_irecist` (the rule, written once) on an in-memory DuckDB;
    ``assessments`` hold one row per patient and date. Returns a copy of ``assessments`` with
    ``overall_response`` in :data:`IRECIST_VALUES`.
    """
    rows = pd.DataFrame(
        {
            "_row": np.arange(len(assessments), dtype=np.int64),
            "patient_id": assessments["patient_id"].to_numpy(dtype=object),
            "assessment_date": pd.to_datetime(assessments["assessment_date"], errors="coerce"),
            "overall_response": assessments["overall_response"].to_numpy(dtype=object),
        }
    )
    table = ibis.table(_RECORDED_TYPES, name="recorded")
    expression = recorded_as_irecist(table, confirm_min_days).order_by("_row")
    labels = query_frames(expression, {"recorded": (rows, _RECORDED_TYPES)})["overall_response"]
    out = assessments.copy()
    out.loc[:, "overall_response"] = labels.to_numpy(dtype=object)
    return out


_RECORDED_TYPES = {
    "_row": "int64",
    "patient_id": "string",
    "assessment_date": "date",
    "overall_response": "string",
}


def _from_recist(response: ir.StringValue) -> ir.StringValue:
    """A RECIST 1.1 word in iRECIST words before confirmation (PD is iUPD), as declared."""
    return ibis.cases(*((response == r, i) for r, i in IRECIST.from_recist.items()), else_=response)


# time-point columns that the iCPD rule compares with those of the iUPD it would confirm
_COMPARED = ("assessment_date", "target_response", "non_target_response", "sum_mm", "new_count",
             "new_sum_mm", "new_lesions")  # fmt: skip


def _further(t: ir.Table) -> ir.BooleanValue:
    """A further progression at this time point since the pending iUPD (columns ``_u_*``)."""
    more = IRECIST_FURTHER_INCREASE_MM
    pd_ = "PD"
    parts = (
        (t._u_target_response == pd_) & (t.sum_mm - t._u_sum_mm >= more),
        (t._u_non_target_response == pd_) & (t.non_target_response == pd_),
        t.new_count > t._u_new_count,
        t.new_sum_mm - t._u_new_sum_mm >= more,
        (t.target_response == pd_) & (t._u_target_response != pd_),
        (t.non_target_response == pd_) & (t._u_non_target_response != pd_),
        (t.new_lesions == "Y") & (t._u_new_lesions != "Y"),
    )
    further = ibis.literal(False)
    for part in parts:
        further |= part.fill_null(False)
    return further


def apply_irecist(
    responses: ir.Table, confirm_min_days: int = IRECIST_CONFIRM_MIN_DAYS
) -> ir.Table:
    """iRECIST time-point responses from RECIST 1.1 components (a table expression).

    The first RECIST 1.1 PD is iUPD. At a later assessment >= 4 weeks after it, iCPD is
    assigned when the target sum rose >= 5 mm further (if target drove iUPD), non-target disease
    is again progressing (if it drove iUPD; only the ``unequivocal_progression`` status is
    recorded, so "any further increase" is approximated by that status), the number of new
    lesions grew, the new-lesion sum rose >= 5 mm, or a category that had not progressed now
    meets RECIST 1.1 PD. A response other than PD or NE resets the bar; NE keeps iUPD pending;
    after iCPD every later time point stays iCPD. Increases are measured from the iUPD
    assessment (so sequential increases add up, as the EORTC FAQ requires).

    ``responses``: one row per patient and date with ``overall_response`` (RECIST 1.1 words) and
    the columns of :class:`oncorwe.derive.recist.TimePointResponses`; returned with
    ``overall_response`` in iRECIST words.

    Steps
    -----
    1. Runs: a response other than PD / NE closes its run (it belongs to the run it closes);
       the pending iUPD of a run is its first PD.
    2. A time point after the run's iUPD, >= ``confirm_min_days`` later, with a further
       progression confirms it; the patient's first such date starts iCPD for good.

    References
    ----------
    Seymour L et al., Lancet Oncol 2017;18:e143, Table 2; EORTC iRECIST FAQ ("How do new
    lesions define progression?", "If iUPD is driven by non-target disease ...").
    """
    t = responses
    # step 1
    resets = (~t.overall_response.isin(("PD", "NE"))).cast("int32")
    upto = ibis.cumulative_window(group_by=t.patient_id, order_by=t.assessment_date)
    t = t.mutate(_run=resets.sum().over(upto) - resets)
    run = ibis.window(group_by=[t.patient_id, t._run])
    first_pd = ibis.ifelse(t.overall_response == "PD", t.assessment_date, ibis.null("date"))
    t = t.mutate(_iupd=first_pd.min().over(run))
    at_iupd = t.assessment_date == t._iupd
    t = t.mutate(
        **{
            f"_u_{c}": ibis.ifelse(at_iupd, t[c], ibis.null(t[c].type())).max().over(run)
            for c in _COMPARED
        }
    )
    # step 2
    waited = t.assessment_date.delta(t._iupd, unit="day") >= confirm_min_days
    confirms = (t.assessment_date > t._iupd) & waited & _further(t)
    confirmed_on = ibis.ifelse(confirms.fill_null(False), t.assessment_date, ibis.null("date"))
    t = t.mutate(_icpd=confirmed_on.min().over(group_by=t.patient_id))
    label = ibis.ifelse(
        (t.assessment_date >= t._icpd).fill_null(False), "iCPD", _from_recist(t.overall_response)
    )
    t = t.mutate(overall_response=label)
    return t.drop("_run", "_iupd", "_icpd", *(f"_u_{c}" for c in _COMPARED))


def recorded_as_irecist(
    assessments: ir.Table, confirm_min_days: int = IRECIST_CONFIRM_MIN_DAYS
) -> ir.Table:
    """:func:`irecist_from_recorded` as a table expression (``patient_id, assessment_date,
    overall_response``, one row per patient and date): the first PD of a run of PD / NE is
    iUPD, a PD at least ``confirm_min_days`` after it is iCPD; the other words as declared."""
    t = assessments
    breaker = (~t.overall_response.isin(("PD", "NE"))).cast("int32")
    upto = ibis.cumulative_window(group_by=t.patient_id, order_by=t.assessment_date)
    t = t.mutate(_run=breaker.sum().over(upto))
    first_pd = ibis.ifelse(t.overall_response == "PD", t.assessment_date, ibis.null("date"))
    t = t.mutate(_first=first_pd.min().over(group_by=[t.patient_id, t._run]))
    waited = t.assessment_date.delta(t._first, unit="day") >= confirm_min_days
    confirmed = (t.overall_response == "PD") & waited.fill_null(False)
    label = ibis.ifelse(confirmed, "iCPD", _from_recist(t.overall_response))
    return t.mutate(overall_response=label).drop("_run", "_first")
