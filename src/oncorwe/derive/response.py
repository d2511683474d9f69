"""Best overall response per patient under the protocol's criteria (ADRS-shaped rows).

The time-point responses come from ``tumor_assessments`` for one criteria; the BOR rules
(admiralonco conventions: SD window, confirmation, order CR > PR > SD > NON-CR/NON-PD > PD > NE)
live in ``oncorwe.derive.best_response``.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.derive.best_response import best_overall_response
from oncorwe.protocol import Protocol


def derive_best_response(
    con: duckdb.DuckDBPyConnection, protocol: Protocol, criteria: str, confirm: bool
) -> pd.DataFrame:
    """One row per cohort patient: ``patient_id, criteria, confirmed, bor, bor_date``."""
    assessments = con.execute(
        """SELECT t.patient_id, CAST(t.assessment_date AS TIMESTAMP) AS assessment_date,
                  t.overall_response
           FROM tumor_assessments t JOIN cohort USING (patient_id)
           WHERE t.criteria = ? AND t.overall_response IS NOT NULL
           ORDER BY t.patient_id, t.assessment_date""",
        [criteria],
    ).df()
    origin = con.execute(
        "SELECT patient_id, CAST(index_date AS TIMESTAMP) AS origin FROM cohort ORDER BY 1"
    ).df()
    origin_series = pd.Series(
        pd.to_datetime(origin["origin"]).to_numpy(), index=origin["patient_id"]
    )
    assessments["assessment_date"] = pd.to_datetime(assessments["assessment_date"])
    r = protocol.response
    bor = best_overall_response(
        assessments,
        origin_series,
        confirm=confirm,
        ref_confirm=r.confirmation_min_days,
        ref_start_window=r.stable_disease_min_days,
    )
    bor = bor[["patient_id", "bor", "bor_date"]].copy()
    bor.insert(1, "criteria", criteria)
    bor.insert(2, "confirmed", confirm)
    return bor.sort_values("patient_id").reset_index(drop=True)
