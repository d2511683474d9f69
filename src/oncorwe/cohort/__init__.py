"""Cohort selection: time origin, eligibility steps and attrition."""

from oncorwe.cohort.database import analysis_connection, empty_table
from oncorwe.cohort.eligibility import (
    COHORT_SCHEMA,
    COHORT_TABLE,
    Cohort,
    EligibilityStep,
    build_cohort,
    cohort_engine,
    derive_eligibility,
    eligibility_steps,
)
from oncorwe.cohort.time_origin import derive_time_origin, time_origin_frame

__all__ = [
    "COHORT_SCHEMA",
    "COHORT_TABLE",
    "Cohort",
    "EligibilityStep",
    "analysis_connection",
    "build_cohort",
    "cohort_engine",
    "derive_eligibility",
    "derive_time_origin",
    "eligibility_steps",
    "empty_table",
    "time_origin_frame",
]
