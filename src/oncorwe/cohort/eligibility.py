"""Apply a protocol's eligibility step by step, keeping who left at each step and why.

The attrition table is the data behind a STROBE flow diagram (STROBE item 13a/13b: numbers at
each stage and reasons for non-participation). The steps are Ibis predicates, evaluated where
the data are; one row per patient (its dates and the first step it failed) comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from oncorwe.cohort.database import analysis_connection
from oncorwe.cohort.time_origin import derive_time_origin
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.errors import AnalysisError
from oncorwe.protocol import Protocol
from oncorwe.protocol.model import ICI_CLASSES

COHORT_TABLE = "cohort"
# the per-patient cohort table every derivation reads as ``t["cohort"]``
COHORT_SCHEMA = {
    "patient_id": "string",
    "first_rt_date": "date",
    "first_ici_date": "date",
    "index_date": "date",
}


@dataclass(frozen=True)
class EligibilityStep:
    """One criterion: ``keep(table)`` is a boolean (never missing) over the per-patient table
    (``patient_id, first_rt_date, first_ici_date, index_date, disease_setting``)."""

    name: str
    description: str
    keep: Callable[[ir.Table], ir.BooleanValue]


@dataclass(frozen=True)
class Cohort:
    """The analysed patients, their time origin, and the attrition behind them.

    ``attrition`` columns: ``step, description, n_remaining, n_excluded``; ``excluded`` maps each
    step name to the patient ids it excluded (kept in the store, never printed in a report).
    """

    patients: pd.DataFrame  # patient_id, first_rt_date, first_ici_date, index_date
    attrition: pd.DataFrame
    excluded: dict[str, tuple[str, ...]]

    @property
    def patient_ids(self) -> tuple[str, ...]:
        return tuple(self.patients["patient_id"])

    @property
    def n(self) -> int:
        return len(self.patients)


def _treatment_step(classes: tuple[str, ...]) -> str:
    """The step's description: an ICI, or (a trial protocol counting every class) any systemic
    study treatment."""
    if set(classes) <= set(ICI_CLASSES):
        return f"Received an immune checkpoint inhibitor ({', '.join(classes)})"
    return f"Received systemic study treatment ({', '.join(classes)})"


def eligibility_steps(protocol: Protocol) -> list[EligibilityStep]:
    e = protocol.eligibility
    start, end = e.enrolment_start, e.enrolment_end
    settings = ", ".join(e.disease_settings)
    steps = [
        EligibilityStep(
            "disease_setting",
            f"Disease setting is one of: {settings}",
            lambda f: f.disease_setting.isin(list(e.disease_settings)).fill_null(False),
        ),
    ]
    if e.require_radiotherapy:
        steps.append(
            EligibilityStep(
                "radiotherapy",
                "Received at least one radiotherapy course",
                lambda f: f.first_rt_date.notnull(),
            )
        )
    steps.append(
        EligibilityStep(
            "ici",
            _treatment_step(e.ici_classes),
            lambda f: f.first_ici_date.notnull(),
        )
    )
    steps.append(
        EligibilityStep(
            "enrolment_window",
            f"Time origin within {start.isoformat()} to {end.isoformat()}",
            lambda f: f.index_date.between(_date(start), _date(end)).fill_null(False),
        )
    )
    return steps


def _date(value: dt.date) -> ir.DateScalar:
    return ibis.date(value.year, value.month, value.day)


def derive_eligibility(t: Mapping[str, ir.Table], protocol: Protocol) -> ir.Table:
    """One row per accepted patient: the time origin (``derive_time_origin``) and
    ``excluded_at``, the first eligibility step the patient fails (missing: in the cohort)."""
    origin = derive_time_origin(t, protocol)
    setting = t["patients"].select("patient_id", "disease_setting")
    frame = origin.left_join(setting, "patient_id").select(*COHORT_SCHEMA, "disease_setting")
    steps = eligibility_steps(protocol)
    failed = ibis.cases(*[(~s.keep(frame), s.name) for s in steps], else_=ibis.null("string"))
    return frame.mutate(excluded_at=failed).drop("disease_setting").order_by("patient_id")


def build_cohort(engine: Engine, t: Mapping[str, ir.Table], protocol: Protocol) -> Cohort:
    """Apply the protocol's eligibility steps in order to the accepted patients, and create
    the ``cohort`` table (``COHORT_SCHEMA``) in the engine for the derivations.

    Steps
    -----
    1. Every accepted patient, with the time origin and the first step failed, from the engine.
    2. Count, step by step, who remains and who was excluded, with their ids.
    3. Refuse to go on with an empty cohort.
    4. Create the cohort table in the engine (its rows never leave it).
    """
    # step 1
    eligibility = derive_eligibility(t, protocol)
    frame = engine.query(eligibility)
    # step 2
    rows = [("source", "Patients with accepted records", len(frame), 0)]
    excluded: dict[str, tuple[str, ...]] = {}
    remaining = len(frame)
    for step in eligibility_steps(protocol):
        out = frame["excluded_at"] == step.name
        excluded[step.name] = tuple(sorted(frame.loc[out, "patient_id"]))
        remaining -= int(out.sum())
        rows.append((step.name, step.description, remaining, int(out.sum())))
    attrition = pd.DataFrame(rows, columns=["step", "description", "n_remaining", "n_excluded"])
    # step 3
    if remaining == 0:
        raise AnalysisError(
            "No patient meets the protocol's eligibility; see the attrition counts: "
            + "; ".join(f"{r[0]}: {r[2]} left" for r in rows)
        )
    patients = frame[frame["excluded_at"].isna()].drop(columns="excluded_at")
    # step 4
    kept = eligibility.filter(eligibility.excluded_at.isnull()).select(*COHORT_SCHEMA)
    engine.materialize(COHORT_TABLE, kept)
    return Cohort(patients=patients.reset_index(drop=True), attrition=attrition, excluded=excluded)


def cohort_engine(
    accepted: Mapping[str, pd.DataFrame], protocol: Protocol
) -> tuple[Engine, Cohort]:
    """An in-memory DuckDB engine over ``accepted`` frames (``analysis_connection``) with its
    ``cohort`` table built, and the cohort (for tests and notebooks)."""
    engine = Engine("duckdb", None, analysis_connection(dict(accepted)))
    return engine, build_cohort(engine, contract_tables(), protocol)
