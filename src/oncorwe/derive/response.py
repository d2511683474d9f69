"""Best overall response per patient under the protocol's criteria (ADRS-shaped rows).

The time-point responses come from ``tumor_assessments`` for one criteria; the BOR rules are
declared in ``oncorwe.derive.response_rules`` (docs/references/) and applied by the generic
``oncorwe.derive.best_response.best_overall_response``; the windows are the protocol's
``response.confirmation_min_days`` and ``response.stable_disease_min_days``.

iRECIST needs to tell unconfirmed from confirmed progression (iUPD / iCPD), which the recorded
words (CR ... PD) cannot: a patient's iRECIST time points are derived from their ``lesions``
records when there are any (:func:`oncorwe.derive.recist.derive_time_point_response`, the
exact iRECIST rules), else from the recorded iRECIST responses
(:func:`oncorwe.derive.irecist_bor.irecist_from_recorded`, an approximation); ``bor`` then takes
the iRECIST categories (iCR, iPR, ...).

Retrospective sheets often hold only the best response the team recorded per patient
(``recorded_response``). A patient with no time-point response under a criteria but a recorded
best response under it takes the recorded one (``bor_source = "recorded"``): recorded, not
derived, so its confirmation is not assessable and the confirmed rows repeat it
(:func:`recorded_response_note` says so in the tables and methods). Under iRECIST a recorded PD
reads as iUPD (a recorded word cannot tell whether it was confirmed).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.derive.best_response import best_response
from oncorwe.derive.irecist_bor import recorded_as_irecist
from oncorwe.derive.recist import time_point_responses
from oncorwe.derive.response_rules import IRECIST as IRECIST_RULES
from oncorwe.derive.response_rules import response_criteria
from oncorwe.engine import Engine
from oncorwe.protocol import Protocol

IRECIST = IRECIST_RULES.name
_TIME_POINT = ("patient_id", "assessment_date", "overall_response")
DERIVED, RECORDED = "derived", "recorded"
RECORDED_NOTE = "recorded, not derived; confirmation not assessable"
ADRS_COLUMNS = ["patient_id", "criteria", "confirmed", "bor", "bor_date", "bor_source"]


def _recorded(t: Mapping[str, ir.Table], criteria: str) -> ir.Table:
    """Recorded time-point responses of cohort patients under ``criteria``."""
    a = t["tumor_assessments"].semi_join(t["cohort"], "patient_id")
    a = a.filter((a.criteria == criteria) & a.overall_response.notnull())
    return a.select(*_TIME_POINT)


def _irecist_time_points(t: Mapping[str, ir.Table]) -> ir.Table:
    """iRECIST time points: from lesions where a patient has any, else from the recorded ones."""
    lesions = t["lesions"].semi_join(t["cohort"], "patient_id")
    derived = time_point_responses({"lesions": lesions}, IRECIST)
    derived = derived.filter(derived.overall_response.notnull()).select(*_TIME_POINT)
    recorded = recorded_as_irecist(_recorded(t, IRECIST)).anti_join(lesions, "patient_id")
    return derived.union(recorded.select(*_TIME_POINT))


def _recorded_best(t: Mapping[str, ir.Table], criteria: str) -> ir.Table:
    """Recorded best responses of cohort patients under ``criteria``, in its own words."""
    r = t["recorded_response"].semi_join(t["cohort"], "patient_id")
    r = r.filter((r.criteria == criteria) & r.best_response.notnull())
    own = response_criteria(criteria).from_recist
    word = ibis.cases(*((r.best_response == k, v) for k, v in own.items()), else_=r.best_response)
    return r.select(_p=r.patient_id, _bor=word, _date=r.response_date)


def derive_best_response(
    t: Mapping[str, ir.Table], protocol: Protocol, criteria: str, confirm: bool
) -> ir.Table:
    """One row per cohort patient: ``patient_id, criteria, confirmed, bor, bor_date,
    bor_source`` (``derived`` from time points, or ``recorded`` as the source recorded it).

    A table expression over the contract tables and ``cohort`` (runs nothing); the windows are
    the protocol's. Run it with :func:`query_best_response`.
    """
    assessments = _irecist_time_points(t) if criteria == IRECIST else _recorded(t, criteria)
    assessments = assessments.alias("response_time_points")
    r = protocol.response
    bor = best_response(
        assessments,
        t["cohort"].select("patient_id", "index_date"),
        criteria,
        confirm=confirm,
        ref_confirm=r.confirmation_min_days,
        ref_start_window=r.stable_disease_min_days,
    )
    # patients without any time point under the criteria take their recorded best response
    seen = assessments.select(_p=assessments.patient_id).distinct()
    recorded = _recorded_best(t, criteria).anti_join(seen, "_p")
    out = bor.left_join(recorded, bor.patient_id == recorded._p)
    taken = out._p.notnull()
    return out.select(
        "patient_id",
        criteria=ibis.literal(criteria),
        confirmed=ibis.literal(bool(confirm)),
        bor=ibis.ifelse(taken, out._bor, out.bor),
        bor_date=ibis.ifelse(taken, out._date, out.bor_date),
        bor_source=ibis.ifelse(taken, RECORDED, DERIVED),
    ).order_by("patient_id")


def query_best_response(
    engine: Engine, t: Mapping[str, ir.Table], protocol: Protocol, criteria: str, confirm: bool
) -> pd.DataFrame:
    """:func:`derive_best_response` run on ``engine``: the per-patient ADRS rows as a frame."""
    return typed_adrs(engine.query(derive_best_response(t, protocol, criteria, confirm)))


def typed_adrs(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`derive_best_response` as they came back, as ADRS: ``ADRS_COLUMNS``,
    ``bor_date`` a timestamp, ``confirmed`` a plain boolean."""
    out = rows.loc[:, ADRS_COLUMNS].reset_index(drop=True)
    out["bor_date"] = pd.to_datetime(out["bor_date"]).astype("datetime64[ns]")
    out["confirmed"] = out["confirmed"].astype(bool)
    return out


def recorded_response_note(adrs: pd.DataFrame) -> str | None:
    """The note for tables and methods when any best response is recorded, not derived.

    ``adrs``: rows of :func:`derive_best_response` (unconfirmed and confirmed), or their counts
    (``criteria, confirmed, bor_source, n``; ``oncorwe.analysis.datasets.AnalysisDatasets.
    response_counts``); None when every best response was derived from time points.
    """
    if "bor_source" not in adrs.columns:
        return None
    unconfirmed = adrs[~adrs["confirmed"].astype(bool)]
    n = unconfirmed["n"] if "n" in unconfirmed.columns else pd.Series(1, unconfirmed.index)
    recorded = (unconfirmed["bor_source"] == RECORDED) * n
    patients = pd.DataFrame({"criteria": unconfirmed["criteria"], "recorded": recorded, "n": n})
    counts = patients.groupby("criteria", sort=False)[["recorded", "n"]].sum()
    parts = [f"{c} {int(k)} of {int(m)} patients" for c, k, m in counts.itertuples() if k]
    if not parts:
        return None
    return (
        f"Best overall response {RECORDED_NOTE} ({'; '.join(parts)}): the source recorded a best "
        "response without time-point responses; confirmed rows repeat the recorded response."
    )
