"""Rules of one table: named contract ranges, conditional requirements, date order within a row.

Every rule has its id (``<table>.<rule>``; see docs/data_dictionary.md) and its place in the
check order here. A named range judges one value: its ``check_*`` runs once per distinct value
(``oncorwe.validate.value_rules``). The other rules judge rows: they are declared here, with
their messages, and run as SQL generated from the contract (``oncorwe.validate.table_rules``).
"""

from __future__ import annotations

import pandas as pd

from oncorwe.io.schema import TABLES, Column
from oncorwe.validate.checks_columns import range_findings
from oncorwe.validate.rules import Work, define_rule, rule

STAGE = 3
ONE_OF_MESSAGE = "{table} row {row}: neither age_at_index nor birth_date is given; give one of them"
DEATH_IF_ALIVE_MESSAGE = (
    "{table} row {row}, column {column}: death_date '{value}' given but vital_status is alive"
)
DEATH_LAST_MESSAGE = "{table} row {row}, column {column}: {value} is after the death_date {extra}"
END_AFTER_START_MESSAGE = (
    "{table} row {row}, column {column}: end {value} is before start_date {extra}"
)
RESPONSE_OR_LESIONS_MESSAGE = (
    "{table} row {row}, column {column}: no overall_response and no lesions for this "
    "patient and date"
)
ONSET_MISSING_MESSAGE = (
    "{table} row {row}, column {column}: no onset date; counted only when the protocol "
    "states the window it was recorded in (safety.undated_ae_recorded_in_window)"
)


def required_when_message(column: str) -> str:
    """The message of a conditional requirement on ``column``."""
    return (
        "{table} row {row}, column {column}: missing, but required where "
        + column.replace("{", "{{").replace("}", "}}")
        + " is '{extra}'"
    )


def _range_check(table: str, col: Column):
    """The check of a contract range that has a rule of its own (``Column.range_rule``)."""

    def check(work: Work) -> pd.DataFrame | None:
        if table not in work.typed or col.name not in work.typed[table].columns:
            return None
        return range_findings(work, table, col, col.range_rule)

    check.__name__ = f"check_{col.range_rule.replace('.', '_')}"
    return check


for _table in TABLES.values():
    for _col in _table.columns:
        if _col.range_rule is not None:
            rule(
                _col.range_rule,
                "error",
                f"{_col.name} ({_col.description}) must be in {_col.range_text}.",
                (_table.name,),
                stage=STAGE,
            )(_range_check(_table.name, _col))


define_rule(
    "patients.age_or_birth_date",
    "error",
    "A patient needs age_at_index or birth_date (one of).",
    ("patients",),
    stage=STAGE,
)
for _table in TABLES.values():
    for _col in _table.columns:
        if _col.required_when is not None:
            define_rule(
                _col.required_when.rule,
                "error",
                f"{_col.name} is required {_col.required_when.text}.",
                (_table.name,),
                stage=STAGE,
            )
define_rule(
    "patients.death_date_if_alive",
    "error",
    "A death_date with vital_status 'alive' contradicts itself.",
    ("patients",),
    stage=STAGE,
)
define_rule(
    "patients.death_last_date",
    "error",
    "No date of the patient row (last contact, diagnosis, birth) may be after death_date.",
    ("patients",),
    stage=STAGE,
)
define_rule(
    "radiotherapy.end_after_start",
    "error",
    "Radiotherapy end_date must be on or after start_date.",
    ("radiotherapy",),
    stage=STAGE,
)
define_rule(
    "systemic_therapy.end_after_start",
    "error",
    "Systemic therapy end_date, when given, must be on or after start_date.",
    ("systemic_therapy",),
    stage=STAGE,
)
define_rule(
    "tumor_assessments.response_or_lesions",
    "error",
    "An assessment needs overall_response, or lesion rows for the same patient and date.",
    ("tumor_assessments",),
    stage=STAGE,
)
define_rule(
    "adverse_events.onset_missing",
    "warning",
    "An adverse event without onset_date is counted only when the protocol states the window it "
    "was recorded in (safety.undated_ae_recorded_in_window).",
    ("adverse_events",),
    stage=STAGE,
)
