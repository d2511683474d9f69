"""New anticancer therapy (NACT): the first systemic agent that is not part of the combined
course, for censoring PFS at its start when the protocol asks (admiral: one censoring date = the
last assessment before NACT; docs/references/adam.md).

Rule: a systemic agent of a non-ICI class, first given more than ``new_therapy_grace_days``
after the patient's first ICI dose, and not given before that. Agents started with or soon
after the ICI (lenvatinib, bevacizumab, ...) are part of the combined course.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.protocol import Protocol

TABLE = "new_therapy"


def derive_new_therapy(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> pd.DataFrame:
    """Create table ``new_therapy`` (``patient_id, nact_date, nact_agent``) in ``con``, one row
    per cohort patient with a new anticancer therapy, and return it."""
    grace = int(protocol.survival.new_therapy_grace_days)
    con.execute(
        f"""CREATE OR REPLACE TABLE {TABLE} AS
        WITH first_use AS (
            SELECT s.patient_id, s.agent, MIN(CAST(s.start_date AS DATE)) AS first_start
            FROM systemic_therapy s JOIN cohort c USING (patient_id)
            WHERE s.drug_class IS NOT NULL AND NOT list_contains($ici_classes, s.drug_class)
            GROUP BY 1, 2
        ), new AS (
            SELECT f.patient_id, f.agent, f.first_start
            FROM first_use f JOIN cohort c USING (patient_id)
            WHERE f.first_start > CAST(c.first_ici_date AS DATE) + {grace}
        )
        SELECT patient_id, MIN(first_start) AS nact_date,
               arg_min(agent, CAST(first_start AS VARCHAR) || agent) AS nact_agent
        FROM new GROUP BY 1 ORDER BY 1""",
        {"ici_classes": list(protocol.eligibility.ici_classes)},
    )
    return con.execute(f"SELECT * FROM {TABLE}").df()
