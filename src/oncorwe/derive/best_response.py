"""Best overall response (BOR) from time-point responses, for any declared response criteria.

One generic function, :func:`best_overall_response`, serves RECIST 1.1, mRECIST and iRECIST,
unconfirmed and confirmed. What each category needs, its precedence and its date are declared in
:mod:`oncorwe.derive.response_rules` (admiralonco ``event()`` objects as the model); this module
only applies the declarations. Every window is a named, cited constant and a protocol setting.

References
----------
.. [1] Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer 2009;45:228-247, sections 4.4-4.5 and Table 3
   (summary: docs/references/recist.md).
.. [2] Seymour L et al. iRECIST. Lancet Oncol 2017;18:e143-e152, Table 3 (iBOR; summary:
   docs/references/irecist.md).
.. [3] pharmaverse admiralonco, R/derive_param_confirmed_bor.R (details, steps 1-3),
   vignettes/adrs_basic.Rmd (ANL01FL ``ADT >= RANDDT`` and ``ADT < NACTDT``; ANL02FL up to the
   first PD) and vignettes/irecist.Rmd (IBOR / ICBOR).
.. [4] FDA. Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics (2018): ORR
   is the sum of partial and complete responses; Clopper CJ, Pearson ES. Biometrika
   1934;26:404-413 (exact CI, :func:`oncorwe.stats.binomial_ci`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from oncorwe.derive.response_checks import (
    RESPONSE_VALUES,
    check_assessments,
    prepare_assessments,
)
from oncorwe.derive.response_rules import (
    MAX_NR_NE,
    MISSING,
    RECIST11,
    REF_CONFIRM_DAYS,
    REF_START_WINDOW_DAYS,
    Confirmation,
    ResponseCriteria,
    ResponseEvent,
    response_criteria,
)
from oncorwe.errors import InputError
from oncorwe.stats.binomial import binomial_ci

# RECIST 1.1 categories, best first (kept as names for callers; declared in response_rules).
BOR_ORDER = RECIST11.order

__all__ = [
    "BOR_ORDER",
    "MAX_NR_NE",
    "REF_CONFIRM_DAYS",
    "REF_START_WINDOW_DAYS",
    "RESPONSE_VALUES",
    "ResponseRates",
    "best_overall_response",
    "check_assessments",
    "confirmed_flags",
    "response_rates",
]


def confirmed_flags(
    rows: pd.DataFrame,
    words: np.ndarray,
    rule: Confirmation,
    ref_confirm: int,
    max_nr_ne: int,
    max_nr_sd: int,
) -> np.ndarray:
    """Flag the assessments whose response is confirmed under ``rule`` (RECIST 1.1 words).

    ``rows`` is sorted by patient and date with one row per patient and date; ``words`` holds
    each row's response in RECIST 1.1 words. For an assessment i with ``rule.response`` the
    confirmatory assessment j is the first later one (same patient) in ``rule.confirmed_by``
    dated >= date_i + ref_confirm. The assessments i+1..j (j included, as admiralonco's joined
    rows) must be in ``rule.allowed_between`` with at most max_nr_ne NE, at most max_nr_sd SD
    and no PR after a CR (admiralonco ``filter_confirmation``). Vectorised with searchsorted and
    cumulative counts over the whole sorted table.
    """
    n = len(rows)
    code = rows["_patient_code"].to_numpy()
    days = rows["_day"].to_numpy()
    pos = np.arange(n)
    # step: one sortable key per (patient, day) so that searchsorted stays within a patient
    span = int(days.max() - days.min()) + ref_confirm + 2 if n else 1
    key = code.astype(np.int64) * span + (days - (days.min() if n else 0))
    first_late = np.searchsorted(key, key + ref_confirm, side="left")

    def window_counts(values: np.ndarray, j: np.ndarray) -> np.ndarray:
        # number of rows in (i, j] where values is True
        cum = np.cumsum(values)
        return cum[j] - cum[pos]

    # step: the first confirming assessment on or after date + ref_confirm, same patient
    confirms = np.isin(words, rule.confirmed_by)
    nxt = pd.Series(np.where(confirms, pos, np.nan)).groupby(code).bfill().to_numpy()
    cand = np.full(n, np.nan)
    inside = first_late < n
    cand[inside] = nxt[first_late[inside]]
    ok = (words == rule.response) & ~np.isnan(cand)
    j = np.where(ok, np.nan_to_num(cand, nan=0).astype(int), pos)
    ok &= code[j] == code
    jj = np.where(ok, j, pos)
    # step: what may lie between the response and its confirmation
    ok &= window_counts(~np.isin(words, rule.allowed_between), jj) == 0
    ok &= window_counts(words == "NE", jj) <= max_nr_ne
    ok &= window_counts(words == "SD", jj) <= max_nr_sd
    # no PR after a CR inside (i, j]: first CR after i must not precede the last PR up to j
    is_cr, is_pr = words == "CR", words == "PR"
    first_cr_after = pd.Series(np.where(is_cr, pos, np.nan)).groupby(code).bfill()
    first_cr_after = first_cr_after.shift(-1).to_numpy()
    last_pr = pd.Series(np.where(is_pr, pos, np.nan)).groupby(code).ffill().to_numpy()
    return ok & ~((first_cr_after <= jj) & (last_pr[jj] > first_cr_after))


def _run_first_date(rows: pd.DataFrame, resp: np.ndarray, event: ResponseEvent) -> pd.Series:
    """Date of the first ``event.dated_at_first`` response of each row's run of
    ``event.run_of`` responses (NaT when the run has none); any other response ends a run."""
    code = rows["_patient_code"].to_numpy()
    breaker = ~np.isin(resp, event.run_of)
    run = pd.Series(breaker.astype(int)).groupby(code).cumsum().to_numpy()
    first = rows["assessment_date"].where(resp == event.dated_at_first)
    first = first.groupby([code, run]).transform("min")
    return pd.Series(pd.to_datetime(first.to_numpy()), index=rows.index)


def _categories(
    rows: pd.DataFrame, rules: ResponseCriteria, confirm: bool, options: dict[str, int]
) -> tuple[np.ndarray, pd.Series]:
    """Each assessment's category (its qualifying event of lowest precedence) and its date."""
    resp = rows["overall_response"].to_numpy()
    in_window = (rows["_day"] - rows["_origin_day"] >= options["ref_start_window"]).to_numpy()
    words = rows["overall_response"].map(lambda v: rules.recist_words.get(v, v)).to_numpy()
    events = rules.events_by_precedence
    conditions = []
    for event in events:
        condition = np.isin(resp, event.responses)
        if event.after_sd_window:
            condition &= in_window
        if confirm and event.confirmation is not None:
            condition &= confirmed_flags(
                rows, words, event.confirmation, options["ref_confirm"],
                options["max_nr_ne"], options["max_nr_sd"],
            )  # fmt: skip
        conditions.append(condition)
    category = np.select(conditions, [e.category for e in events], default=rules.catch_all.category)
    dates = rows["assessment_date"]
    for event in events:
        if event.dated_at_first is not None:
            first = _run_first_date(rows, resp, event)
            dates = dates.where(~((category == event.category) & first.notna()), first)
    return category, dates


def best_overall_response(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series,
    criteria: str | ResponseCriteria = RECIST11.name,
    confirm: bool = False,
    ref_confirm: int = REF_CONFIRM_DAYS,
    ref_start_window: int = REF_START_WINDOW_DAYS,
    max_nr_ne: int = MAX_NR_NE,
    accept_sd: bool = False,
    new_therapy: pd.DataFrame | pd.Series | None = None,
    on_origin: str = "include",
    missing_as_ne: bool = False,
    origin_column: str = "index_date",
) -> pd.DataFrame:
    """Best overall response per patient from time-point responses under one criteria.

    Parameters
    ----------
    assessments : DataFrame
        ``patient_id, assessment_date, overall_response`` with values of the criteria
        (``criteria.values``). Empty responses are ignored (admiralonco ``!is.na(AVAL)``); an
        unknown value raises :class:`~oncorwe.errors.InputError` (run :func:`check_assessments`
        first to get findings instead).
    origin : DataFrame or Series
        Time origin per patient: a Series indexed by ``patient_id`` or a DataFrame with
        ``patient_id`` and ``origin_column``. Every patient of ``origin`` gets one output row
        (``MISSING`` without assessments); assessments of other patients raise InputError.
    criteria : str or ResponseCriteria
        ``RECIST1.1``, ``mRECIST``, ``iRECIST`` or a declaration
        (:mod:`oncorwe.derive.response_rules`).
    confirm : bool
        False: BOR as admiralonco ``derive_param_bor`` (``BOR`` / ``IBOR``); True: confirmed BOR
        as ``derive_param_confirmed_bor`` (``CBOR`` / ``ICBOR``), RECIST 1.1 Table 3.
    ref_confirm : int
        Minimum days between a CR/PR and its confirmation (:data:`REF_CONFIRM_DAYS`).
    ref_start_window : int
        Events declared ``after_sd_window`` (SD, NON-CR/NON-PD) count only on or after
        origin + this many days (:data:`REF_START_WINDOW_DAYS`).
    max_nr_ne : int
        NE assessments accepted between a response and its confirmation (:data:`MAX_NR_NE`).
    accept_sd : bool
        Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``).
    new_therapy : DataFrame or Series, optional
        Start of a new anticancer therapy per patient (``patient_id`` + ``new_therapy_date``
        or a Series); assessments on or after it are ignored (admiralonco ``ADT < NACTDT``).
    on_origin : {"include", "exclude"}
        Whether an assessment dated on the origin day counts. Default ``include``, as
        admiralonco's ANL01FL (``ADT >= RANDDT``); ``exclude`` keeps only ``ADT > origin``.
    missing_as_ne : bool
        Patients without any usable assessment get ``NE`` instead of ``MISSING``.
    origin_column : str
        Date column of ``origin`` when it is a DataFrame.

    Returns
    -------
    DataFrame
        One row per patient of ``origin``: ``patient_id, bor, bor_date, confirmed``; ``bor`` in
        ``criteria.order``; ``bor_date`` is the first date at which the best category was seen
        (an event declared ``dated_at_first`` - iCPD - takes the date of its run's first iUPD;
        NaT for MISSING); ``confirmed`` records the option used.

    Steps
    -----
    1. Check arguments and columns; keep one (the worst) response per patient and date, as
       admiralonco's ANL01FL; keep assessments on/after the origin and before new therapy.
    2. Keep assessments up to and including the first ``criteria.last_counted`` (PD, iCPD;
       admiralonco ANL02FL).
    3. Give each assessment the category of its qualifying event of lowest precedence: the
       response is among the event's responses, within the SD window when the event says so,
       and confirmed (``criteria.recist_words``, :func:`confirmed_flags`) when ``confirm`` and
       the event declares a confirmation.
    4. Per patient take the lowest precedence, the earliest date among ties; add MISSING rows.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) sections 4.4-4.5 and Table 3; iRECIST (Seymour 2017) Table 3;
    admiralonco derive_param_bor, derive_param_confirmed_bor, vignettes adrs_basic and irecist;
    docs/references/recist.md, mrecist.md and irecist.md.
    """
    rules = criteria if isinstance(criteria, ResponseCriteria) else response_criteria(criteria)
    # step 1: check and restrict
    rows, patients = prepare_assessments(
        assessments, origin, new_therapy, on_origin, origin_column,
        values=rules.values, worst_first=rules.worst_first,
        ref_confirm=ref_confirm, ref_start_window=ref_start_window, max_nr_ne=max_nr_ne,
    )  # fmt: skip
    # step 2: up to and including the first PD (iCPD)
    is_last = (rows["overall_response"] == rules.last_counted).to_numpy()
    before = pd.Series(is_last).groupby(rows["_patient_code"].to_numpy()).cumsum() - is_last
    rows = rows[(before == 0).to_numpy()].reset_index(drop=True)
    # step 3: category and date per assessment
    options = dict(
        ref_confirm=ref_confirm, ref_start_window=ref_start_window, max_nr_ne=max_nr_ne,
        max_nr_sd=int(accept_sd),
    )  # fmt: skip
    rows["bor"], rows["_date"] = _categories(rows, rules, confirm, options)
    rows["_rank"] = rows["bor"].map(rules.rank)
    # step 4: best per patient, earliest date among ties
    best = (
        rows.sort_values(["patient_id", "_rank", "_date"], kind="mergesort")
        .drop_duplicates("patient_id")
        .loc[:, ["patient_id", "bor", "_date"]]
        .rename(columns={"_date": "bor_date"})
    )
    out = patients.merge(best, on="patient_id", how="left")
    out["bor"] = out["bor"].fillna("NE" if missing_as_ne else MISSING)
    out["bor_date"] = pd.to_datetime(out["bor_date"])
    out["confirmed"] = bool(confirm)
    return out.loc[:, ["patient_id", "bor", "bor_date", "confirmed"]]


# Denominators for ORR / DCR (always state the denominator; docs/references/recist.md).
DENOMINATORS = ("all", "evaluable", "measurable")


@dataclass(frozen=True)
class ResponseRates:
    """ORR and DCR with their denominator, counts per BOR category and exact CIs.

    ``orr_ci`` / ``dcr_ci`` are Clopper-Pearson intervals at ``conf_level`` (NaN when n = 0).
    """

    denominator: str
    confirmed: bool | None
    n: int
    counts: dict[str, int]
    orr_n: int
    orr: float
    orr_ci: tuple[float, float]
    dcr_n: int
    dcr: float
    dcr_ci: tuple[float, float]
    conf_level: float

    def to_dict(self) -> dict:
        """JSON-serialisable dict of every field."""
        return asdict(self)


def response_rates(
    bor: pd.DataFrame,
    denominator: str = "all",
    measurable_column: str = "measurable_at_baseline",
    conf_level: float = 0.95,
    criteria: str | ResponseCriteria = RECIST11.name,
) -> ResponseRates:
    """Objective response rate and disease control rate with exact (Clopper-Pearson) CIs.

    ORR counts the categories declared ``responder`` (CR + PR), DCR those declared
    ``disease_control`` (CR + PR + SD + NON-CR/NON-PD, admiralonco's clinical benefit).

    Parameters
    ----------
    bor : DataFrame
        Output of :func:`best_overall_response` (``patient_id, bor``, optionally ``confirmed``
        and ``measurable_column``).
    denominator : {"all", "evaluable", "measurable"}
        ``all``: every patient of ``bor`` (MISSING and NE included as non-responders);
        ``evaluable``: patients whose BOR is neither NE nor MISSING; ``measurable``: patients
        with ``measurable_column`` true (measurable disease at baseline, admiralonco MDIS).
    measurable_column : str
        Boolean column used by ``denominator="measurable"``.
    conf_level : float
        Level of the exact Clopper-Pearson intervals.
    criteria : str or ResponseCriteria
        The criteria whose categories ``bor`` holds.

    References
    ----------
    FDA endpoints guidance (2018); admiralonco ``CB`` / ``CCB``; Clopper & Pearson 1934
    (:func:`oncorwe.stats.binomial_ci`, equal to R ``binom.test``).
    """
    rules = criteria if isinstance(criteria, ResponseCriteria) else response_criteria(criteria)
    if denominator not in DENOMINATORS:
        raise InputError(f"denominator must be one of {DENOMINATORS}, got {denominator!r}")
    if "bor" not in bor.columns:
        raise InputError("response_rates: bor needs a 'bor' column (best_overall_response)")
    unknown = ~bor["bor"].isin(rules.order)
    if unknown.any():
        raise InputError(f"column bor: value {bor['bor'][unknown].iloc[0]!r} is not a BOR category")
    if denominator == "evaluable":
        bor = bor[~bor["bor"].isin(("NE", MISSING))]
    elif denominator == "measurable":
        if measurable_column not in bor.columns:
            raise InputError(f"denominator 'measurable' needs column {measurable_column}")
        bor = bor[bor[measurable_column].fillna(False).astype(bool)]
    counts = bor["bor"].value_counts()
    n = int(len(bor))
    orr_n = int(bor["bor"].isin(rules.responder).sum())
    dcr_n = int(bor["bor"].isin(rules.disease_control).sum())
    orr = binomial_ci(orr_n, n, conf_level=conf_level, when_empty="nan")
    dcr = binomial_ci(dcr_n, n, conf_level=conf_level, when_empty="nan")
    confirmed = None
    if "confirmed" in bor.columns and bor["confirmed"].nunique() == 1:
        confirmed = bool(bor["confirmed"].iloc[0])
    return ResponseRates(
        denominator=denominator,
        confirmed=confirmed,
        n=n,
        counts={k: int(counts.get(k, 0)) for k in rules.order},
        orr_n=orr_n,
        orr=orr.estimate,
        orr_ci=(orr.lower, orr.upper),
        dcr_n=dcr_n,
        dcr=dcr.estimate,
        dcr_ci=(dcr.lower, dcr.upper),
        conf_level=conf_level,
    )
