"""A REDCap project designed independently of oncorwe's names, holding the seed twin: its own
field names and labels, coded radio/dropdown choices (codes unlike the contract's values, a
negative checkbox code), a checkbox of metastatic sites, a yes/no field, and repeating
instruments for RT courses, drugs, imaging, progression and toxicity; written as REDCap writes
the data dictionary and a raw CSV export."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from conftest import seed_twin_tables
from oncorwe.io.formats.redcap import checkbox_column
from oncorwe.io.formats.redcap_dictionary import DICTIONARY_HEADERS


class Field(NamedTuple):
    name: str
    form: str
    type: str
    label: str
    choices: tuple = ()  # (code, label, contract value)
    validation: str = ""
    column: str = ""  # the seed twin's column it holds


def _coded(values: list[str], start: int = 1) -> tuple:
    return tuple((str(k), v.replace("_", " ").capitalize(), v) for k, v in enumerate(values, start))


SEX = (("1", "Male", "M"), ("2", "Female", "F"))
SETTING = _coded(["de_novo_metastatic", "recurrent", "locally_advanced"]) + (
    ("9", "Other", "other"),
)
METASTASES = _coded(["lung", "bone", "lymph_node", "adrenal", "peritoneum", "brain"]) + (
    ("-1", "Other", "other"),
)
PVTT = (
    ("0", "None", "none"),
    *((str(k), f"Vp{k}", f"Vp{k}") for k in range(1, 5)),  # Japanese classification
    *((str(10 + k), f"Cheng {c}", c) for k, c in enumerate(("I", "II", "III", "IV"), 1)),
)
RESPONSES = ("CR", "PR", "SD", "PD", "NE")
RESPONSE = (*((str(k), r, r) for k, r in enumerate(RESPONSES, 1)),
            ("6", "Non-CR/Non-PD", "NON-CR/NON-PD"))  # fmt: skip
CRITERIA = (("1", "RECIST 1.1", "RECIST1.1"), ("2", "mRECIST", "mRECIST"),
            ("3", "iRECIST", "iRECIST"))  # fmt: skip
TARGETS = _coded(["liver", "pvtt", "lymph_node", "bone", "lung", "adrenal", "brain", "other"])
SITES = _coded(["in_field", "intrahepatic_out_of_field", "extrahepatic"])
GRADES = tuple((str(k), str(k), str(k)) for k in range(1, 6))
DATE = "date_ymd"

FIELDS = (
    Field("record_id", "baseline", "text", "Record ID", column="patient_id"),
    Field("gender", "baseline", "radio", "Sex", SEX, column="sex"),
    Field("age", "baseline", "text", "Age (years)", (), "integer", "age_at_index"),
    Field("dx_date", "baseline", "text", "Date of diagnosis", (), DATE, "diagnosis_date"),
    Field("setting", "baseline", "dropdown", "Disease setting", SETTING, column="disease_setting"),
    Field("ecog_ps", "baseline", "dropdown", "ECOG", _coded(list("01234"), 0), column="ecog"),
    Field("pvtt_type", "baseline", "dropdown", "PVTT", PVTT, column="pvtt"),
    Field(
        "ehm", "baseline", "yesno", "Extrahepatic metastasis", column="extrahepatic_metastasis"
    ),  # fmt: skip
    Field(
        "mets", "baseline", "checkbox", "Metastatic sites", METASTASES, column="metastasis_sites"
    ),  # fmt: skip
    Field("last_fu", "baseline", "text", "Date of last follow-up", (), DATE, "last_contact_date"),
    Field(
        "status",
        "baseline",
        "radio",
        "Vital status",
        (("0", "Alive", "alive"), ("1", "Dead", "dead")),
        column="vital_status",
    ),  # fmt: skip
    Field("dod", "baseline", "text", "Date of death", (), DATE, "death_date"),
    Field("rt_no", "radiotherapy_course", "text", "Course", column="course_id"),
    Field("rt_start", "radiotherapy_course", "text", "RT start date", (), DATE, "start_date"),
    Field("rt_end", "radiotherapy_course", "text", "RT end date", (), DATE, "end_date"),
    Field("rt_site", "radiotherapy_course", "dropdown", "Target", TARGETS, column="target"),
    Field(
        "rt_dose", "radiotherapy_course", "text", "Total dose (Gy)", (), "number", "total_dose_gy"
    ),  # fmt: skip
    Field("rt_fx", "radiotherapy_course", "text", "Fractions", (), "integer", "fractions"),
    Field("drug", "drugs", "text", "Systemic agent", column="agent"),
    Field("drug_start", "drugs", "text", "Drug start date", (), DATE, "start_date"),
    Field("drug_stop", "drugs", "text", "Drug stop date", (), DATE, "end_date"),
    Field("img_date", "imaging", "text", "Imaging date", (), DATE, "assessment_date"),
    Field("img_crit", "imaging", "dropdown", "Criteria", CRITERIA, column="criteria"),
    Field(
        "img_resp", "imaging", "dropdown", "Overall response", RESPONSE, column="overall_response"
    ),  # fmt: skip
    Field(
        "prog_date", "progression", "text", "Date of progression", (), DATE, "progression_date"
    ),  # fmt: skip
    Field("prog_site", "progression", "dropdown", "Site of progression", SITES, column="site"),
    Field("ae_term", "toxicity", "text", "Adverse event", column="term"),
    Field("ae_grade", "toxicity", "dropdown", "CTCAE grade", GRADES, column="grade"),
    Field("ae_date", "toxicity", "text", "Onset date", (), DATE, "onset_date"),
)
FORM_TABLES = {
    "baseline": "patients",
    "radiotherapy_course": "radiotherapy",
    "drugs": "systemic_therapy",
    "imaging": "tumor_assessments",
    "progression": "progression_events",
    "toxicity": "adverse_events",
}


FORM_LABELS = {form: form.replace("_", " ").title() for form in FORM_TABLES}
COMPLETE = ("2", "Complete")  # <form>_complete of a filled form: raw code, label


class Project(NamedTuple):
    """The files REDCap gives for the project: its data dictionary, the raw export (codes,
    variable names as headers) and the label export (labels, field labels as headers)."""

    folder: Path
    dictionary: Path
    raw: Path
    labels: Path


def _export_columns(field: Field, values: pd.Series, labels: bool) -> dict[str, pd.Series]:
    text = values.astype("string")
    if field.type == "checkbox":
        items = text.fillna("").str.split(";")
        marks = ("Checked", "Unchecked") if labels else ("1", "0")
        return {
            _checkbox_header(field, code, label, labels): items.map(
                lambda xs, v=value: marks[0] if v in xs else marks[1]
            )
            for code, label, value in field.choices
        }
    header = field.label if labels else field.name
    if field.type == "yesno":
        return {header: text.map({"true": "Yes", "false": "No"} if labels else
                                 {"true": "1", "false": "0"})}  # fmt: skip
    if field.choices:
        k = 1 if labels else 0
        return {header: text.map({choice[2]: choice[k] for choice in field.choices})}
    return {header: text}


def _checkbox_header(field: Field, code: str, label: str, labels: bool) -> str:
    return f"{field.label} (choice={label})" if labels else checkbox_column(field.name, code)


def _form_rows(form: str, table: pd.DataFrame, labels: bool) -> pd.DataFrame:
    """The rows of one instrument as REDCap exports them: the record ID, the repeat columns
    (empty on the record's row of non-repeating instruments), the form's fields and its
    ``<form>_complete`` (headed ``Complete?`` in a label export)."""
    names = ("Record ID", "Repeat Instrument", "Repeat Instance") if labels else REPEAT_COLUMNS
    columns = {names[0]: table["patient_id"].astype("string")}
    if form == "baseline":
        columns[names[1]] = columns[names[2]] = pd.Series(pd.NA, index=table.index, dtype="string")
    else:
        columns[names[1]] = pd.Series(FORM_LABELS[form] if labels else form, index=table.index)
        instance = table.groupby("patient_id", sort=False).cumcount() + 1
        columns[names[2]] = instance.astype("string")
    for field in FIELDS[1:]:
        if field.form == form:
            columns.update(_export_columns(field, table[field.column], labels))
    columns[f"{form}_complete"] = pd.Series(COMPLETE[labels], index=table.index)
    return pd.DataFrame(columns)


REPEAT_COLUMNS = ("record_id", "redcap_repeat_instrument", "redcap_repeat_instance")


def _export(twin: dict[str, pd.DataFrame], labels: bool) -> pd.DataFrame:
    """The whole export: per record its non-repeating row, then its repeating instances,
    columns in the dictionary's order (each form's fields, then its completion status)."""
    parts = [_form_rows(form, twin[table], labels) for form, table in FORM_TABLES.items()]
    header = list(dict.fromkeys(c for part in parts for c in part.columns))
    export = pd.concat(parts, ignore_index=True)[header]
    order = {p: k for k, p in enumerate(twin["patients"]["patient_id"])}
    export = export.iloc[export.iloc[:, 0].map(order).argsort(kind="stable")]
    if labels:
        export.columns = ["Complete?" if h.endswith("_complete") else h for h in header]
    return export


def write_project(folder: Path) -> Project:
    """Write the project as REDCap gives it: ``HCC_DataDictionary_2026-01-01.csv`` (every
    column of REDCap's dictionary), ``HCC_DATA_2026-01-01_1200.csv`` (raw) and
    ``HCC_DATA_LABELS_2026-01-01_1200.csv`` (labels, with the byte-order mark REDCap writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    dictionary = folder / "HCC_DataDictionary_2026-01-01.csv"
    with dictionary.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(DICTIONARY_HEADERS)
        for f in FIELDS:
            choices = " | ".join(f"{code}, {label}" for code, label, _ in f.choices)
            row = [f.name, f.form, "", f.type, f.label, choices, "", f.validation]
            writer.writerow(row + [""] * (len(DICTIONARY_HEADERS) - len(row)))
    twin = seed_twin_tables()
    raw = folder / "HCC_DATA_2026-01-01_1200.csv"
    _export(twin, labels=False).to_csv(raw, index=False)
    labels = folder / "HCC_DATA_LABELS_2026-01-01_1200.csv"
    _export(twin, labels=True).to_csv(labels, index=False, encoding="utf-8-sig")
    return Project(folder, dictionary, raw, labels)
