"""Findings that only the derivations can see, reported beside the validator's.

The validator checks each row against the data contract; some records are valid rows and still
cannot be used as the standards require: a second scan on the same day (a confirmation scan
cannot be on the day it confirms), a CR followed by a PR, an assessment before day 0, a lesion
measured without a baseline measurement, an adverse event term that is not a CTCAE v5.0 term.
Each becomes a named finding (table, row, column, value, rule, message) in ``validation.csv``,
never a crash and never a silent change.
"""

from __future__ import annotations

import pandas as pd

from oncorwe.derive.ctcae import check_ae_terms
from oncorwe.derive.lesion_checks import prepare_lesions
from oncorwe.derive.response_checks import check_assessments

FINDING_COLUMNS = ["table", "row", "column", "value", "rule", "severity", "message"]


def derivation_findings(accepted: dict[str, pd.DataFrame], origin: pd.DataFrame) -> pd.DataFrame:
    """Findings of the response and adverse-event derivations for the cohort's patients.

    ``origin``: the cohort's ``patient_id, index_date``; only cohort patients are checked.
    """
    cohort = set(origin["patient_id"])
    parts = []
    assessments = accepted.get("tumor_assessments")
    if assessments is not None and not assessments.empty:
        mine = assessments[assessments["patient_id"].isin(cohort)]
        for _, rows in mine.groupby("criteria", sort=True):
            parts.append(check_assessments(rows, origin))
    lesions = accepted.get("lesions")
    if lesions is not None and not lesions.empty:
        parts.append(prepare_lesions(lesions[lesions["patient_id"].isin(cohort)])[1])
    events = accepted.get("adverse_events")
    if events is not None and not events.empty:
        parts.append(check_ae_terms(events[events["patient_id"].isin(cohort)]))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    found = pd.concat(parts, ignore_index=True)
    return found.reindex(columns=FINDING_COLUMNS).drop_duplicates(ignore_index=True)
