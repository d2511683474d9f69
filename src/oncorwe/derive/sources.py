"""Predefined event and censoring sources (after admiralonco's ``death_event``, ``pd_event``,
``lastalive_censor``, ``lasta_censor``, ``rand_censor``), and the OS / PFS definitions.

OS: event = death; censored at the last date known alive (admiralonco ``lastalive_censor``;
docs/references/adam.md). PFS: event = first progression (a progression record, or a tumour
assessment with a time-point response of PD, after day 0) or death; censored at the last tumour
assessment after day 0, or at day 0 when there is none (admiralonco ``rand_censor``).
LC (local control): event = in-field progression; censored at the last tumour assessment.
TTF (time to treatment failure): event = ICI stopped for progression, toxicity, patient choice,
death or another reason, progression, or death; censored at the last contact.
"""

from __future__ import annotations

from dataclasses import replace

from oncorwe.derive.new_therapy import TABLE as NEW_THERAPY_TABLE
from oncorwe.derive.time_to_event import DateSource

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
# ICI stopped for a reason other than completing the planned course, or still ongoing
ici_stop_classes = "s.drug_class IN ('pd1', 'pdl1', 'ctla4')"
ici_discontinuation = DateSource(
    "ICI discontinued (progression, toxicity, patient choice, death or other)",
    "systemic_therapy",
    "end_date",
    condition=f"{ici_stop_classes} AND s.stop_reason IN "
    "('progression', 'toxicity', 'patient_choice', 'death', 'other')",
    strictly_after_origin=True,
    precedence=3,
)

OS_EVENTS = (death,)
OS_CENSORS = (last_alive, origin_censor)
PFS_EVENTS = (progression_record, progression_assessment, death)
PFS_CENSORS = (last_assessment, origin_censor)


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


def pfs_sources(censor_at_new_therapy: bool) -> tuple[tuple, tuple]:
    """PFS event and censoring sources; with NACT censoring, every source (day 0 aside) is
    restricted to dates on or before the new therapy."""
    if not censor_at_new_therapy:
        return PFS_EVENTS, PFS_CENSORS
    events = tuple(before_new_therapy(s) for s in PFS_EVENTS)
    return events, (before_new_therapy(last_assessment), origin_censor)


# Local control: in-field progression; death and out-of-field progression are not events
# (they censor at the last tumour assessment; see the competing-risk analysis of first failure).
LC_EVENTS = (in_field_progression,)
LC_CENSORS = (last_assessment, origin_censor)
# Time to treatment failure: ICI discontinuation for any reason but completion, progression
# or death, whichever first; censored at the last contact.
TTF_EVENTS = (ici_discontinuation, progression_record, progression_assessment, death)
TTF_CENSORS = (last_alive, origin_censor)
