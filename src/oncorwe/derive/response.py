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
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.derive.best_response import best_overall_response
from oncorwe.derive.irecist_bor import irecist_from_recorded
from oncorwe.derive.recist import derive_time_point_response
from oncorwe.derive.response_rules import IRECIST as IRECIST_RULES
from oncorwe.protocol import Protocol

IRECIST = IRECIST_RULES.name
_TIME_POINT = ["patient_id", "assessment_date", "overall_response"]


def _recorded(con: duckdb.DuckDBPyConnection, criteria: str) -> pd.DataFrame:
    frame = con.execute(
        """SELECT t.patient_id, CAST(t.assessment_date AS TIMESTAMP) AS assessment_date,
                  t.overall_response
           FROM tumor_assessments t JOIN cohort USING (patient_id)
           WHERE t.criteria = ? AND t.overall_response IS NOT NULL
           ORDER BY t.patient_id, t.assessment_date""",
        [criteria],
    ).df()
    frame["assessment_date"] = pd.to_datetime(frame["assessment_date"])
    return frame


def _irecist_time_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """iRECIST time points: from lesions where a patient has any, else from the recorded ones."""
    lesions = con.execute(
        "SELECT l.* FROM lesions l JOIN cohort USING (patient_id) ORDER BY ALL"
    ).df()
    recorded = irecist_from_recorded(_recorded(con, IRECIST))
    if lesions.empty:
        return recorded
    derived = derive_time_point_response(lesions, IRECIST).responses[_TIME_POINT]
    derived = derived[derived["overall_response"].notna()]
    recorded = recorded[~recorded["patient_id"].isin(lesions["patient_id"])]
    both = pd.concat([derived, recorded], ignore_index=True)
    both["assessment_date"] = pd.to_datetime(both["assessment_date"])
    return both.sort_values(["patient_id", "assessment_date"], kind="mergesort")


def derive_best_response(
    con: duckdb.DuckDBPyConnection, protocol: Protocol, criteria: str, confirm: bool
) -> pd.DataFrame:
    """One row per cohort patient: ``patient_id, criteria, confirmed, bor, bor_date``."""
    origin = con.execute(
        "SELECT patient_id, CAST(index_date AS TIMESTAMP) AS origin FROM cohort ORDER BY 1"
    ).df()
    origin_series = pd.Series(
        pd.to_datetime(origin["origin"]).to_numpy(), index=origin["patient_id"]
    )
    if criteria == IRECIST:
        assessments = _irecist_time_points(con)
    else:
        assessments = _recorded(con, criteria)
    r = protocol.response
    bor = best_overall_response(
        assessments,
        origin_series,
        criteria,
        confirm=confirm,
        ref_confirm=r.confirmation_min_days,
        ref_start_window=r.stable_disease_min_days,
    )
    bor = bor[["patient_id", "bor", "bor_date"]].copy()
    bor.insert(1, "criteria", criteria)
    bor.insert(2, "confirmed", confirm)
    return bor.sort_values("patient_id").reset_index(drop=True)
