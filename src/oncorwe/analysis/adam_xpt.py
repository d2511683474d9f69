"""The ADaM data sets as SAS transport v5 files (``adam/*.xpt``) for a regulatory submission.

Each Parquet data set of ``oncorwe.analysis.adam`` is written beside itself as ``<name>.xpt``:
variable names of at most 8 characters and labels of at most 40 (``VARIABLES`` below, ADaMIG
labels for the standard variables), the data set label of ``DATASETS``, dates as SAS dates
(``DATE9.``), booleans as ``Y``/``N`` flags, integers and numbers as doubles, text as character
variables as long as their longest value. Under ``SOURCE_DATE_EPOCH`` the header stamps come
from it, so two runs give the same bytes.

References
----------
CDISC, "Analysis Data Model Implementation Guide" v1.3 (ADSL, BDS) and "ADaM Basic Data
Structure for Time-to-Event Analyses" v1.0 (STARTDT, CNSR, EVNTDESC); FDA, "Study Data Technical
Conformance Guide" (SAS XPORT v5, names <= 8, labels <= 40 characters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from oncorwe.epoch import source_date_epoch
from oncorwe.io.formats.xpt import MAX_NAME, write_xpt_v5, write_xpt_v5_batches

DATASETS = {
    "adsl": "Subject-Level Analysis Dataset",
    "adtte": "Time-to-Event Analysis Dataset",
    "adrs": "Response Analysis Dataset",
    "adae": "Adverse Events Analysis Dataset",
}

# Parquet name -> (transport name, label); standard ADaM variables keep their names
VARIABLES: dict[str, tuple[str, str]] = {
    "STUDYID": ("STUDYID", "Study Identifier"),
    "USUBJID": ("USUBJID", "Unique Subject Identifier"),
    "TRTSDT": ("TRTSDT", "Date of First Exposure to Treatment"),
    "AGE": ("AGE", "Age"),
    "AGEU": ("AGEU", "Age Units"),
    "SEX": ("SEX", "Sex"),
    "PARAMCD": ("PARAMCD", "Parameter Code"),
    "PARAM": ("PARAM", "Parameter"),
    "PARCAT3": ("PARCAT3", "Parameter Category 3 (Criteria)"),
    "STARTDT": ("STARTDT", "Time to Event Origin Date for Subject"),
    "ADT": ("ADT", "Analysis Date"),
    "AVAL": ("AVAL", "Analysis Value"),
    "AVALC": ("AVALC", "Analysis Value (C)"),
    "AVALU": ("AVALU", "Analysis Value Unit"),
    "AVALMO": ("AVALMO", "Analysis Value (Months)"),
    "CNSR": ("CNSR", "Censor"),
    "EVNTDESC": ("EVNTDESC", "Event or Censoring Description"),
    "SRCDOM": ("SRCDOM", "Source Data"),
    "AEDECOD": ("AEDECOD", "Dictionary-Derived Term"),
    "AEBODSYS": ("AEBODSYS", "Body System or Organ Class"),
    "ATOXGRN": ("ATOXGRN", "Analysis Toxicity Grade (N)"),
    "ATOXGR": ("ATOXGR", "Analysis Toxicity Grade"),
    "ASTDT": ("ASTDT", "Analysis Start Date"),
    "TRTEMFL": ("TRTEMFL", "Treatment Emergent Analysis Flag"),
    # study-specific ADSL variables (oncorwe names in upper case in the Parquet file)
    "DISEASE_SETTING": ("DISSET", "Disease Setting"),
    "HBV": ("HBVFL", "HBV Etiology Flag"),
    "ECOG": ("ECOG", "ECOG Performance Status"),
    "CHILD_PUGH_SCORE": ("CPSCORE", "Child-Pugh Score"),
    "BCLC_STAGE": ("BCLC", "BCLC Stage"),
    "PVTT": ("PVTT", "Portal Vein Tumour Thrombosis"),
    "PVTT_PRESENT": ("PVTTFL", "PVTT Present Flag"),
    "EXTRAHEPATIC_METASTASIS": ("EHMFL", "Extrahepatic Metastasis Flag"),
    "AFP_NG_ML": ("AFP", "Baseline AFP (ng/mL)"),
    "AFP_OVER_400": ("AFP400FL", "AFP > 400 ng/mL Flag"),
    "TUMOR_COUNT": ("TUMCNT", "Number of Intrahepatic Tumours"),
    "LARGEST_TUMOR_CM": ("TUMLGCM", "Largest Intrahepatic Tumour (cm)"),
    "RT_COURSES": ("RTCRS", "Number of RT Courses"),
    "RT_TOTAL_DOSE_GY": ("RTDOSE", "RT Total Dose (Gy)"),
    "RT_BED_GY": ("RTBED", "RT Biologically Effective Dose (Gy)"),
    "RT_EQD2_GY": ("RTEQD2", "RT EQD2 (Gy)"),
    "RT_SBRT": ("RTSBRTFL", "SBRT Course Flag"),
    "RT_TARGETS": ("RTTARG", "RT Targets"),
    "SEQUENCE": ("SEQUENCE", "RT and ICI Sequence"),
    "ICI_AGENT": ("ICIAGENT", "Immune Checkpoint Inhibitor"),
    "ICI_CYCLES": ("ICICYC", "ICI Cycles"),
    "TARGETED_THERAPY": ("TKIFL", "Targeted Therapy Flag"),
    "LC_MONTHS": ("LCMO", "Local Control Time (Months)"),
    "LC_EVENT": ("LCEVENT", "Local Failure Event"),
    "OS_MONTHS": ("OSMO", "Overall Survival (Months)"),
    "OS_EVENT": ("OSEVENT", "Death Event"),
    "PFS_MONTHS": ("PFSMO", "Progression-Free Survival (Months)"),
    "PFS_EVENT": ("PFSEVENT", "Progression or Death Event"),
    "TTF_MONTHS": ("TTFMO", "Time to Treatment Failure (Months)"),
    "TTF_EVENT": ("TTFEVENT", "Treatment Failure Event"),
    "BOR": ("BOR", "Best Overall Response"),
    "IN_FIELD_RECURRENCE": ("INFLDRFL", "In-Field Recurrence Flag"),
    "FIRST_FAILURE_SITE": ("FFSITE", "First Failure Site"),
    "WORST_AE_GRADE": ("AEWGRN", "Worst AE Grade (N)"),
}


def transport_names(columns) -> dict[str, tuple[str, str]]:
    """Parquet column -> (transport name, label): from ``VARIABLES``; any other column is cut to
    8 characters (a digit suffix keeps names unique) and labelled with its full name."""
    out: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for column in columns:
        name, label = VARIABLES.get(column, (column[:MAX_NAME], column[:40]))
        k = 1
        while name in used:
            suffix = str(k)
            name, k = column[: MAX_NAME - len(suffix)] + suffix, k + 1
        used.add(name)
        out[column] = (name, label)
    return out


def _transport_column(values: pd.Series) -> pd.Series:
    """Dates -> ``datetime.date``; booleans -> ``Y``/``N``; numbers -> float; text -> a pandas
    string column (Arrow-backed: no Python object per value)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.date.astype(object).where(values.notna(), None)
    if pd.api.types.is_bool_dtype(values):
        return values.map({True: "Y", False: "N"}).astype("string").fillna("")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("Float64").astype("float64")
    return values.astype("string").fillna("")


def transport_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """An ADaM frame as its transport columns and the variable labels."""
    names = transport_names(frame.columns)
    out = pd.DataFrame({names[c][0]: _transport_column(frame[c]) for c in frame.columns})
    return out, {name: label for name, label in names.values()}


def write_adam_xpt(name: str, frame: pd.DataFrame, folder: Path) -> Path:
    """Write one ADaM data set as ``folder/<name>.xpt`` (SAS transport v5)."""
    data, labels = transport_frame(frame)
    path = folder / f"{name}.xpt"
    return write_xpt_v5(data, path, name, DATASETS[name], labels, source_date_epoch())


def write_adam_xpt_batches(
    name: str, batches: Callable[[], Iterable[pd.DataFrame]], folder: Path
) -> Path:
    """:func:`write_adam_xpt` for a data set read in batches: ``batches()`` gives its frames in
    order, the same each call (``oncorwe.io.formats.xpt.write_xpt_v5_batches`` reads them
    twice); the bytes equal those written from the whole frame."""
    labels: dict[str, str] = {}

    def transported() -> Iterable[pd.DataFrame]:
        for frame in batches():
            data, names = transport_frame(frame)
            labels.update(names)
            yield data

    path = folder / f"{name}.xpt"
    first = next(iter(batches()))
    labels.update(transport_frame(first.iloc[:0])[1])
    return write_xpt_v5_batches(
        transported, path, name, DATASETS[name], labels, source_date_epoch()
    )
