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

import duckdb
import pandas as pd

from oncorwe.derive.best_response import best_overall_response
from oncorwe.derive.irecist_bor import irecist_from_recorded
from oncorwe.derive.recist import derive_time_point_response
from oncorwe.derive.response_rules import IRECIST as IRECIST_RULES
from oncorwe.derive.response_rules import response_criteria
from oncorwe.protocol import Protocol

IRECIST = IRECIST_RULES.name
_TIME_POINT = ["patient_id", "assessment_date", "overall_response"]
DERIVED, RECORDED = "derived", "recorded"
RECORDED_NOTE = "recorded, not derived; confirmation not assessable"


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


def _recorded_best(con: duckdb.DuckDBPyConnection, criteria: str) -> pd.DataFrame:
    """Recorded best responses of cohort patients under ``criteria``, in its own words."""
    frame = con.execute(
        """SELECT r.patient_id, r.best_response AS bor,
                  CAST(r.response_date AS TIMESTAMP) AS bor_date
           FROM recorded_response r JOIN cohort USING (patient_id)
           WHERE r.criteria = ? AND r.best_response IS NOT NULL
           ORDER BY r.patient_id""",
        [criteria],
    ).df()
    own_words = response_criteria(criteria).from_recist
    frame["bor"] = frame["bor"].map(lambda v: own_words.get(v, v))
    frame["bor_date"] = pd.to_datetime(frame["bor_date"])
    return frame


def derive_best_response(
    con: duckdb.DuckDBPyConnection, protocol: Protocol, criteria: str, confirm: bool
) -> pd.DataFrame:
    """One row per cohort patient: ``patient_id, criteria, confirmed, bor, bor_date,
    bor_source`` (``derived`` from time points, or ``recorded`` as the source recorded it)."""
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
    bor["bor_source"] = DERIVED
    # patients without any time point under the criteria take their recorded best response
    recorded = _recorded_best(con, criteria)
    recorded = recorded[~recorded["patient_id"].isin(assessments["patient_id"])]
    if not recorded.empty:
        bor = bor.set_index("patient_id")
        bor.loc[recorded["patient_id"], ["bor", "bor_date"]] = recorded[
            ["bor", "bor_date"]
        ].to_numpy()
        bor.loc[recorded["patient_id"], "bor_source"] = RECORDED
        bor = bor.reset_index()
        bor["bor_date"] = pd.to_datetime(bor["bor_date"])
    bor.insert(1, "criteria", criteria)
    bor.insert(2, "confirmed", confirm)
    return bor.sort_values("patient_id").reset_index(drop=True)


def recorded_response_note(adrs: pd.DataFrame) -> str | None:
    """The note for tables and methods when any best response is recorded, not derived.

    ``adrs``: rows of :func:`derive_best_response` (unconfirmed and confirmed); None when every
    best response was derived from time points.
    """
    if "bor_source" not in adrs.columns:
        return None
    unconfirmed = adrs[~adrs["confirmed"].astype(bool)]
    counts = unconfirmed.groupby("criteria", sort=False)["bor_source"].agg(
        lambda s: (int((s == RECORDED).sum()), int(s.size))
    )
    parts = [f"{c} {k} of {n} patients" for c, (k, n) in counts.items() if k]
    if not parts:
        return None
    return (
        f"Best overall response {RECORDED_NOTE} ({'; '.join(parts)}): the source recorded a best "
        "response without time-point responses; confirmed rows repeat the recorded response."
    )
