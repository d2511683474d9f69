"""New anticancer therapy (NACT): the first systemic agent that is not part of the combined
course, for censoring PFS at its start when the protocol asks (admiral: one censoring date = the
last assessment before NACT; docs/references/adam.md).

Rule: a systemic agent of a non-ICI class (not one of the protocol's ``eligibility.
ici_classes``), first given more than ``survival.new_therapy_grace_days`` after the patient's
first ICI dose, and not given before that. Agents started with or soon after the ICI
(lenvatinib, bevacizumab, ...) are part of the combined course.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from oncorwe.protocol import Protocol

NEW_THERAPY_COLUMNS = ["patient_id", "nact_date", "nact_agent"]


def derive_new_therapy(t: Mapping[str, ir.Table], protocol: Protocol) -> ir.Table:
    """One row per cohort patient with a new anticancer therapy: ``patient_id, nact_date,
    nact_agent`` (the agent first started on ``nact_date``; on a tie the first by name),
    ordered by patient. A table expression over ``systemic_therapy`` and ``cohort``.

    Steps
    -----
    1. Each non-ICI agent's first start per cohort patient.
    2. Keep agents first started more than the grace days after the first ICI dose.
    3. Per patient the earliest such start and its agent.
    """
    s, cohort = t["systemic_therapy"], t["cohort"]
    classes = tuple(protocol.eligibility.ici_classes)
    grace = int(protocol.survival.new_therapy_grace_days)
    # step 1
    ici = s.drug_class.isin(classes) if classes else ibis.literal(False)
    s = s.filter(s.drug_class.notnull() & ~ici).semi_join(cohort, "patient_id")
    first = s.group_by(["patient_id", "agent"]).aggregate(
        first_start=s.start_date.cast("date").min()
    )
    # step 2
    c = cohort.select(_p=cohort.patient_id, _ici=cohort.first_ici_date.cast("date"))
    new = first.join(c, first.patient_id == c._p)
    new = new.filter(new.first_start > new._ici + ibis.interval(days=grace))
    # step 3
    order = ibis.row_number().over(group_by=new.patient_id, order_by=[new.first_start, new.agent])
    new = new.mutate(_n=order).filter(lambda r: r._n == 0)
    return new.select("patient_id", nact_date=new.first_start, nact_agent=new.agent).order_by(
        "patient_id"
    )
