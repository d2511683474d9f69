"""SDTM domains -> the contract's patients, systemic_therapy and tumor_assessments.

Each builder returns a ``Piece``: the contract rows (text, as any other source gives them) with
``_src``, the line (CSV) or record (transport file) of the domain row each contract row came
from, and which SDTM variable each contract column was read from, so that a finding on a
contract value can name the domain, row, variable and value (``oncorwe.io.formats.sdtm_source``).

- ``patients`` (one row per DM subject): ``SEX``, ``AGE`` (``AGEU`` years), ``BRTHDTC``;
  vital status and death date from ``DTHFL`` / ``DTHDTC``; the last date known alive
  (``last_known_alive``, admiral's ADSL ``LSTALVDT``: AE start and end, LB and treatment end
  dates, one record per source, ``LAST_ALIVE_SOURCES``); the randomisation date (DS
  ``DSDECOD = RANDOMIZED``). What SDTM does not hold (the date of diagnosis without an MH
  primary diagnosis, the disease setting, extrahepatic metastasis without TU) is filled as the
  ``NOT_RECORDED`` rules declare, each with a finding, never silently.
- ``systemic_therapy`` (one row per EX record): ``EXTRT`` -> generic agent and drug class through
  oncorwe's table of oncology agents; an agent not in it keeps its name, class ``other``; the
  DS disposition event is the stop reason of the subject's last exposure (``STOP_REASONS``).
- ``tumor_assessments`` (one row per RS overall response of the investigator).

References
----------
CDISC SDTMIG v3.4 (DM, DS, EX, MH, RS, TU); pharmaverse admiral ``ad_adsl.R`` template
(``LSTALVDT``: the last AE start or end date, lab date, or treatment end; ``derive_var_extreme_dt``,
``derive_vars_extreme_event``) and admiralonco ``ad_adrs.R`` (RS time points of the
investigator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from oncorwe.io.formats.sdtm import (
    OVERALL_RESPONSE,
    RANDOMIZED,
    criteria_of,
    impute_first,
    impute_last,
)
from oncorwe.io.mapping.vocabulary import find_agent
from oncorwe.io.readers import finding

Domains = dict[str, pd.DataFrame]
EVALUATOR = "INVESTIGATOR"  # RSEVAL / TREVAL read (admiralonco ADRS template: ANL01FL)


def valid_dose(ex: pd.DataFrame) -> pd.Series:
    """EX records with a valid dose (admiral ``TRTEDT``): ``EXDOSE > 0``, or placebo; every
    record without a readable ``EXDOSE``."""
    dose = pd.to_numeric(column(ex, "EXDOSE"), errors="coerce")
    placebo = column(ex, "EXTRT").str.upper().str.contains("PLACEBO").fillna(False)
    return (dose > 0).where(dose.notna(), True).astype(bool) | placebo.astype(bool)


MissingDates = Literal["sort_last", "drop"]


@dataclass(frozen=True)
class AliveSource:
    """One kind of record that shows a subject alive on its date: ``variable`` of ``domain``,
    on the records ``keep`` selects; partial dates imputed to the first day (admiral
    ``convert_dtc_to_dt(highest_imputation = "M")``), or only complete dates (``complete``).

    Per subject, the source gives the date of ONE record, the last in date order (admiral's
    per-source selection, ``filter_extreme(mode = "last")``). ``missing_dates`` says where a
    record without a readable date goes: ``"sort_last"``, after every dated record, as R's
    ``dplyr::arrange`` sorts a missing value, so that it is the record selected and the source
    gives the subject no date at all; ``"drop"``, removed before the selection (the source's
    ``filter``, or records the source never holds, such as exposures without a complete end).
    """

    domain: str
    variable: str
    keep: Callable[[pd.DataFrame], pd.Series] | None = None
    complete: bool = False
    missing_dates: MissingDates = "sort_last"


# admiral's ADSL template (ad_adsl.R) as pharmaverseadam's LSTALVDT was derived: the latest of
# the sources ae_start_date (AESTDTC), ae_end_date (AEENDTC), lb_date (LBDTC, filter: a date)
# and trt_end_date (TRTEDT: the end of the last exposure with a valid dose, complete dates);
# the disposition dates are not used. Checked per subject against pharmaverseadam (docs/sdtm.md).
LAST_ALIVE_SOURCES = (
    AliveSource("ae", "AESTDTC"),
    AliveSource("ae", "AEENDTC"),
    AliveSource("lb", "LBDTC", missing_dates="drop"),
    AliveSource("ex", "EXENDTC", valid_dose, complete=True, missing_dates="drop"),
)
# where SDTM has no value for a required contract column: (value or rule, why) per column
NOT_RECORDED = {
    "diagnosis_date": "MH primary diagnosis (MHCAT = PRIMARY DIAGNOSIS, MHSTDTC); else the "
    "informed consent date (DM RFICDTC), else the demographics collection date (DMDTC): a date "
    "by which the disease was diagnosed, not the diagnosis date itself",
    "disease_setting": "'other': SDTM has no variable for the disease setting",
    "extrahepatic_metastasis": "from TU at the first assessment (a lesion whose TULOC is not the "
    "liver); 'false' for a subject without TU records",
}


# DS disposition event (DSCAT = DISPOSITION EVENT, CDISC NCIt codelist C66727) -> the contract's
# stop_reason of the subject's last exposure; any other reason is "other"
STOP_REASONS = {
    "ADVERSE EVENT": "toxicity",
    "COMPLETED": "completed",
    "DEATH": "death",
    "LACK OF EFFICACY": "progression",
    "PROGRESSIVE DISEASE": "progression",
    "WITHDRAWAL BY SUBJECT": "patient_choice",
}
DISPOSITION_EVENT = "DISPOSITION EVENT"


@dataclass(frozen=True)
class Piece:
    """Contract rows of ``table`` made from ``domain``; ``variables``: contract column -> the
    SDTM variable of ``domain`` it was read from; ``unused``: domain rows read into no contract
    row, with the reason."""

    table: str
    domain: str
    frame: pd.DataFrame
    variables: dict[str, str]
    unused: tuple[tuple[int, str], ...] = ()
    notes: list[dict] = field(default_factory=list)


def iso(dates: pd.Series) -> pd.Series:
    """Dates -> ``YYYY-MM-DD`` text (missing stays missing)."""
    return dates.dt.strftime("%Y-%m-%d").astype("string")


def column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A variable of a domain, or an all-missing text column when the domain lacks it."""
    if name in frame.columns:
        return frame[name].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def note(table, row, col, value, rule, message, severity="warning") -> dict:
    return finding(table, row, col, value, rule, severity, f"{message} (rule {rule}).")


def last_known_alive(d: Domains) -> pd.Series:
    """Per ``USUBJID``: the last date known alive, the latest of the dates the
    ``LAST_ALIVE_SOURCES`` give (domains or variables absent are skipped).

    Notes
    -----
    Steps: 1. per source, its records (``keep``) and their dates imputed to the first day;
    2. per source and subject, the date of one record, the last in date order, a record without
    a readable date sorted last or dropped (``AliveSource.missing_dates``); 3. the latest of
    the selected dates per subject.

    References
    ----------
    pharmaverse admiral: ``ad_adsl.R`` template (``LSTALVDT`` from ``ae_start_date``,
    ``ae_end_date``, ``lb_date``, ``trt_end_date``), ``derive_var_extreme_dt`` /
    ``date_source`` and its successor ``derive_vars_extreme_event`` (per source one record by
    ``order`` and ``mode = "last"``, then the last of the selected dates).
    """
    selected = []
    for source in LAST_ALIVE_SOURCES:
        frame = d.get(source.domain)
        if frame is None or source.variable not in frame.columns:
            continue
        # step 1
        if source.keep is not None:
            frame = frame[source.keep(frame).to_numpy()]
        text = frame[source.variable].astype("string")
        if source.complete:
            text = text.where(text.str.len() >= 10)
        dates = pd.DataFrame({"id": frame["USUBJID"].to_numpy(), "date": impute_first(text)})
        # step 2
        if source.missing_dates == "drop":
            selected.append(dates.dropna().groupby("id")["date"].max())
            continue
        per_subject = dates.groupby("id")["date"]
        undated = per_subject.count() < per_subject.size()
        selected.append(per_subject.max().where(~undated))
    if not selected:
        return pd.Series(dtype="datetime64[ns]")
    # step 3
    return pd.concat(selected).dropna().groupby(level=0).max()


def _randomised(d: Domains) -> pd.Series:
    ds = d.get("ds")
    if ds is None or "DSDECOD" not in ds.columns:
        return pd.Series(dtype="datetime64[ns]")
    rand = ds[ds["DSDECOD"] == RANDOMIZED]
    return impute_last(rand["DSSTDTC"]).groupby(rand["USUBJID"]).min()


def _last_disposition(d: Domains) -> pd.Series:
    ds = d.get("ds")
    if ds is None or "DSSTDTC" not in ds.columns:
        return pd.Series(dtype="datetime64[ns]")
    return impute_first(ds["DSSTDTC"]).groupby(ds["USUBJID"]).max()


def _diagnosis(d: Domains, dm: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(diagnosis date text, True where it is the MH primary diagnosis)."""
    mh = d.get("mh")
    recorded = pd.Series(pd.NA, index=dm.index, dtype="string")
    if mh is not None and "MHCAT" in mh.columns:
        primary = mh[column(mh, "MHCAT").str.upper() == "PRIMARY DIAGNOSIS"]
        first = column(primary, "MHSTDTC").groupby(primary["USUBJID"]).min()
        recorded = dm["USUBJID"].map(first).astype("string")
    fallback = column(dm, "RFICDTC").fillna(column(dm, "DMDTC")).str.slice(0, 10)
    return recorded.fillna(fallback), recorded.notna()


def _extrahepatic(d: Domains, dm: pd.DataFrame) -> pd.Series:
    tu = d.get("tu")
    if tu is None or "TULOC" not in tu.columns:
        return pd.Series("false", index=dm.index, dtype="string")
    visit = pd.to_numeric(column(tu, "VISITNUM"), errors="coerce").fillna(0)
    first = tu[visit == visit.groupby(tu["USUBJID"]).transform("min")]
    outside = ~column(first, "TULOC").str.upper().str.contains("LIVER").fillna(False)
    by_subject = outside.groupby(first["USUBJID"]).any()
    values = dm["USUBJID"].map(by_subject).map({True: "true", False: "false"})
    return values.fillna("false").astype("string")


def sdtm_patients(d: Domains) -> Piece:
    """The contract's ``patients`` from DM (see the module docstring)."""
    dm = d["dm"]
    death = impute_first(column(dm, "DTHDTC"))
    dead = column(dm, "DTHFL").eq("Y").fillna(False) | death.notna()
    alive = dm["USUBJID"].map(last_known_alive(d))
    randomised = dm["USUBJID"].map(_randomised(d))
    # no record of LAST_ALIVE_SOURCES (e.g. a screen failure): randomisation, then the last
    # disposition event, then the demographics date
    disposed = _last_disposition(d)
    fallback = randomised.fillna(dm["USUBJID"].map(disposed)).fillna(
        impute_first(column(dm, "DMDTC"))
    )
    last = death.where(dead, alive.fillna(fallback))
    diagnosis, from_mh = _diagnosis(d, dm)
    years = column(dm, "AGEU").fillna("YEARS").str.upper().isin(["YEARS", "YEAR"])
    frame = pd.DataFrame(
        {
            "_src": dm["_row"],
            "patient_id": dm["USUBJID"].astype("string"),
            "sex": column(dm, "SEX"),
            "age_at_index": column(dm, "AGE").where(years).str.replace(r"\.0$", "", regex=True),
            "birth_date": column(dm, "BRTHDTC").str.slice(0, 10),
            "diagnosis_date": diagnosis,
            "disease_setting": pd.Series("other", index=dm.index, dtype="string"),
            "extrahepatic_metastasis": _extrahepatic(d, dm),
            "last_contact_date": iso(last),
            "vital_status": dead.map({True: "dead", False: "alive"}).astype("string"),
            "death_date": iso(death),
            "randomization_date": iso(randomised),
        }
    )
    notes = [
        note("patients", None, col, str(count), f"sdtm.{col}_not_recorded",
             f"DM: {col} of {count} subject(s) not in the SDTM domains; read as: {why}")
        for col, why in NOT_RECORDED.items()
        if (count := int((~from_mh).sum()) if col == "diagnosis_date" else len(dm))
    ]  # fmt: skip
    variables = {
        "patient_id": "USUBJID",
        "sex": "SEX",
        "age_at_index": "AGE",
        "birth_date": "BRTHDTC",
        "death_date": "DTHDTC",
        "vital_status": "DTHFL",
    }
    return Piece("patients", "dm", frame, variables, notes=notes)


def sdtm_systemic_therapy(d: Domains) -> Piece:
    """The contract's ``systemic_therapy`` from EX, one row per exposure record."""
    ex = d["ex"]
    names = column(ex, "EXTRT")
    found = {name: find_agent(name) for name in names.dropna().unique()}
    agent = names.map(lambda n: found[n][0] if found.get(n) else str(n).lower())
    frame = pd.DataFrame(
        {
            "_src": ex["_row"],
            "patient_id": ex["USUBJID"].astype("string"),
            "agent": agent.astype("string").where(names.notna()),
            "drug_class": names.map(lambda n: found[n][1] if found.get(n) else "other")
            .astype("string")
            .where(names.notna()),
            "start_date": column(ex, "EXSTDTC").str.slice(0, 10),
            "end_date": column(ex, "EXENDTC").str.slice(0, 10),
            "stop_reason": _stop_reasons(d, ex),
        }
    )
    notes = [
        note("systemic_therapy", None, "agent", name, "sdtm.agent_not_in_table",
             f"EX: EXTRT '{name}' ({int((names == name).sum())} record(s)) is not in oncorwe's "
             "table of oncology agents; read as agent "
             f"'{name.lower()}', drug_class 'other'")
        for name, hit in found.items()
        if hit is None
    ]  # fmt: skip
    variables = {
        "patient_id": "USUBJID",
        "agent": "EXTRT",
        "drug_class": "EXTRT",
        "start_date": "EXSTDTC",
        "end_date": "EXENDTC",
    }
    return Piece("systemic_therapy", "ex", frame, variables, notes=notes)


def _stop_reasons(d: Domains, ex: pd.DataFrame) -> pd.Series:
    """The subject's DS disposition event (``STOP_REASONS``) on its last EX record (latest
    ``EXSTDTC``); missing on the others and without DS."""
    out = pd.Series(pd.NA, index=ex.index, dtype="string")
    ds = d.get("ds")
    if ds is None or "DSDECOD" not in ds.columns:
        return out
    events = ds[column(ds, "DSCAT").str.upper() == DISPOSITION_EVENT]
    reason = column(events, "DSDECOD").str.upper()
    reason = reason.map(lambda r: STOP_REASONS.get(r, "other") if isinstance(r, str) else r)
    by_subject = reason.groupby(events["USUBJID"]).first()
    order = ex.assign(_start=column(ex, "EXSTDTC")).sort_values("_start", kind="stable")
    last = order.groupby("USUBJID").tail(1).index
    out[last] = ex.loc[last, "USUBJID"].map(by_subject).astype("string")
    return out


def _evaluator(frame: pd.DataFrame, variable: str) -> pd.Series:
    return column(frame, variable).fillna(EVALUATOR) == EVALUATOR


def sdtm_assessments(d: Domains) -> Piece:
    """The contract's ``tumor_assessments`` from RS: overall responses (``RSTESTCD =
    OVRLRESP``) of the investigator; a partial ``RSDTC`` imputed to the last day (admiral)."""
    rs = d["rs"]
    keep = (column(rs, "RSTESTCD") == OVERALL_RESPONSE) & _evaluator(rs, "RSEVAL")
    rows = rs[keep.fillna(False)]
    result = column(rows, "RSSTRESC").fillna(column(rows, "RSORRES"))
    dtc = column(rows, "RSDTC")
    frame = pd.DataFrame(
        {
            "_src": rows["_row"],
            "patient_id": rows["USUBJID"].astype("string"),
            "assessment_date": iso(impute_last(dtc)).fillna(dtc),
            "criteria": criteria_of(column(rows, "RSCAT")),
            "overall_response": result.str.upper(),
        }
    )
    unused = tuple(
        (int(r), "not an overall response (RSTESTCD) of the investigator (RSEVAL)")
        for r in rs.loc[~keep.fillna(False), "_row"]
    )
    partial = dtc.notna() & (dtc.str.len() < 10)
    notes = [
        note("tumor_assessments", None, "assessment_date", str(int(partial.sum())),
             "sdtm.date_imputed",
             f"RS: {int(partial.sum())} partial RSDTC date(s) imputed to the last day of the "
             "month or year (admiral date_imputation = 'last')")
    ] if partial.any() else []  # fmt: skip
    variables = {
        "patient_id": "USUBJID",
        "assessment_date": "RSDTC",
        "criteria": "RSCAT",
        "overall_response": "RSSTRESC",
    }
    return Piece("tumor_assessments", "rs", frame, variables, unused, notes)
