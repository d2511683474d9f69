"""Cohort selection: time origin, eligibility steps and attrition."""

from oncorwe.cohort.database import analysis_connection, empty_table
from oncorwe.cohort.eligibility import Cohort, EligibilityStep, build_cohort, eligibility_steps
from oncorwe.cohort.time_origin import derive_time_origin

__all__ = [
    "Cohort",
    "EligibilityStep",
    "analysis_connection",
    "build_cohort",
    "derive_time_origin",
    "eligibility_steps",
    "empty_table",
]
