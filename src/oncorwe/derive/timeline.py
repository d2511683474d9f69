"""Each patient's treatment and outcome timeline relative to day 0 (the data of a swimmer plot).

Rows: RT courses and ICI exposure as intervals; tumour assessments (time-point response under
the protocol's criteria), progression, and death or last contact as points. Times are in months
from the time origin; ongoing ICI ends at the last contact.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from oncorwe.protocol import Protocol

TIMELINE_COLUMNS = ["patient_id", "kind", "start_months", "end_months", "label"]


def derive_timeline(t: Mapping[str, ir.Table], protocol: Protocol) -> ir.Table:
    """One row per interval or event of a cohort patient; ``kind`` in ``rt, ici, response,
    progression, death, last_contact``; ordered by every column (rows tied on time and kind
    never swap between runs or engines)."""
    days = float(protocol.survival.days_per_month)
    cohort = t["cohort"].select("patient_id", "index_date")

    def months(rows: ir.Table, date) -> ir.FloatingValue:
        return date.cast("date").delta(rows.index_date, unit="day").cast("float64") / days

    def part(rows: ir.Table, kind, start, end, label) -> ir.Table:
        return rows.select(
            patient_id=rows.patient_id,
            kind=kind if isinstance(kind, ir.Value) else ibis.literal(kind, "string"),
            start_months=months(rows, start),
            end_months=ibis.null("float64") if end is None else months(rows, end),
            label=label.cast("string"),
        )

    rt = t["radiotherapy"].join(cohort, "patient_id")
    patients = t["patients"].join(cohort, "patient_id")
    last = patients.select("patient_id", "last_contact_date")
    ici = t["systemic_therapy"].join(cohort, "patient_id").join(last, "patient_id")
    ici = ici.filter(ici.drug_class.isin(list(protocol.eligibility.ici_classes)))
    scans = t["tumor_assessments"].join(cohort, "patient_id")
    scans = scans.filter(
        (scans.criteria == protocol.response.criteria)
        & (scans.assessment_date.cast("date") > scans.index_date)
    )
    progression = t["progression_events"].join(cohort, "patient_id")
    progression = progression.filter(
        progression.progression_date.cast("date") > progression.index_date
    )
    dead = patients.vital_status == "dead"
    parts = [
        part(rt, "rt", rt.start_date, rt.end_date, rt.target),
        part(ici, "ici", ici.start_date, ici.end_date.fill_null(ici.last_contact_date), ici.agent),
        part(scans, "response", scans.assessment_date, None, scans.overall_response),
        part(progression, "progression", progression.progression_date, None, progression.site),
        part(
            patients,
            ibis.cases((dead, "death"), else_="last_contact"),
            patients.death_date.fill_null(patients.last_contact_date),
            None,
            patients.vital_status,
        ),
    ]
    return ibis.union(*parts).order_by(TIMELINE_COLUMNS)
