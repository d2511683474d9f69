"""Patterns of failure from progression records: in-field recurrence and first-failure site.

A progression record's ``site`` is ``in_field`` (inside an irradiated volume),
``intrahepatic_out_of_field`` or ``extrahepatic`` (``progression_events`` in
docs/data_dictionary.md). A table expression over the contract tables and ``cohort``
(``oncorwe.engine.tables``), run where the data are.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

FAILURE_SITES = ("in_field", "intrahepatic_out_of_field", "extrahepatic")


def derive_failure_sites(t: Mapping[str, ir.Table]) -> ir.Table:
    """One row per cohort patient: ``in_field_recurrence`` (any in-field progression after day
    0), ``first_failure_site`` (site of the earliest progression record; ties in the order of
    ``FAILURE_SITES``) and ``first_failure_date``."""
    events, cohort = t["progression_events"], t["cohort"]
    pe = events.join(cohort.select("patient_id", "index_date"), "patient_id")
    pe = pe.filter(pe.progression_date > pe.index_date)
    pe = pe.mutate(_rank=ibis.cases(*((pe.site == s, i) for i, s in enumerate(FAILURE_SITES))))
    order = ibis.row_number().over(
        group_by="patient_id", order_by=["progression_date", ibis.asc("_rank", nulls_first=False)]
    )
    first = pe.mutate(_order=order)
    first = first.filter(first._order == 0).select(
        "patient_id", first_failure_site=first.site, first_failure_date=first.progression_date
    )
    infield = pe.group_by("patient_id").aggregate(in_field_recurrence=(pe.site == "in_field").any())
    out = cohort.select("patient_id")
    for part in (infield, first):
        out = out.left_join(part, "patient_id").drop("patient_id_right")
    return out.select(
        "patient_id",
        in_field_recurrence=out.in_field_recurrence.fill_null(False),
        first_failure_site=out.first_failure_site,
        first_failure_date=out.first_failure_date,
    ).order_by("patient_id")
