"""Patterns of failure from progression records: in-field recurrence and first-failure site.

A progression record's ``site`` is ``in_field`` (inside an irradiated volume),
``intrahepatic_out_of_field`` or ``extrahepatic`` (``progression_events`` in
docs/data_dictionary.md).
"""

from __future__ import annotations

import duckdb
import pandas as pd

FAILURE_SITES = ("in_field", "intrahepatic_out_of_field", "extrahepatic")


def derive_failure_sites(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per cohort patient: ``in_field_recurrence`` (any in-field progression after day
    0), ``first_failure_site`` (site of the earliest progression record; ties in the order of
    ``FAILURE_SITES``) and ``first_failure_date``."""
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(FAILURE_SITES))
    sql = f"""
        WITH pe AS (
            SELECT e.patient_id, CAST(e.progression_date AS DATE) AS d, e.site,
                   CASE e.site {order} END AS rank
            FROM progression_events e JOIN cohort c USING (patient_id)
            WHERE CAST(e.progression_date AS DATE) > CAST(c.index_date AS DATE)
        ), first AS (
            SELECT * FROM pe
            QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY d, rank) = 1
        ), infield AS (
            SELECT patient_id, BOOL_OR(site = 'in_field') AS in_field_recurrence FROM pe GROUP BY 1
        )
        SELECT c.patient_id, COALESCE(i.in_field_recurrence, FALSE) AS in_field_recurrence,
               f.site AS first_failure_site, f.d AS first_failure_date
        FROM cohort c LEFT JOIN infield i USING (patient_id) LEFT JOIN first f USING (patient_id)
        ORDER BY c.patient_id
    """
    return con.execute(sql).df()
