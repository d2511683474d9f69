"""A minimal, valid three-patient study in the canonical format, as text tables.

Used by the tests, the docs and as a worked example of the data contract. Every rule in
``oncorwe.validate`` passes on it; tests break one value at a time to trigger each rule.
"""

from __future__ import annotations

import pandas as pd

_SAMPLE = {
    "patients": {
        "patient_id": ["P001", "P002", "P003"],
        "sex": ["M", "F", "M"],
        "age_at_index": ["61", "55", "70"],
        "diagnosis_date": ["2020-01-15", "2020-03", "2019"],
        "disease_setting": ["recurrent", "de_novo_metastatic", "locally_advanced"],
        "etiology": ["HBV", "HBV;alcohol", ""],
        "ecog": ["0", "1", "1"],
        "bilirubin_umol_l": ["12.5", "20", ""],
        "albumin_g_l": ["40", "35.5", "38"],
        "pvtt": ["none", "Vp3", "none"],
        "extrahepatic_metastasis": ["false", "true", "no"],
        "metastasis_sites": ["", "lung;bone", ""],
        "last_contact_date": ["2021-06-30", "2021-02-01", "2021-12-31"],
        "vital_status": ["alive", "dead", "alive"],
        "death_date": ["", "2021-02-01", ""],
    },
    "radiotherapy": {
        "patient_id": ["P001", "P002", "P003"],
        "course_id": ["1", "1", "1"],
        "start_date": ["2020-02-01", "2020-04-01", "2020-01-10"],
        "end_date": ["2020-02-20", "2020-04-15", "2020-02-10"],
        "target": ["liver", "pvtt", "liver"],
        "technique": ["SBRT", "IMRT", "VMAT"],
        "total_dose_gy": ["40", "50", "45.5"],
        "fractions": ["5", "25", "13"],
    },
    "systemic_therapy": {
        "patient_id": ["P001", "P002", "P003"],
        "agent": ["camrelizumab", "sintilimab", "lenvatinib"],
        "drug_class": ["pd1", "pd1", "tki"],
        "start_date": ["2020-02-05", "2020-04-05", "2020-01-05"],
        "end_date": ["2020-10-01", "", "2020-06-01"],
        "cycles": ["8", "", "5"],
        "stop_reason": ["progression", "ongoing", "toxicity"],
    },
    "tumor_assessments": {
        "patient_id": ["P001", "P001", "P002", "P003"],
        "assessment_date": ["2020-04-01", "2020-07-01", "2020-06-01", "2020-04-01"],
        "criteria": ["mRECIST", "mRECIST", "RECIST1.1", "mRECIST"],
        "overall_response": ["PR", "PD", "SD", "CR"],
    },
    "adverse_events": {
        "patient_id": ["P001", "P002", "P002"],
        "term": ["Dermatitis radiation", "Platelet count decreased", "Fatigue"],
        "grade": ["1", "3", "2"],
        "onset_date": ["2020-02-15", "2020-05", "2020-05-20"],
        "attribution": ["radiotherapy", "both", "unknown"],
        "serious": ["no", "yes", "false"],
    },
}


def minimal_tables() -> dict[str, pd.DataFrame]:
    """A fresh copy of the three-patient study: table name -> DataFrame of ``string`` columns.

    Empty strings stand for missing values, as in a CSV file.
    """
    return {name: pd.DataFrame(columns, dtype="string") for name, columns in _SAMPLE.items()}
