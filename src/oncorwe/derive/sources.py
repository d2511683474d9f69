"""Predefined event and censoring sources (after admiralonco's ``death_event``, ``pd_event``,
``lastalive_censor``, ``lasta_censor``, ``rand_censor``), combined into endpoints in
``oncorwe.derive.endpoints``.

A source that depends on the study reads the protocol through a bound parameter of its
condition (``$ici_classes``: ``eligibility.ici_classes``; see ``protocol_parameters``), and
the new-therapy window through the ``new_therapy`` table that ``derive_new_therapy`` builds from
``survival.new_therapy_grace_days``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from oncorwe.derive.new_therapy import TABLE as NEW_THERAPY_TABLE
from oncorwe.derive.time_to_event import DateSource
from oncorwe.protocol import Protocol

CNSR_ALIVE = 1
CNSR_LAST_ASSESSMENT = 2
CNSR_ORIGIN = 3

death = DateSource(
    "Death", "patients", "death_date", condition="s.vital_status = 'dead'", precedence=2
)
progression_record = DateSource(
    "Disease progression (progression record)",
    "progression_events",
    "progression_date",
    strictly_after_origin=True,
    precedence=0,
)
progression_assessment = DateSource(
    "Disease progression (tumour assessment PD)",
    "tumor_assessments",
    "assessment_date",
    condition="s.overall_response = 'PD'",
    strictly_after_origin=True,
    precedence=1,
)
last_alive = DateSource("Alive at last contact", "patients", "last_contact_date", censor=CNSR_ALIVE)
last_assessment = DateSource(
    "Last tumour assessment",
    "tumor_assessments",
    "assessment_date",
    censor=CNSR_LAST_ASSESSMENT,
    strictly_after_origin=True,
)
origin_censor = DateSource(
    "Time origin (no tumour assessment after day 0)",
    "cohort",
    "index_date",
    censor=CNSR_ORIGIN,
    precedence=9,
)

in_field_progression = DateSource(
    "In-field progression (progression record)",
    "progression_events",
    "progression_date",
    condition="s.site = 'in_field'",
    strictly_after_origin=True,
    precedence=0,
)
# ICI (a class of the protocol's eligibility.ici_classes) stopped for a reason other than
# completing the planned course
ici_discontinuation = DateSource(
    "ICI discontinued (progression, toxicity, patient choice, death or other)",
    "systemic_therapy",
    "end_date",
    condition="list_contains($ici_classes, s.drug_class) AND s.stop_reason IN "
    "('progression', 'toxicity', 'patient_choice', 'death', 'other')",
    strictly_after_origin=True,
    precedence=3,
)


def protocol_parameters(protocol: Protocol) -> dict[str, Any]:
    """The protocol settings a source's condition may name as ``$parameter``."""
    return {"ici_classes": list(protocol.eligibility.ici_classes)}


def before_new_therapy(source: DateSource) -> DateSource:
    """``source`` restricted to dates on or before the patient's new anticancer therapy
    (table ``new_therapy``; patients without one keep every date)."""
    date = f'CAST(s."{source.date_column}" AS DATE)'
    limit = (
        f"COALESCE((SELECT n.nact_date FROM {NEW_THERAPY_TABLE} n "
        "WHERE n.patient_id = s.patient_id), DATE '9999-12-31')"
    )
    return replace(
        source,
        condition=f"({source.condition}) AND {date} <= {limit}",
        description=source.description
        + (" before new anticancer therapy" if source.censor else ""),
    )


def restricted_to_before_new_therapy(sources: tuple[DateSource, ...]) -> tuple[DateSource, ...]:
    """Every source restricted by ``before_new_therapy``, except day 0 itself (the origin
    precedes any new therapy)."""
    return tuple(s if s == origin_censor else before_new_therapy(s) for s in sources)
