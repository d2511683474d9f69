"""Where each contract field lives in the OMOP CDM, declared once for the reader and the twin.

A field the CDM has a column for is read from that column (dates, the person, the drug, the
stop reason, lab values). The other fields of a record are observations linked to the record
(``observation_event_id`` = the record's id), and the patient's own fields are observations of
the person; ``observation_concept_id`` (or, for concept 0, ``observation_source_value``) says
which field, as the concept sets declare. docs/omop.md gives the full table.
"""

from __future__ import annotations

from functools import cache

from oncorwe.io.schema import TABLES

# 32817 "EHR" (Type Concept vocabulary): the provenance of every generated record
EHR = 32817
# CDM field concepts (vocabulary "CDM", class "Field"): which table an event id comes from, in
# observation.obs_event_field_concept_id and episode_event.episode_event_field_concept_id
FIELD_CONCEPTS = {
    "procedure_occurrence": 1147082,  # procedure_occurrence.procedure_occurrence_id
    "drug_exposure": 1147094,  # drug_exposure.drug_exposure_id
    "condition_occurrence": 1147127,  # condition_occurrence.condition_occurrence_id
    "measurement": 1147138,  # measurement.measurement_id
}
PROCEDURE_FIELD = FIELD_CONCEPTS["procedure_occurrence"]

# patient fields held in CDM columns (person, observation_period, condition, death)
PATIENT_CDM_COLUMNS = (
    "patient_id",
    "sex",
    "birth_date",
    "diagnosis_date",
    "last_contact_date",
    "vital_status",
    "death_date",
)

# patient fields the CDM has no place for: a trial's randomisation date (an SDTM study's time
# origin; an OMOP study takes its origin from treatment dates)
PATIENT_NOT_IN_CDM = ("randomization_date",)

# per table: the fields held as observations linked to the record
_LINKED = {
    "adverse_events": ("grade", "attribution", "serious"),
    "systemic_therapy": ("cycles",),
    "radiotherapy": ("course_id", "target", "total_dose_gy", "fractions"),
    "lesions": ("lesion_id", "lesion_class", "organ", "is_lymph_node", "in_rt_field", "status"),
    "progression_events": ("site",),
}


def _numeric(table: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    types = {c.name: c.type for c in TABLES[table].columns}
    return tuple(c for c in columns if types[c] in ("int", "num"))


RECORD_ATTRIBUTES = {
    table: {"all": columns, "numeric": _numeric(table, columns)}
    for table, columns in _LINKED.items()
}


@cache
def patient_attributes() -> dict[str, tuple[str, ...]]:
    """The patient fields held as observations of the person ("all", and the "numeric" ones)."""
    skipped = PATIENT_CDM_COLUMNS + PATIENT_NOT_IN_CDM
    columns = tuple(c.name for c in TABLES["patients"].columns if c.name not in skipped)
    return {"all": columns, "numeric": _numeric("patients", columns)}


_I, _S, _D, _F = "int64", "string", "date", "float64"
# the CDM v5.4 columns oncorwe reads and writes, with their types (the CDM's own names)
CDM_TABLES: dict[str, dict[str, str]] = {
    "person": {
        "person_id": _I,
        "gender_concept_id": _I,
        "year_of_birth": _I,
        "race_concept_id": _I,
        "ethnicity_concept_id": _I,
        "person_source_value": _S,
        "gender_source_value": _S,
    },
    "observation_period": {
        "observation_period_id": _I,
        "person_id": _I,
        "observation_period_start_date": _D,
        "observation_period_end_date": _D,
        "period_type_concept_id": _I,
    },
    "death": {"person_id": _I, "death_date": _D, "death_type_concept_id": _I},
    "condition_occurrence": {
        "condition_occurrence_id": _I,
        "person_id": _I,
        "condition_concept_id": _I,
        "condition_start_date": _D,
        "condition_type_concept_id": _I,
        "condition_source_value": _S,
    },
    "observation": {
        "observation_id": _I,
        "person_id": _I,
        "observation_concept_id": _I,
        "observation_date": _D,
        "observation_type_concept_id": _I,
        "value_as_number": _F,
        "value_as_string": _S,
        "observation_source_value": _S,
        "observation_event_id": _I,
        "obs_event_field_concept_id": _I,
    },
    "drug_exposure": {
        "drug_exposure_id": _I,
        "person_id": _I,
        "drug_concept_id": _I,
        "drug_exposure_start_date": _D,
        "drug_exposure_end_date": _D,
        "verbatim_end_date": _D,
        "drug_type_concept_id": _I,
        "stop_reason": _S,
        "drug_source_value": _S,
    },
    "procedure_occurrence": {
        "procedure_occurrence_id": _I,
        "person_id": _I,
        "procedure_concept_id": _I,
        "procedure_date": _D,
        "procedure_end_date": _D,
        "procedure_type_concept_id": _I,
        "procedure_source_value": _S,
    },
    "measurement": {
        "measurement_id": _I,
        "person_id": _I,
        "measurement_concept_id": _I,
        "measurement_date": _D,
        "measurement_type_concept_id": _I,
        "value_as_number": _F,
        "range_high": _F,
        "value_source_value": _S,
        "measurement_source_value": _S,
    },
    "episode": {
        "episode_id": _I,
        "person_id": _I,
        "episode_concept_id": _I,
        "episode_start_date": _D,
        "episode_end_date": _D,
        "episode_object_concept_id": _I,
        "episode_type_concept_id": _I,
        "episode_source_value": _S,
    },
    "episode_event": {
        "episode_id": _I,
        "event_id": _I,
        "episode_event_field_concept_id": _I,
    },
}
