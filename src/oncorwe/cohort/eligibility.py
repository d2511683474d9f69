"""Apply a protocol's eligibility step by step, keeping who left at each step and why.

The attrition table is the data behind a STROBE flow diagram (STROBE item 13a/13b: numbers at
each stage and reasons for non-participation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from oncorwe.cohort.time_origin import derive_time_origin
from oncorwe.errors import AnalysisError
from oncorwe.protocol import Protocol


@dataclass(frozen=True)
class EligibilityStep:
    """One criterion: ``keep(frame)`` is a boolean mask over the per-patient frame."""

    name: str
    description: str
    keep: Callable[[pd.DataFrame], pd.Series]


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


def eligibility_steps(protocol: Protocol) -> list[EligibilityStep]:
    e = protocol.eligibility
    start, end = pd.Timestamp(e.enrolment_start), pd.Timestamp(e.enrolment_end)
    settings = ", ".join(e.disease_settings)
    steps = [
        EligibilityStep(
            "disease_setting",
            f"Disease setting is one of: {settings}",
            lambda f: f["disease_setting"].isin(e.disease_settings).fillna(False),
        ),
    ]
    if e.require_radiotherapy:
        steps.append(
            EligibilityStep(
                "radiotherapy",
                "Received at least one radiotherapy course",
                lambda f: f["first_rt_date"].notna(),
            )
        )
    steps.append(
        EligibilityStep(
            "ici",
            f"Received an immune checkpoint inhibitor ({', '.join(e.ici_classes)})",
            lambda f: f["first_ici_date"].notna(),
        )
    )
    steps.append(
        EligibilityStep(
            "enrolment_window",
            f"Time origin within {e.enrolment_start.isoformat()} to {e.enrolment_end.isoformat()}",
            lambda f: f["index_date"].between(start, end).fillna(False),
        )
    )
    return steps


def build_cohort(con: duckdb.DuckDBPyConnection, protocol: Protocol) -> Cohort:
    """Apply the protocol's eligibility steps in order to the accepted patients.

    Steps
    -----
    1. Start from every accepted patient, with the time origin of each.
    2. Apply each step in order, recording remaining and excluded counts and ids.
    3. Refuse to go on with an empty cohort.
    """
    # step 1
    origin = derive_time_origin(con, protocol)
    setting = con.execute("SELECT patient_id, disease_setting FROM patients").df()
    frame = origin.merge(setting, on="patient_id", how="left")
    for col in ("first_rt_date", "first_ici_date", "index_date"):
        frame[col] = pd.to_datetime(frame[col])
    rows = [("source", "Patients with accepted records", len(frame), 0)]
    excluded: dict[str, tuple[str, ...]] = {}
    # step 2
    for step in eligibility_steps(protocol):
        mask = step.keep(frame).astype(bool).to_numpy()
        excluded[step.name] = tuple(sorted(frame.loc[~mask, "patient_id"]))
        frame = frame.loc[mask]
        rows.append((step.name, step.description, len(frame), int((~mask).sum())))
    attrition = pd.DataFrame(rows, columns=["step", "description", "n_remaining", "n_excluded"])
    # step 3
    if frame.empty:
        raise AnalysisError(
            "No patient meets the protocol's eligibility; see the attrition counts: "
            + "; ".join(f"{r[0]}: {r[2]} left" for r in rows)
        )
    patients = frame.drop(columns=["disease_setting"]).reset_index(drop=True)
    return Cohort(patients=patients, attrition=attrition, excluded=excluded)
