"""The rules of one table and across tables as SQL over a staged table (``row_rules.Staged``).

Each function adds the findings of the rules of ``checks_tables`` (stage 3) or ``checks_cross``
(stage 4) for one staged table, generated from the contract and the checks' message templates.
The cross-table rules read ``work.patient_ids`` and ``work.accepted_patients``, written by
``patient_tables`` once the patients table has been checked: "accepted" means a patient row
without any error, the first such row of each id.
"""

from __future__ import annotations

import duckdb

from oncorwe.io.schema import TABLES
from oncorwe.validate.checks_cross import (
    ASSESSMENT_DATES,
    BEFORE_DIAGNOSIS_MESSAGE,
    CHILD_TABLES,
    DATE_AFTER_DEATH_MESSAGE,
    PATIENT_EXISTS_MESSAGE,
    PATIENT_QUARANTINED_MESSAGE,
)
from oncorwe.validate.checks_tables import (
    DEATH_IF_ALIVE_MESSAGE,
    DEATH_LAST_MESSAGE,
    END_AFTER_START_MESSAGE,
    ONE_OF_MESSAGE,
    ONSET_MISSING_MESSAGE,
    RESPONSE_OR_LESIONS_MESSAGE,
    required_when_message,
)
from oncorwe.validate.row_rules import Staged, insert_findings
from oncorwe.validate.whole_table import PATIENT_DATES, errors_of

END_AFTER_START = {
    "radiotherapy": "radiotherapy.end_after_start",
    "systemic_therapy": "systemic_therapy.end_after_start",
}
DAY = "'%Y-%m-%d'"


def _in(expression: str, values) -> str:
    return f"{expression} IN ({', '.join(_literal(v) for v in values)})"


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _patient_rules(con, s: Staged) -> None:
    """patients.age_or_birth_date, death_date_if_alive, death_last_date."""
    group = TABLES["patients"].column("age_at_index").one_of
    missing = " AND ".join(f"{s.text(c)} IS NULL" for c in group if c in s.present) or "TRUE"
    insert_findings(con, s, "patients.age_or_birth_date", "age_at_index", missing, ONE_OF_MESSAGE)
    if not s.has("death_date"):
        return
    alive = f"{s.text('vital_status')} = 'alive' AND {s.text('death_date')} IS NOT NULL"
    insert_findings(
        con, s, "patients.death_date_if_alive", "death_date", alive, DEATH_IF_ALIVE_MESSAGE
    )
    for index, col in enumerate(TABLES["patients"].columns):
        if col.type != "date" or col.name == "death_date" or col.name not in s.present:
            continue
        insert_findings(
            con,
            s,
            "patients.death_last_date",
            col.name,
            f"{s.typed(col.name)} > {s.typed('death_date')}",
            DEATH_LAST_MESSAGE,
            extra=s.text("death_date"),
            seq=index,
        )


def _required_when(con, s: Staged) -> None:
    for col in TABLES[s.name].columns:
        when = col.required_when
        if when is None or not s.has(when.column):
            continue
        value = s.text(col.name) if col.name in s.present else "NULL"
        insert_findings(
            con,
            s,
            when.rule,
            col.name,
            f"{_in(s.text(when.column), when.values)} AND {value} IS NULL",
            required_when_message(when.column),
            extra=s.text(when.column),
        )


def _response_or_lesions(con, s: Staged) -> None:
    missing = f"{s.typed('overall_response')} IS NULL" if s.has("overall_response") else "TRUE"
    # lesions, when staged, are checked before tumour assessments (``streamed.FIRST``)
    if {"patient_id", "assessment_date"} <= set(s.study.get("lesions", ())):
        missing += (
            " AND NOT EXISTS (SELECT 1 FROM typed.lesions l WHERE l.patient_id IS NOT DISTINCT "
            f"FROM {s.typed('patient_id')} AND l.assessment_date IS NOT DISTINCT FROM "
            f"{s.typed('assessment_date')})"
        )
    insert_findings(
        con,
        s,
        "tumor_assessments.response_or_lesions",
        "overall_response",
        missing,
        RESPONSE_OR_LESIONS_MESSAGE,
    )


def table_findings(con: duckdb.DuckDBPyConnection, s: Staged) -> None:
    """The rules of one table (``checks_tables``, but the range rules, which are value rules)."""
    if s.name == "patients":
        _patient_rules(con, s)
    _required_when(con, s)
    if s.name in END_AFTER_START and s.has("start_date", "end_date"):
        insert_findings(
            con,
            s,
            END_AFTER_START[s.name],
            "end_date",
            f"{s.typed('end_date')} < {s.typed('start_date')}",
            END_AFTER_START_MESSAGE,
            extra=s.text("start_date"),
        )
    if s.name == "tumor_assessments":
        _response_or_lesions(con, s)
    if s.name == "adverse_events" and s.has("patient_id"):
        onset = f"{s.text('onset_date')} IS NULL" if s.has("onset_date") else "TRUE"
        insert_findings(
            con, s, "adverse_events.onset_missing", "onset_date", onset, ONSET_MISSING_MESSAGE
        )


def patient_tables(con: duckdb.DuckDBPyConnection, present: list[str]) -> None:
    """``work.patient_ids`` (every patient_id) and ``work.accepted_patients`` (the first
    accepted row of each id, with the dates the cross-table rules read); ``present``: the
    staged columns of the patients table."""
    con.execute(
        "CREATE OR REPLACE TABLE work.patient_ids AS SELECT DISTINCT patient_id "
        "FROM checked.patients WHERE patient_id IS NOT NULL"
    )
    dates = [c for c in PATIENT_DATES if c in present]
    selected = ", ".join(["patient_id", *dates])
    con.execute(
        f"CREATE OR REPLACE TABLE work.accepted_patients AS SELECT {selected} FROM ("
        "SELECT *, row_number() OVER (PARTITION BY patient_id ORDER BY _row) AS _n "
        f"FROM typed.patients WHERE _row NOT IN (SELECT DISTINCT row {errors_of('patients')}) "
        "AND patient_id IS NOT NULL) WHERE _n = 1"
    )


def cross_findings(con: duckdb.DuckDBPyConnection, s: Staged) -> None:
    """The rules across tables (``checks_cross``) for a table other than patients."""
    if s.name not in CHILD_TABLES or not s.has("patient_id"):
        return
    patient = s.text("patient_id")
    known = f"{patient} IN (SELECT patient_id FROM work.patient_ids)"
    accepted = f"{patient} IN (SELECT patient_id FROM work.accepted_patients)"
    insert_findings(
        con,
        s,
        "cross.patient_exists",
        "patient_id",
        f"{patient} IS NOT NULL AND NOT {known}",
        PATIENT_EXISTS_MESSAGE,
    )
    insert_findings(
        con,
        s,
        "cross.patient_quarantined",
        "patient_id",
        f"{known} AND NOT {accepted}",
        PATIENT_QUARANTINED_MESSAGE,
    )
    have = s.study.get("patients", ())  # work.accepted_patients holds its PATIENT_DATES
    join = f"LEFT JOIN work.accepted_patients p ON p.patient_id = {s.typed('patient_id')}"
    death = "p.death_date" if "death_date" in have else "CAST(NULL AS TIMESTAMP_NS)"
    for index, col in enumerate(TABLES[s.name].columns):
        if col.type != "date" or col.name not in s.present:
            continue
        insert_findings(
            con,
            s,
            "cross.date_after_death",
            col.name,
            f"{s.typed(col.name)} > {death}",
            DATE_AFTER_DEATH_MESSAGE,
            extra=f"strftime({death}, {DAY})",
            source=join,
            seq=index,
        )
    column = ASSESSMENT_DATES.get(s.name)
    if column is not None and s.has(column):
        diagnosis = "p.diagnosis_date" if "diagnosis_date" in have else "CAST(NULL AS TIMESTAMP_NS)"
        insert_findings(
            con,
            s,
            "cross.assessment_after_diagnosis",
            column,
            f"{s.typed(column)} < {diagnosis}",
            BEFORE_DIAGNOSIS_MESSAGE,
            extra=f"strftime({diagnosis}, {DAY})",
            source=join,
        )
