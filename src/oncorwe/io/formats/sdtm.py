"""CDISC SDTM domains as study inputs: the time origin and the tumour response time points.

SDTM (the Study Data Tabulation Model) is how trials and many pharma real-world data sets are
delivered: one data set per domain (DM demographics, EX exposure, DS disposition, RS disease
response, TU/TR tumours, AE, LB), as CSV or SAS transport (``dm.csv`` or ``dm.xpt``) in one folder.
This module reads one domain (``read_domain``) and the parts oncorwe's response and
time-to-event derivations start from (the whole folder as a study source:
``oncorwe.io.formats.sdtm_source``):

- ``sdtm_origin``: the time origin per subject, at randomisation (the DS record with
  ``DSDECOD = RANDOMIZED``, its ``DSSTDTC``; admiralonco's ``RANDDT``) or at the first dose (the
  earliest ``EXSTDTC``; DM ``RFXSTDTC`` for a subject without EX records);
- ``sdtm_tumor_assessments``: the contract's ``tumor_assessments`` from RS, the overall response
  time points (``RSTESTCD = OVRLRESP``) of one evaluator (``RSEVAL``, the investigator by
  default, as admiralonco's ADRS template), criteria from ``RSCAT`` (``RECIST 1.1`` ->
  ``RECIST1.1``); a partial date (``2014-02``) is imputed to the last day of its month or year
  (admiral ``derive_vars_dt(highest_imputation = "D", date_imputation = "last")``).

References
----------
CDISC SDTM v2.0 and SDTMIG v3.4 (DM, DS, EX, RS); pharmaverse admiral ``derive_vars_dt`` and
admiralonco ``ad_adrs.R`` template (ANL01FL: RSEVAL = INVESTIGATOR, RSTESTCD = OVRLRESP).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.formats.stat_files import stream_stat_file
from oncorwe.io.readers import join_chunks, stream_csv_file

Origin = Literal["randomization", "first_dose"]
RANDOMIZED = "RANDOMIZED"  # DSDECOD of the randomisation record (CDISC NCIt C114118)
OVERALL_RESPONSE = "OVRLRESP"
DOMAIN_SUFFIXES = (".csv", ".xpt")
CRITERIA_NAMES = {"RECIST 1.1": "RECIST1.1", "MRECIST": "mRECIST", "IRECIST": "iRECIST"}


def domain_path(folder: str | Path, domain: str) -> Path | None:
    """The file of one SDTM domain in ``folder``: ``<domain>.csv`` or ``<domain>.xpt`` (any
    case; CSV first); None when neither is there."""
    by_name = {p.name.lower(): p for p in Path(folder).iterdir() if p.is_file()}
    for suffix in DOMAIN_SUFFIXES:
        path = by_name.get(f"{domain.lower()}{suffix}")
        if path is not None:
            return path
    return None


def read_domain(folder: str | Path, domain: str, required: bool = True) -> pd.DataFrame | None:
    """One SDTM domain of ``folder`` (``domain_path``) as text with ``_row`` (the CSV line or
    the transport file's record number); ``NA`` (as R writes a missing value) and empty cells
    are missing."""
    path = domain_path(folder, domain)
    if path is not None:
        if path.suffix.lower() == ".csv":
            stream, _ = stream_csv_file(path, domain.upper(), None, None)
        else:
            stream = stream_stat_file(path, domain.upper(), None)
        frame = join_chunks(stream)
        return frame.mask(frame.isin(["NA"]))
    if required:
        raise InputError(
            f"{folder}: SDTM domain {domain.upper()} missing; give {domain.lower()}.csv or "
            f"{domain.lower()}.xpt."
        )
    return None


def _date_parts(dtc: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    text = dtc.astype("string").str.slice(0, 10)
    full = pd.to_datetime(text.where(text.str.len() == 10), format="%Y-%m-%d", errors="coerce")
    month = pd.to_datetime(text.where(text.str.len() == 7), format="%Y-%m", errors="coerce")
    year = pd.to_datetime(text.where(text.str.len() == 4), format="%Y", errors="coerce")
    return full, month, year


def impute_last(dtc: pd.Series) -> pd.Series:
    """ISO 8601 date(-time) text -> date; ``YYYY-MM`` -> the month's last day, ``YYYY`` -> 31
    December (admiral date_imputation = "last"); unreadable -> NaT."""
    full, month, year = _date_parts(dtc)
    return full.fillna(month + pd.offsets.MonthEnd(0)).fillna(year + pd.offsets.YearEnd(0))


def impute_first(dtc: pd.Series) -> pd.Series:
    """ISO 8601 date(-time) text -> date; ``YYYY-MM`` -> the month's first day, ``YYYY`` -> 1
    January (admiral ``convert_dtc_to_dt(highest_imputation = "M")``, date_imputation =
    "first"); unreadable -> NaT."""
    full, month, year = _date_parts(dtc)
    return full.fillna(month).fillna(year)


def criteria_of(rscat: pd.Series) -> pd.Series:
    """RSCAT -> contract criteria (``RECIST 1.1`` -> ``RECIST1.1``); missing -> RECIST 1.1.
    A category not in ``CRITERIA_NAMES`` is kept as written (the validator reports it)."""
    upper = rscat.astype("string").str.upper()
    return upper.map(CRITERIA_NAMES).fillna(rscat).fillna("RECIST1.1").astype("string")


def sdtm_origin(folder: str | Path, origin: Origin = "randomization") -> pd.DataFrame:
    """``patient_id, index_date`` for every subject with an origin (see the module docstring).

    Raises
    ------
    InputError
        A domain the chosen origin needs is missing; an unknown ``origin``.
    """
    if origin == "randomization":
        ds = read_domain(folder, "ds")
        rand = ds[ds["DSDECOD"] == RANDOMIZED]
        out = pd.DataFrame(
            {"patient_id": rand["USUBJID"], "index_date": impute_last(rand["DSSTDTC"])}
        )
        return out.dropna().drop_duplicates("patient_id").reset_index(drop=True)
    if origin == "first_dose":
        ex = read_domain(folder, "ex", required=False)
        dm = read_domain(folder, "dm")
        dates = pd.DataFrame(
            {"patient_id": dm["USUBJID"], "index_date": impute_last(dm["RFXSTDTC"])}
        )
        if ex is not None:
            first = pd.DataFrame(
                {"patient_id": ex["USUBJID"], "index_date": impute_last(ex["EXSTDTC"])}
            )
            first = first.dropna().groupby("patient_id", as_index=False)["index_date"].min()
            dates = pd.concat([first, dates]).drop_duplicates("patient_id")
        return dates.dropna().sort_values("patient_id").reset_index(drop=True)
    raise InputError(f"origin must be 'randomization' or 'first_dose', not {origin!r}")


def sdtm_tumor_assessments(folder: str | Path, evaluator: str = "INVESTIGATOR") -> pd.DataFrame:
    """The contract's ``tumor_assessments`` (``patient_id, assessment_date, criteria,
    overall_response``) from RS overall responses of ``evaluator``."""
    rs = read_domain(folder, "rs")
    rows = rs[rs["RSTESTCD"] == OVERALL_RESPONSE]
    if "RSEVAL" in rows.columns:
        rows = rows[rows["RSEVAL"].fillna(evaluator) == evaluator]
    criteria = criteria_of(
        rows["RSCAT"] if "RSCAT" in rows.columns else pd.Series(pd.NA, index=rows.index)
    )
    result = rows["RSSTRESC"] if "RSSTRESC" in rows.columns else rows["RSORRES"]
    out = pd.DataFrame(
        {
            "patient_id": rows["USUBJID"],
            "assessment_date": impute_last(rows["RSDTC"]),
            "criteria": criteria,
            "overall_response": result.str.upper(),
        }
    )
    return out.dropna(subset=["assessment_date"]).reset_index(drop=True)


def sdtm_deaths(folder: str | Path) -> pd.DataFrame:
    """``patient_id, vital_status, death_date`` from DM: dead when ``DTHFL = Y`` or a death
    date ``DTHDTC`` is given (imputed to the last day when partial)."""
    dm = read_domain(folder, "dm")
    death = impute_last(dm["DTHDTC"]) if "DTHDTC" in dm.columns else pd.Series(pd.NaT, dm.index)
    flag = dm["DTHFL"].eq("Y").fillna(False) if "DTHFL" in dm.columns else False
    dead = flag | death.notna()
    return pd.DataFrame(
        {
            "patient_id": dm["USUBJID"],
            "vital_status": dead.map({True: "dead", False: "alive"}),
            "death_date": death,
        }
    ).reset_index(drop=True)
