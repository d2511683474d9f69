"""Each patient's treatment and outcome timeline relative to day 0 (the data of a swimmer plot).

Rows: RT courses and ICI exposure as intervals; tumour assessments (time-point response under
the protocol's criteria), progression, and death or last contact as points. Times are in months
from the time origin; ongoing ICI ends at the last contact.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.protocol import Protocol

TIMELINE_COLUMNS = ["patient_id", "kind", "start_months", "end_months", "label"]


def derive_timeline(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> pd.DataFrame:
    """One row per interval or event; ``kind`` in ``rt, ici, response, progression, death,
    last_contact``."""
    classes = ", ".join(f"'{c}'" for c in protocol.eligibility.ici_classes)
    days = float(protocol.survival.days_per_month)
    criteria = protocol.response.criteria.replace("'", "''")

    def m(column: str) -> str:
        return f"datediff('day', CAST(c.index_date AS DATE), CAST({column} AS DATE)) / {days}"

    sql = f"""
        SELECT c.patient_id, 'rt' AS kind, {m("r.start_date")} AS start_months,
               {m("r.end_date")} AS end_months, r.target AS label
        FROM radiotherapy r JOIN cohort c USING (patient_id)
        UNION ALL
        SELECT c.patient_id, 'ici', {m("s.start_date")},
               {m("COALESCE(s.end_date, p.last_contact_date)")}, s.agent
        FROM systemic_therapy s JOIN cohort c USING (patient_id) JOIN patients p USING (patient_id)
        WHERE s.drug_class IN ({classes})
        UNION ALL
        SELECT c.patient_id, 'response', {m("t.assessment_date")}, NULL, t.overall_response
        FROM tumor_assessments t JOIN cohort c USING (patient_id)
        WHERE t.criteria = '{criteria}' AND t.assessment_date > c.index_date
        UNION ALL
        SELECT c.patient_id, 'progression', {m("e.progression_date")}, NULL, e.site
        FROM progression_events e JOIN cohort c USING (patient_id)
        WHERE e.progression_date > c.index_date
        UNION ALL
        SELECT c.patient_id, CASE WHEN p.vital_status = 'dead' THEN 'death' ELSE 'last_contact' END,
               {m("COALESCE(p.death_date, p.last_contact_date)")}, NULL, p.vital_status
        FROM patients p JOIN cohort c USING (patient_id)
        ORDER BY ALL  -- a total order: rows tied on time and kind must not swap between runs
    """
    out = con.execute(sql).df()
    out.columns = TIMELINE_COLUMNS
    return out
