"""Rules across tables: the patient of every row exists and is accepted; death is the last date;
assessments are on or after diagnosis.

These checks run after every one-table rule, so "accepted patient" means a patient row without
any error: a quarantined patient takes all of its rows in other tables with it (cascade).
"""

from __future__ import annotations

import pandas as pd

from oncorwe.io.schema import TABLES
from oncorwe.validate.rules import Work, make_findings, rule

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


def is_member(series: pd.Series, values) -> pd.Series:
    """``series.isin(values)`` for large value sets (Arrow strings check them one by one)."""
    return series.astype(object).isin(pd.Index(values).astype(object))


def _children(work: Work):
    for name in CHILD_TABLES:
        if name in work.text and "patient_id" in work.text[name].columns:
            yield name, work.text[name]


def _known_patients(work: Work):
    """Every patient_id of the patients table."""
    if work.context is not None and work.context.patient_ids is not None:
        return work.context.patient_ids
    return work.text["patients"]["patient_id"].dropna().unique()


def _accepted_patients(work: Work) -> pd.DataFrame:
    """Accepted patient rows (first of duplicated ids), indexed by patient_id."""
    if work.context is not None and work.context.accepted_patients is not None:
        return work.context.accepted_patients
    patients = work.typed["patients"]
    keep = ~patients.index.isin(work.error_positions("patients"))
    accepted = patients.loc[keep & patients["patient_id"].notna()]
    return accepted.drop_duplicates("patient_id").set_index("patient_id")


@rule(
    "cross.patient_exists",
    "error",
    "A row's patient_id must exist in the patients table.",
    CHILD_TABLES,
    stage=STAGE,
)
def check_patient_exists(work: Work) -> pd.DataFrame | None:
    """Child rows whose patient_id is not in patients."""
    children = list(_children(work))
    known = _known_patients(work) if children else ()
    parts = [
        make_findings(
            "cross.patient_exists",
            name,
            text,
            text["patient_id"].notna() & ~is_member(text["patient_id"], known),
            "patient_id",
            PATIENT_EXISTS_MESSAGE,
        )
        for name, text in children
    ]
    return pd.concat(parts, ignore_index=True) if parts else None


@rule(
    "cross.patient_quarantined",
    "error",
    "A row whose patient row is quarantined is quarantined too (cascade).",
    CHILD_TABLES,
    stage=STAGE,
)
def check_patient_quarantined(work: Work) -> pd.DataFrame | None:
    """Child rows of patients that exist but were quarantined."""
    children = list(_children(work))
    if not children:
        return None
    known = _known_patients(work)
    accepted = _accepted_patients(work).index
    parts = [
        make_findings(
            "cross.patient_quarantined",
            name,
            text,
            is_member(text["patient_id"], known) & ~is_member(text["patient_id"], accepted),
            "patient_id",
            PATIENT_QUARANTINED_MESSAGE,
        )
        for name, text in children
    ]
    return pd.concat(parts, ignore_index=True) if parts else None


def _patient_value(work: Work, table: str, column: str) -> pd.Series:
    """The accepted patient's ``column`` aligned to the rows of ``table``."""
    patients = _accepted_patients(work)
    if column not in patients.columns:
        return pd.Series(pd.NaT, index=work.typed[table].index, dtype="datetime64[ns]")
    ids = work.typed[table]["patient_id"]
    values = patients[column].reindex(pd.Index(ids.to_numpy(dtype=object)))
    return pd.Series(values.to_numpy(), index=ids.index, dtype=patients[column].dtype)


@rule(
    "cross.date_after_death",
    "error",
    "No date of a patient's row in another table may be after the patient's death_date.",
    CHILD_TABLES,
    stage=STAGE,
)
def check_date_after_death(work: Work) -> pd.DataFrame | None:
    """Dates in child tables after the patient's death_date."""
    parts = []
    for name, _ in _children(work):
        death = _patient_value(work, name, "death_date")
        shown = death.dt.strftime("%Y-%m-%d")
        for col in TABLES[name].columns:
            if col.type != "date" or col.name not in work.typed[name].columns:
                continue
            parts.append(
                make_findings(
                    "cross.date_after_death",
                    name,
                    work.text[name],
                    work.typed[name][col.name] > death,
                    col.name,
                    DATE_AFTER_DEATH_MESSAGE,
                    extra=shown,
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else None


@rule(
    "cross.assessment_after_diagnosis",
    "error",
    "Tumour assessments and lesion measurements must be on or after the diagnosis date.",
    tuple(ASSESSMENT_DATES),
    stage=STAGE,
)
def check_assessment_after_diagnosis(work: Work) -> pd.DataFrame | None:
    """Assessment dates before diagnosis (a partial diagnosis date counts as its first day)."""
    parts = []
    for name, column in ASSESSMENT_DATES.items():
        if name not in work.typed or column not in work.typed[name].columns:
            continue
        diagnosis = _patient_value(work, name, "diagnosis_date")
        parts.append(
            make_findings(
                "cross.assessment_after_diagnosis",
                name,
                work.text[name],
                work.typed[name][column] < diagnosis,
                column,
                BEFORE_DIAGNOSIS_MESSAGE,
                extra=diagnosis.dt.strftime("%Y-%m-%d"),
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None
