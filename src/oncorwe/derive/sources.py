"""Predefined event and censoring sources (after admiralonco's ``death_event``, ``pd_event``,
``lastalive_censor``, ``lasta_censor``, ``rand_censor``), combined into endpoints in
``oncorwe.derive.endpoints``.

Each source's rows are a condition declared as data (``oncorwe.derive.conditions``); a source
that depends on the study names the protocol setting it reads (``ici_discontinuation``:
``Setting("eligibility.ici_classes")``), and the new-therapy window is the flag
``before_new_therapy`` (``oncorwe.derive.new_therapy``, ``survival.new_therapy_grace_days``).
"""

from __future__ import annotations

from dataclasses import replace

from oncorwe.derive.conditions import AllOf, Setting, Where
from oncorwe.derive.time_to_event import DateSource

CNSR_ALIVE = 1
CNSR_LAST_ASSESSMENT = 2
CNSR_ORIGIN = 3
# why an ICI was stopped, other than completing the planned course
ICI_FAILURE_REASONS = ("progression", "toxicity", "patient_choice", "death", "other")

death = DateSource(
    "Death", "patients", "death_date", condition=Where("vital_status", "==", "dead"), precedence=2
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
    condition=Where("overall_response", "==", "PD"),
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
    condition=Where("site", "==", "in_field"),
    strictly_after_origin=True,
    precedence=0,
)
# ICI (a class of the protocol's eligibility.ici_classes) stopped for a reason other than
# completing the planned course
ici_discontinuation = DateSource(
    "ICI discontinued (progression, toxicity, patient choice, death or other)",
    "systemic_therapy",
    "end_date",
    condition=AllOf(
        (
            Where("drug_class", "in", Setting("eligibility.ici_classes")),
            Where("stop_reason", "in", ICI_FAILURE_REASONS),
        )
    ),
    strictly_after_origin=True,
    precedence=3,
)


def before_new_therapy(source: DateSource) -> DateSource:
    """``source`` restricted to dates on or before the patient's new anticancer therapy
    (patients without one keep every date)."""
    return replace(
        source,
        before_new_therapy=True,
        description=source.description
        + (" before new anticancer therapy" if source.censor else ""),
    )


def restricted_to_before_new_therapy(sources: tuple[DateSource, ...]) -> tuple[DateSource, ...]:
    """Every source restricted by ``before_new_therapy``, except day 0 itself (the origin
    precedes any new therapy)."""
    return tuple(s if s == origin_censor else before_new_therapy(s) for s in sources)
