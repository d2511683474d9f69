"""A six-patient study, typed as the validator returns it, with answers worked out by hand.

P1 concurrent, died; P2 ICI first, alive; P3 locally advanced (excluded); P4 no ICI (excluded);
P5 outside the enrolment window (excluded); P6 concurrent with ongoing ICI, no assessment.
"""

from __future__ import annotations

import pandas as pd


def _d(values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


def accepted_tables() -> dict[str, pd.DataFrame]:
    patients = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "sex": ["M", "F", "M", "M", "F", "M"],
            "age_at_index": pd.array([61, 55, 70, None, 48, 66], dtype="Int64"),
            "birth_date": _d([None, None, None, "1950-06-15", None, None]),
            "diagnosis_date": _d(
                ["2018-06-01", "2017-01-01", "2018-01-01", "2018-01-01", "2016-01-01", "2019-10-01"]
            ),
            "disease_setting": [
                "de_novo_metastatic",
                "recurrent",
                "locally_advanced",
                "de_novo_metastatic",
                "recurrent",
                "de_novo_metastatic",
            ],
            "etiology": ["HBV", "HBV;alcohol", "HCV", None, "HBV", "none"],
            "pvtt": ["Vp3", "none", "Vp2", None, "I", None],
            "extrahepatic_metastasis": pd.array(
                [True, False, False, True, True, True], dtype="boolean"
            ),
            "last_contact_date": _d(
                ["2020-01-10", "2020-05-01", "2019-01-01", "2019-01-01", "2018-01-01", "2020-06-01"]
            ),
            "vital_status": ["dead", "alive", "alive", "alive", "alive", "alive"],
            "death_date": _d(["2020-01-10", None, None, None, None, None]),
        }
    )
    radiotherapy = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P4", "P5", "P6"],
            "course_id": ["1", "1", "1", "1", "1"],
            "start_date": _d(
                ["2019-01-10", "2019-12-01", "2018-05-01", "2017-05-01", "2020-03-01"]
            ),
            "end_date": _d(["2019-02-10", "2019-12-05", "2018-06-01", "2017-05-20", "2020-03-20"]),
            "target": ["liver", "lung", "bone", "liver", "pvtt"],
            "technique": ["IMRT", "SBRT", "3DCRT", "IMRT", "IMRT"],
            "total_dose_gy": [50.0, 40.0, 30.0, 45.0, 60.0],
            "fractions": pd.array([25, 5, 10, 15, 30], dtype="Int64"),
        }
    )
    systemic = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P2", "P4", "P5", "P6"],
            "agent": [
                "camrelizumab",
                "sintilimab",
                "lenvatinib",
                "lenvatinib",
                "nivolumab",
                "tislelizumab",
            ],
            "drug_class": ["pd1", "pd1", "tki", "tki", "pd1", "pd1"],
            "start_date": _d(
                ["2019-02-01", "2019-05-01", "2019-05-01", "2018-04-01", "2017-06-01", "2020-01-01"]
            ),
            "end_date": _d(["2019-08-01", "2019-09-01", "2019-09-01", None, "2017-09-01", None]),
            "cycles": pd.array([8, 6, None, None, 4, 7], dtype="Int64"),
        }
    )
    assessments = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2", "P1"],
            "assessment_date": _d(
                ["2019-03-15", "2019-06-10", "2019-07-01", "2019-10-01", "2019-01-05"]
            ),
            "criteria": ["mRECIST"] * 5,
            "overall_response": ["PR", "PD", "SD", "SD", "SD"],
        }
    )
    progression = pd.DataFrame(
        {
            "patient_id": ["P1"],
            "progression_date": _d(["2019-06-10"]),
            "site": ["in_field"],
        }
    )
    adverse = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1", "P6", "P6", "P2"],
            "term": [
                "Dermatitis radiation",
                "Platelet count decreased",
                "Platelet count decreased",
                "Fatigue",
                "Dermatitis radiation",
                "Dermatitis radiation",
            ],
            "grade": pd.array([2, 3, 1, 2, 1, 1], dtype="Int64"),
            "onset_date": _d(
                ["2019-01-25", "2019-03-01", "2019-02-01", "2019-12-15", "2020-03-10", "2019-12-20"]
            ),
        }
    )
    return {
        "patients": patients,
        "radiotherapy": radiotherapy,
        "systemic_therapy": systemic,
        "tumor_assessments": assessments,
        "progression_events": progression,
        "adverse_events": adverse,
    }
