"""The time origin (day 0) of every patient: cohort entry, and the origin of OS, PFS, follow-up."""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.protocol import Protocol

# Which first date is day 0, per protocol rule. The reference study's origin is unknown
# (docs/references/reference_study.md); the default is the start of the first of RT or ICI in the
# combined course.
_ORIGIN_SQL = {
    "first_of_rt_or_ici": "LEAST(first_rt_date, first_ici_date)",
    "rt_start": "first_rt_date",
    "ici_start": "first_ici_date",
}


def derive_time_origin(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> pd.DataFrame:
    """One row per patient: ``patient_id, first_rt_date, first_ici_date, index_date``.

    ``first_ici_date`` is the first start of a systemic agent whose class is one of the protocol's
    ICI classes. ``index_date`` is missing when the rule's dates are missing (LEAST ignores NULL
    only when one side exists: a patient without RT or ICI gets the date of the other).
    """
    classes = ", ".join(f"'{c}'" for c in protocol.eligibility.ici_classes)
    origin = _ORIGIN_SQL[protocol.time_origin.rule]
    sql = f"""
        WITH rt AS (
            SELECT patient_id, MIN(start_date) AS first_rt_date FROM radiotherapy GROUP BY 1
        ), ici AS (
            SELECT patient_id, MIN(start_date) AS first_ici_date FROM systemic_therapy
            WHERE drug_class IN ({classes}) GROUP BY 1
        ), dates AS (
            SELECT p.patient_id, rt.first_rt_date, ici.first_ici_date
            FROM patients p
            LEFT JOIN rt USING (patient_id) LEFT JOIN ici USING (patient_id)
        )
        SELECT patient_id, first_rt_date, first_ici_date, {origin} AS index_date
        FROM dates ORDER BY patient_id
    """
    return con.execute(sql).df()
