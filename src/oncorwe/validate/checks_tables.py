"""Rules of one table: named contract ranges, conditional requirements, date order within a row.

Each ``check_*`` is registered with its rule id (``<table>.<rule>``); see docs/data_dictionary.md.
"""

from __future__ import annotations

import pandas as pd

from oncorwe.io.schema import TABLES, Column
from oncorwe.validate.checks_columns import range_findings
from oncorwe.validate.rules import Work, make_findings, rule

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


def _has(work: Work, table: str, *columns: str) -> bool:
    return table in work.typed and all(c in work.typed[table].columns for c in columns)


def _range_check(table: str, col: Column):
    """The check of a contract range that has a rule of its own (``Column.range_rule``)."""

    def check(work: Work) -> pd.DataFrame | None:
        if not _has(work, table, col.name):
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


@rule(
    "patients.age_or_birth_date",
    "error",
    "A patient needs age_at_index or birth_date (one of).",
    ("patients",),
    stage=STAGE,
)
def check_age_or_birth_date(work: Work) -> pd.DataFrame | None:
    """One of age_at_index, birth_date."""
    if "patients" not in work.text:  # a chunk of another table
        return None
    text = work.text["patients"]
    group = TABLES["patients"].column("age_at_index").one_of
    present = [c for c in group if c in text.columns]
    missing = text[present].isna().all(axis=1)
    return make_findings(
        "patients.age_or_birth_date",
        "patients",
        text,
        missing,
        "age_at_index",
        ONE_OF_MESSAGE,
    )


def _required_when_check(table: str, col: Column):
    """The check of a conditional requirement (``Column.required_when``)."""
    when = col.required_when

    def check(work: Work) -> pd.DataFrame | None:
        if not _has(work, table, when.column):
            return None
        text = work.text[table]
        value = text.get(col.name, pd.Series(pd.NA, index=text.index, dtype="string"))
        return make_findings(
            when.rule,
            table,
            text,
            text[when.column].isin(when.values) & value.isna(),
            col.name,
            required_when_message(when.column),
            extra=text[when.column],
        )

    check.__name__ = f"check_{when.rule.replace('.', '_')}"
    return check


for _table in TABLES.values():
    for _col in _table.columns:
        if _col.required_when is not None:
            rule(
                _col.required_when.rule,
                "error",
                f"{_col.name} is required {_col.required_when.text}.",
                (_table.name,),
                stage=STAGE,
            )(_required_when_check(_table.name, _col))


@rule(
    "patients.death_date_if_alive",
    "error",
    "A death_date with vital_status 'alive' contradicts itself.",
    ("patients",),
    stage=STAGE,
)
def check_death_date_if_alive(work: Work) -> pd.DataFrame | None:
    """No death date for a patient recorded alive."""
    if "patients" not in work.text:  # a chunk of another table
        return None
    text = work.text["patients"]
    if "death_date" not in text.columns:
        return None
    return make_findings(
        "patients.death_date_if_alive",
        "patients",
        text,
        (text["vital_status"] == "alive") & text["death_date"].notna(),
        "death_date",
        DEATH_IF_ALIVE_MESSAGE,
    )


@rule(
    "patients.death_last_date",
    "error",
    "No date of the patient row (last contact, diagnosis, birth) may be after death_date.",
    ("patients",),
    stage=STAGE,
)
def check_patient_death_last_date(work: Work) -> pd.DataFrame | None:
    """Dates of the patient row after death_date (e.g. last_contact_date after death)."""
    if "patients" not in work.text:  # a chunk of another table
        return None
    typed = work.typed["patients"]
    if "death_date" not in typed.columns:
        return None
    parts = []
    for col in TABLES["patients"].columns:
        if col.type != "date" or col.name == "death_date" or col.name not in typed.columns:
            continue
        parts.append(
            make_findings(
                "patients.death_last_date",
                "patients",
                work.text["patients"],
                typed[col.name] > typed["death_date"],
                col.name,
                DEATH_LAST_MESSAGE,
                extra=work.text["patients"]["death_date"],
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None


def _end_after_start(work: Work, table: str, rule_id: str) -> pd.DataFrame | None:
    if not _has(work, table, "start_date", "end_date"):
        return None
    typed = work.typed[table]
    return make_findings(
        rule_id,
        table,
        work.text[table],
        typed["end_date"] < typed["start_date"],
        "end_date",
        END_AFTER_START_MESSAGE,
        extra=work.text[table]["start_date"],
    )


@rule(
    "radiotherapy.end_after_start",
    "error",
    "Radiotherapy end_date must be on or after start_date.",
    ("radiotherapy",),
    stage=STAGE,
)
def check_rt_end_after_start(work: Work) -> pd.DataFrame | None:
    """RT end >= start."""
    return _end_after_start(work, "radiotherapy", "radiotherapy.end_after_start")


@rule(
    "systemic_therapy.end_after_start",
    "error",
    "Systemic therapy end_date, when given, must be on or after start_date.",
    ("systemic_therapy",),
    stage=STAGE,
)
def check_systemic_end_after_start(work: Work) -> pd.DataFrame | None:
    """Systemic end >= start."""
    return _end_after_start(work, "systemic_therapy", "systemic_therapy.end_after_start")


@rule(
    "tumor_assessments.response_or_lesions",
    "error",
    "An assessment needs overall_response, or lesion rows for the same patient and date.",
    ("tumor_assessments",),
    stage=STAGE,
)
def check_response_or_lesions(work: Work) -> pd.DataFrame | None:
    """One of overall_response, lesions."""
    if "tumor_assessments" not in work.typed:
        return None
    typed = work.typed["tumor_assessments"]
    missing = (
        typed["overall_response"].isna()
        if "overall_response" in typed.columns
        else pd.Series(True, index=typed.index)
    )
    keys = None
    if work.context is not None and work.context.lesion_keys is not None:
        keys = work.context.lesion_keys
    elif _has(work, "lesions", "patient_id", "assessment_date"):
        lesions = work.typed["lesions"][["patient_id", "assessment_date"]].drop_duplicates()
        keys = pd.MultiIndex.from_frame(lesions)
    if keys is not None:
        here = pd.MultiIndex.from_frame(typed[["patient_id", "assessment_date"]])
        missing &= ~pd.Series(here.isin(keys), index=typed.index)
    return make_findings(
        "tumor_assessments.response_or_lesions",
        "tumor_assessments",
        work.text["tumor_assessments"],
        missing,
        "overall_response",
        RESPONSE_OR_LESIONS_MESSAGE,
    )


@rule(
    "adverse_events.onset_missing",
    "warning",
    "An adverse event without onset_date is counted only when the protocol states the window it "
    "was recorded in (safety.undated_ae_recorded_in_window).",
    ("adverse_events",),
    stage=STAGE,
)
def check_onset_missing(work: Work) -> pd.DataFrame | None:
    """onset_date may be empty for sources that record the worst grade per term in a window."""
    if not _has(work, "adverse_events", "patient_id"):
        return None
    text = work.text["adverse_events"]
    onset = text.get("onset_date", pd.Series(pd.NA, index=text.index, dtype="string"))
    return make_findings(
        "adverse_events.onset_missing",
        "adverse_events",
        text,
        onset.isna(),
        "onset_date",
        ONSET_MISSING_MESSAGE,
    )
