"""The canonical input contract (contract v1) as data.

One place describes every table and column: the readers, the validator, ``oncorwe template`` and
the data dictionary, and the synthetic generator all read it from here.
"""

from __future__ import annotations

from oncorwe.io.schema_types import (
    BOOLEAN_FALSE,
    BOOLEAN_TRUE,
    LIST_SEPARATOR,
    PANDAS_DTYPES,
    Column,
    ColumnType,
    RequiredWhen,
    Requirement,
    Table,
)
from oncorwe.protocol.model import CRITERIA

CONTRACT_VERSION = "1"
# Responses are recorded in RECIST 1.1 words, best first, under every criteria (iUPD / iCPD are
# told apart from the records); the RECIST 1.1 and mRECIST declarations take their values here.
RESPONSE_WORDS = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")

__all__ = [
    "BOOLEAN_FALSE",
    "BOOLEAN_TRUE",
    "CONTRACT_VERSION",
    "LIST_SEPARATOR",
    "PANDAS_DTYPES",
    "RESPONSE_WORDS",
    "TABLES",
    "Column",
    "ColumnType",
    "RequiredWhen",
    "Requirement",
    "Table",
]


def _c(name, type_, required, description, allowed=(), **kw) -> Column:
    if isinstance(required, RequiredWhen):
        kw["required_when"], required = required, required.text
    return Column(name, type_, required, description, tuple(allowed), **kw)


PATIENT_ID = _c("patient_id", "text", "yes", "Study pseudonym; never a medical record number")

PATIENTS = Table(
    "patients",
    True,
    "One row per patient",
    (
        _c("patient_id", "text", "yes", "Unique study pseudonym; never a medical record number"),
        _c("sex", "text", "yes", "Sex", ("M", "F")),
        _c(
            "age_at_index",
            "int",
            "one of age_at_index, birth_date",
            "Age in years at the time origin",
            minimum=0,
            maximum=120,
        ),
        _c(
            "birth_date",
            "date",
            "one of age_at_index, birth_date",
            "Date of birth",
            partial_date=True,
        ),
        _c("diagnosis_date", "date", "yes", "Date of HCC diagnosis", partial_date=True),
        _c(
            "disease_setting",
            "text",
            "yes",
            "Disease setting at the combined treatment",
            ("de_novo_metastatic", "recurrent", "locally_advanced", "other"),
        ),
        _c(
            "etiology",
            "list",
            "no",
            "Liver disease etiology (list)",
            ("HBV", "HCV", "alcohol", "MASLD", "other", "none"),
        ),
        _c("ecog", "int", "no", "ECOG performance status", minimum=0, maximum=4),
        _c("child_pugh_score", "int", "no", "Child-Pugh score", minimum=5, maximum=15),
        _c(
            "bilirubin_umol_l",
            "num",
            "no",
            "Baseline total bilirubin, umol/L",
            minimum=0,
            maximum=1000,
        ),
        _c("albumin_g_l", "num", "no", "Baseline albumin, g/L", minimum=5, maximum=70),
        _c("inr", "num", "no", "Baseline INR", minimum=0.5, maximum=10),
        _c("ascites", "text", "no", "Ascites", ("none", "mild", "moderate_severe")),
        _c(
            "encephalopathy",
            "text",
            "no",
            "Hepatic encephalopathy",
            ("none", "grade_1_2", "grade_3_4"),
        ),
        _c("platelets_10e9_l", "num", "no", "Baseline platelets, 10^9/L", minimum=0, maximum=2000),
        _c("alt_u_l", "num", "no", "Baseline ALT, U/L", minimum=0, maximum=10000),
        _c("ast_u_l", "num", "no", "Baseline AST, U/L", minimum=0, maximum=10000),
        _c("afp_ng_ml", "num", "no", "Baseline alpha-fetoprotein, ng/mL", minimum=0),
        _c("bclc_stage", "text", "no", "BCLC stage", ("0", "A", "B", "C", "D")),
        _c(
            "pvtt",
            "text",
            "no",
            "Portal vein tumour thrombosis: none, Japanese Vp1-Vp4 or Cheng I-IV",
            ("none", "Vp1", "Vp2", "Vp3", "Vp4", "I", "II", "III", "IV"),
        ),
        _c(
            "extrahepatic_metastasis",
            "bool",
            "yes",
            "Extrahepatic metastasis at the combined treatment",
        ),
        _c(
            "metastasis_sites",
            "list",
            "no",
            "Metastatic sites (list)",
            ("lung", "bone", "lymph_node", "adrenal", "peritoneum", "brain", "other"),
        ),
        _c(
            "largest_tumor_cm",
            "num",
            "no",
            "Largest intrahepatic tumour, cm",
            minimum=0,
            maximum=40,
        ),
        _c("tumor_count", "int", "no", "Number of intrahepatic tumours", minimum=0),
        _c(
            "prior_treatments",
            "list",
            "no",
            "Treatments before the combined course (list)",
            ("resection", "transplant", "ablation", "tace", "haic", "radiotherapy", "systemic"),
        ),
        _c("last_contact_date", "date", "yes", "Last date known alive (or death date)"),
        _c("vital_status", "text", "yes", "Vital status at last contact", ("alive", "dead")),
        _c(
            "death_date",
            "date",
            RequiredWhen("vital_status", ("dead",), "patients.death_date_if_dead"),
            "Date of death; >= every other date of the patient",
        ),
        _c("randomization_date", "date", "no", "Randomisation date (trials); a time origin"),
    ),
    key=("patient_id",),
)

RADIOTHERAPY = Table(
    "radiotherapy",
    True,
    "One row per radiotherapy course",
    (
        PATIENT_ID,
        _c("course_id", "text", "yes", "Course identifier, unique within patient"),
        _c("start_date", "date", "yes", "First fraction"),
        _c("end_date", "date", "yes", "Last fraction; >= start_date"),
        _c(
            "target",
            "text",
            "yes",
            "Treated target",
            ("liver", "pvtt", "lymph_node", "bone", "lung", "adrenal", "brain", "other"),
        ),
        _c(
            "technique",
            "text",
            "no",
            "Technique",
            ("IMRT", "VMAT", "SBRT", "3DCRT", "proton", "other"),
        ),
        _c(
            "total_dose_gy",
            "num",
            "yes",
            "Total physical dose, Gy",
            minimum=0,
            minimum_exclusive=True,
            maximum=150,
            range_rule="radiotherapy.dose_range",
        ),
        _c(
            "fractions",
            "int",
            "yes",
            "Number of fractions",
            minimum=1,
            maximum=100,
            range_rule="radiotherapy.fractions_range",
        ),
    ),
    key=("patient_id", "course_id"),
)

SYSTEMIC_THERAPY = Table(
    "systemic_therapy",
    True,
    "One row per agent per line of systemic therapy",
    (
        PATIENT_ID,
        _c("agent", "text", "yes", "Generic name, e.g. camrelizumab, sintilimab, lenvatinib"),
        _c(
            "drug_class",
            "text",
            "yes",
            "Drug class",
            ("pd1", "pdl1", "ctla4", "tki", "anti_vegf", "chemotherapy", "other"),
        ),
        _c("start_date", "date", "yes", "First dose"),
        _c("end_date", "date", "no", "Last dose; empty = ongoing at last contact"),
        _c("cycles", "int", "no", "Number of cycles", minimum=0),
        _c(
            "stop_reason",
            "text",
            "no",
            "Reason for stopping",
            ("progression", "toxicity", "completed", "patient_choice", "death", "ongoing", "other"),
        ),
    ),
)

TUMOR_ASSESSMENTS = Table(
    "tumor_assessments",
    True,
    "One row per patient per assessment date (and criteria)",
    (
        PATIENT_ID,
        _c("assessment_date", "date", "yes", "Imaging date"),
        _c("criteria", "text", "yes", "Response criteria", CRITERIA),
        _c(
            "overall_response",
            "text",
            "one of overall_response, lesions",
            "Time-point response",
            RESPONSE_WORDS,
        ),
    ),
    key=("patient_id", "assessment_date", "criteria"),
    required_unless=("recorded_response",),
)

# Retrospective sheets often hold only the best response the team recorded per patient (with or
# without its date): it is used as recorded, not derived, and its confirmation is not assessable
# (oncorwe.derive.response).
RECORDED_RESPONSE = Table(
    "recorded_response",
    False,
    "Best overall response as recorded in the source, one row per patient and criteria, for "
    "patients without time-point responses; used as recorded, not derived",
    (
        PATIENT_ID,
        _c("criteria", "text", "yes", "Response criteria", CRITERIA),
        _c("best_response", "text", "yes", "Best overall response as recorded", RESPONSE_WORDS),
        _c("response_date", "date", "no", "Date of the best response, when recorded"),
    ),
    key=("patient_id", "criteria"),
)

LESIONS = Table(
    "lesions",
    False,
    "Lesion-level measurements, from which time-point responses are derived",
    (
        PATIENT_ID,
        _c("assessment_date", "date", "yes", "Imaging date"),
        _c("lesion_id", "text", "yes", "Lesion identifier, stable across assessments"),
        _c("lesion_class", "text", "yes", "Lesion class", ("target", "non_target", "new")),
        _c("organ", "text", "yes", "Organ"),
        _c("is_lymph_node", "bool", "no", "Lesion is a lymph node"),
        _c("in_rt_field", "bool", "no", "Lesion inside a radiotherapy field"),
        _c(
            "diameter_mm",
            "num",
            RequiredWhen("lesion_class", ("target",), "lesions.diameter_if_target"),
            "Longest diameter (short axis for nodes; viable "
            "diameter under mRECIST); 0 = disappeared",
            minimum=0,
            maximum=500,
        ),
        _c(
            "status",
            "text",
            RequiredWhen("lesion_class", ("non_target", "new"), "lesions.status_if_non_target"),
            "Qualitative status",
            ("present", "absent", "unequivocal_progression", "equivocal"),
        ),
    ),
)

PROGRESSION_EVENTS = Table(
    "progression_events",
    False,
    "Progression events with their site",
    (
        PATIENT_ID,
        _c("progression_date", "date", "yes", "Date progression was documented"),
        _c(
            "site",
            "text",
            "yes",
            "Site of progression",
            ("in_field", "intrahepatic_out_of_field", "extrahepatic"),
        ),
    ),
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    True,
    "One row per adverse event",
    (
        PATIENT_ID,
        _c("term", "text", "yes", "CTCAE v5.0 term, e.g. Dermatitis radiation"),
        _c(
            "grade",
            "int",
            "yes",
            "CTCAE v5.0 grade",
            minimum=1,
            maximum=5,
            range_rule="adverse_events.grade_range",
        ),
        _c(
            "onset_date",
            "date",
            "yes, unless the protocol sets safety.undated_ae_recorded_in_window",
            "Onset date; may be empty when the source records the worst grade per term within "
            "a window the protocol states",
            partial_date=True,
        ),
        _c(
            "attribution",
            "text",
            "no",
            "Attribution",
            ("radiotherapy", "immunotherapy", "both", "other", "unknown"),
        ),
        _c("serious", "bool", "no", "Serious adverse event"),
    ),
)

LABS = Table(
    "labs",
    False,
    "Longitudinal laboratory values",
    (
        PATIENT_ID,
        _c("lab_date", "date", "yes", "Sample date"),
        _c(
            "test",
            "text",
            "yes",
            "Test, named with its unit",
            (
                "platelets_10e9_l",
                "alt_u_l",
                "ast_u_l",
                "bilirubin_umol_l",
                "albumin_g_l",
                "inr",
                "alp_u_l",
                "afp_ng_ml",
            ),
        ),
        _c("value", "num", "yes", "Value in the unit the test name states", minimum=0),
        _c("uln", "num", "no", "Upper limit of normal", minimum=0),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        PATIENTS,
        RADIOTHERAPY,
        SYSTEMIC_THERAPY,
        TUMOR_ASSESSMENTS,
        RECORDED_RESPONSE,
        LESIONS,
        PROGRESSION_EVENTS,
        ADVERSE_EVENTS,
        LABS,
    )
}
