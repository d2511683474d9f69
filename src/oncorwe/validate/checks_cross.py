"""Rules across tables: the patient of every row exists and is accepted; death is the last date;
assessments are on or after diagnosis.

The rules are declared here, with their messages, and run as SQL over the staged tables
(``oncorwe.validate.table_rules``) after every one-table rule, so "accepted patient" means a
patient row without any error: a quarantined patient takes all of its rows in other tables with
it (cascade).
"""

from __future__ import annotations

from oncorwe.io.schema import TABLES
from oncorwe.validate.rules import define_rule

STAGE = 4
PATIENT_EXISTS_MESSAGE = (
    "{table} row {row}, column {column}: patient '{value}' is not in the patients table"
)
PATIENT_QUARANTINED_MESSAGE = (
    "{table} row {row}, column {column}: patient '{value}' is quarantined, so this row "
    "is too; fix the patient row first"
)
DATE_AFTER_DEATH_MESSAGE = (
    "{table} row {row}, column {column}: {value} is after the patient's death_date {extra}"
)
BEFORE_DIAGNOSIS_MESSAGE = (
    "{table} row {row}, column {column}: {value} is before the diagnosis date {extra}"
)

CHILD_TABLES = tuple(name for name in TABLES if name != "patients")
ASSESSMENT_DATES = {
    "tumor_assessments": "assessment_date",
    "recorded_response": "response_date",
    "lesions": "assessment_date",
}


define_rule(
    "cross.patient_exists",
    "error",
    "A row's patient_id must exist in the patients table.",
    CHILD_TABLES,
    stage=STAGE,
)
define_rule(
    "cross.patient_quarantined",
    "error",
    "A row whose patient row is quarantined is quarantined too (cascade).",
    CHILD_TABLES,
    stage=STAGE,
)
define_rule(
    "cross.date_after_death",
    "error",
    "No date of a patient's row in another table may be after the patient's death_date.",
    CHILD_TABLES,
    stage=STAGE,
)
define_rule(
    "cross.assessment_after_diagnosis",
    "error",
    "Tumour assessments and lesion measurements must be on or after the diagnosis date.",
    tuple(ASSESSMENT_DATES),
    stage=STAGE,
)
