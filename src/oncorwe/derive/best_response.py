"""Best overall response (BOR) from time-point responses, unconfirmed and confirmed.

The rules follow pharmaverse admiralonco (``derive_param_bor``, ``derive_param_confirmed_bor``,
the ``ANL01FL`` / ``ANL02FL`` conventions of the ADRS vignette) which implement RECIST 1.1
section 4.4 ("Evaluation of best overall response") and its Table 3 (BOR when confirmation of
CR and PR is required). Every threshold below is a named, cited constant; the caller may change
each one through the function's arguments (protocol settings).

Output categories, best first (admiralonco ``aval_resp()``: CR=1 ... MISSING=7):
``CR, PR, SD, NON-CR/NON-PD, PD, NE, MISSING``.

References
----------
.. [1] Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
   guideline (version 1.1). Eur J Cancer 2009;45:228-247, section 4.4 and Table 3.
.. [2] pharmaverse admiralonco, R/derive_param_confirmed_bor.R (details section, steps 1-3) and
   vignettes/adrs_basic.Rmd (ANL01FL: ``ADT >= RANDDT`` and ``ADT < NACTDT``; ref_confirm = 28;
   ref_start_window = 42).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import beta

from oncorwe.derive.response_checks import (
    RESPONSE_VALUES,
    check_assessments,
    prepare_assessments,
)
from oncorwe.errors import InputError

# Order of the BOR categories, best first (admiralonco aval_resp(): CR=1 ... MISSING=7).
BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")
BOR_RANK = {value: rank for rank, value in enumerate(BOR_ORDER, start=1)}
# Confirmation of CR/PR: a repeat assessment at least 4 weeks (28 days) later, "without any +1
# applied" (RECIST 1.1 section 4.5 [1]; admiralonco ref_confirm = 28 [2]).
REF_CONFIRM_DAYS = 28
# SD (and NON-CR/NON-PD) counts only if measured at least this many days after the origin:
# RECIST 1.1 section 4.4 leaves the minimum interval to the protocol ("in general not less than
# 6-8 weeks"); admiralonco's standard example uses 42 days after randomisation [2].
REF_START_WINDOW_DAYS = 42
# At most this many NE assessments between a response and its confirmation (admiralonco
# max_nr_ne default [2]).
MAX_NR_NE = 1

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
    rows: pd.DataFrame, ref_confirm: int, max_nr_ne: int, max_nr_sd: int
) -> tuple[np.ndarray, np.ndarray]:
    """Flag CR and PR assessments that are confirmed (admiralonco ``filter_confirmation``).

    ``rows`` is sorted by patient and date with one row per patient and date. For assessment i
    the confirmatory assessment j is the first later assessment (same patient) whose response is
    CR (for a CR) or CR/PR (for a PR) and whose date is >= date_i + ref_confirm. The assessments
    i+1..j (j included, as admiralonco's joined rows) must be CR/NE (for CR) or CR/PR/SD/NE (for
    PR) with at most max_nr_ne NE, at most max_nr_sd SD and, for PR, no PR after a CR.
    Vectorised with searchsorted and cumulative counts over the whole sorted table.
    """
    n = len(rows)
    code = rows["_patient_code"].to_numpy()
    days = rows["_day"].to_numpy()
    resp = rows["overall_response"].to_numpy()
    pos = np.arange(n)
    # step: one sortable key per (patient, day) so that searchsorted stays within a patient
    span = int(days.max() - days.min()) + ref_confirm + 2 if n else 1
    key = code.astype(np.int64) * span + (days - (days.min() if n else 0))
    first_late = np.searchsorted(key, key + ref_confirm, side="left")

    def next_matching(mask: np.ndarray) -> np.ndarray:
        # position of the first row at or after each position (same patient) where mask holds
        nxt = pd.Series(np.where(mask, pos, np.nan)).groupby(code).bfill().to_numpy()
        return nxt

    def window_counts(values: np.ndarray, j: np.ndarray) -> np.ndarray:
        # number of rows in (i, j] where values is True
        cum = np.cumsum(values)
        return cum[j] - cum[pos]

    def confirmed(is_start: np.ndarray, confirms: np.ndarray, allowed: np.ndarray):
        nxt = next_matching(confirms)
        j = np.full(n, -1)
        inside = first_late < n
        cand = np.full(n, np.nan)
        cand[inside] = nxt[first_late[inside]]
        ok = is_start & ~np.isnan(cand)
        j[ok] = cand[ok].astype(int)
        ok &= code[np.clip(j, 0, None)] == code
        jj = np.where(ok, j, pos)
        ok &= window_counts(~allowed, jj) == 0
        ok &= window_counts(resp == "NE", jj) <= max_nr_ne
        return ok, jj

    is_cr, is_pr = resp == "CR", resp == "PR"
    cr_ok, _ = confirmed(is_cr, is_cr, np.isin(resp, ("CR", "NE")))
    pr_ok, jj = confirmed(is_pr, is_cr | is_pr, np.isin(resp, ("CR", "PR", "SD", "NE")))
    pr_ok &= window_counts(resp == "SD", jj) <= max_nr_sd
    # no PR after a CR inside (i, j]: first CR after i must not precede the last PR up to j
    first_cr_after = pd.Series(np.where(is_cr, pos, np.nan)).groupby(code).bfill()
    first_cr_after = first_cr_after.shift(-1).to_numpy()
    last_pr = pd.Series(np.where(is_pr, pos, np.nan)).groupby(code).ffill().to_numpy()
    cr_then_pr = (first_cr_after <= jj) & (last_pr[jj] > first_cr_after)
    pr_ok &= ~cr_then_pr
    return cr_ok, pr_ok


def best_overall_response(
    assessments: pd.DataFrame,
    origin: pd.DataFrame | pd.Series,
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
    """Best overall response per patient from time-point responses (one criteria selected).

    Parameters
    ----------
    assessments : DataFrame
        ``patient_id, assessment_date, overall_response`` (values in :data:`RESPONSE_VALUES`),
        for one response criteria only. Empty responses are ignored (as admiralonco's
        ``!is.na(AVAL)``); an unknown value raises :class:`~oncorwe.errors.InputError`
        (run :func:`check_assessments` first to get findings instead).
    origin : DataFrame or Series
        Time origin per patient: a Series indexed by ``patient_id`` or a DataFrame with
        ``patient_id`` and ``origin_column``. Every patient of ``origin`` gets one output row
        (``MISSING`` without assessments); assessments of other patients raise InputError.
    confirm : bool
        False: BOR as admiralonco ``derive_param_bor`` (PARAMCD ``BOR``); True: confirmed BOR
        as ``derive_param_confirmed_bor`` (``CBOR``), RECIST 1.1 Table 3.
    ref_confirm : int
        Minimum days between a CR/PR and its confirmation (:data:`REF_CONFIRM_DAYS`).
    ref_start_window : int
        SD / NON-CR/NON-PD count only on or after origin + this many days, else NE
        (:data:`REF_START_WINDOW_DAYS`).
    max_nr_ne : int
        NE assessments accepted between a response and its confirmation (:data:`MAX_NR_NE`).
    accept_sd : bool
        Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``).
    new_therapy : DataFrame or Series, optional
        Start of a new anticancer therapy per patient (``patient_id`` + ``new_therapy_date``
        or a Series); assessments on or after it are ignored (admiralonco ``ADT < NACTDT``).
    on_origin : {"include", "exclude"}
        Whether an assessment dated on the origin day counts. Default ``include``, as
        admiralonco's ANL01FL (``ADT >= RANDDT``); ``exclude`` keeps only ``ADT > origin``
        (use it when the baseline scan is dated on the origin day and carries a response).
    missing_as_ne : bool
        Patients without any usable assessment get ``NE`` instead of ``MISSING``.
    origin_column : str
        Date column of ``origin`` when it is a DataFrame.

    Returns
    -------
    DataFrame
        One row per patient of ``origin``: ``patient_id, bor, bor_date, confirmed``; ``bor_date``
        is the first date at which the best response was seen (NaT for MISSING); ``confirmed``
        records the option used.

    Steps
    -----
    1. Check arguments and columns; keep one (the worst) response per patient and date, as
       admiralonco's ANL01FL; keep assessments on/after the origin and before new therapy.
    2. Keep assessments up to and including the first PD (admiralonco ANL02FL / ``source_pd``).
    3. Give each assessment its best candidate category: CR / PR (confirmed when ``confirm``);
       SD for CR, PR (unconfirmed) or SD at or after origin + ref_start_window; NON-CR/NON-PD
       likewise; PD; NE for NE and for responses before the SD window.
    4. Per patient take the best category, the earliest date among ties; add MISSING rows.

    References
    ----------
    RECIST 1.1 (Eisenhauer 2009) section 4.4 and Table 3; admiralonco derive_param_bor and
    derive_param_confirmed_bor (details, steps 1-3); admiralonco vignettes/adrs_basic.Rmd.
    """
    # step 1: check and restrict
    rows, patients = prepare_assessments(
        assessments, origin, new_therapy, on_origin, origin_column,
        ref_confirm=ref_confirm, ref_start_window=ref_start_window, max_nr_ne=max_nr_ne,
    )  # fmt: skip
    # step 2: up to and including the first PD
    is_pd = (rows["overall_response"] == "PD").to_numpy()
    pd_before = pd.Series(is_pd).groupby(rows["_patient_code"].to_numpy()).cumsum() - is_pd
    rows = rows[(pd_before == 0).to_numpy()].reset_index(drop=True)
    # step 3: candidate category per assessment
    resp = rows["overall_response"].to_numpy()
    in_window = (rows["_day"] - rows["_origin_day"] >= ref_start_window).to_numpy()
    if confirm:
        cr_ok, pr_ok = confirmed_flags(rows, ref_confirm, max_nr_ne, int(accept_sd))
    else:
        cr_ok, pr_ok = resp == "CR", resp == "PR"
    category = np.select(
        [
            cr_ok,
            pr_ok,
            np.isin(resp, ("CR", "PR", "SD")) & in_window,
            (resp == "NON-CR/NON-PD") & in_window,
            resp == "PD",
        ],
        ["CR", "PR", "SD", "NON-CR/NON-PD", "PD"],
        default="NE",
    )
    rows["bor"] = category
    rows["_rank"] = rows["bor"].map(BOR_RANK)
    # step 4: best per patient, earliest date among ties
    best = (
        rows.sort_values(["patient_id", "_rank", "assessment_date"], kind="mergesort")
        .drop_duplicates("patient_id")
        .loc[:, ["patient_id", "bor", "assessment_date"]]
        .rename(columns={"assessment_date": "bor_date"})
    )
    out = patients.merge(best, on="patient_id", how="left")
    out["bor"] = out["bor"].fillna("NE" if missing_as_ne else "MISSING")
    out["bor_date"] = pd.to_datetime(out["bor_date"])
    out["confirmed"] = bool(confirm)
    return out.loc[:, ["patient_id", "bor", "bor_date", "confirmed"]]


# Denominators for ORR / DCR (FDA, Clinical Trial Endpoints for the Approval of Cancer Drugs and
# Biologics, 2018: always state the denominator).
DENOMINATORS = ("all", "evaluable", "measurable")
# Responders and disease control (FDA 2018 endpoints guidance: ORR = CR + PR; DCR = CR + PR +
# SD, with NON-CR/NON-PD counted as admiralonco's clinical benefit CB / CCB).
RESPONDER = ("CR", "PR")
DISEASE_CONTROL = ("CR", "PR", "SD", "NON-CR/NON-PD")


@dataclass(frozen=True)
class ResponseRates:
    """ORR and DCR with their denominator, counts per BOR category and exact 95% CIs.

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


def _clopper_pearson(k: int, n: int, conf_level: float) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    alpha = 1.0 - conf_level
    lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return (lower, upper)


def response_rates(
    bor: pd.DataFrame,
    denominator: str = "all",
    measurable_column: str = "measurable_at_baseline",
    conf_level: float = 0.95,
) -> ResponseRates:
    """Objective response rate (CR + PR) and disease control rate (CR + PR + SD + NON-CR/NON-PD).

    Parameters
    ----------
    bor : DataFrame
        Output of :func:`best_overall_response` (``patient_id, bor``, optionally ``confirmed``
        and ``measurable_column``).
    denominator : {"all", "evaluable", "measurable"}
        ``all``: every patient of ``bor`` (all treated, MISSING and NE included as
        non-responders); ``evaluable``: patients whose BOR is neither NE nor MISSING;
        ``measurable``: patients with ``measurable_column`` true (measurable disease at
        baseline, admiralonco MDIS).
    measurable_column : str
        Boolean column used by ``denominator="measurable"``.
    conf_level : float
        Level of the exact Clopper-Pearson intervals.

    References
    ----------
    FDA. Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics (2018): ORR is
    the sum of partial and complete responses; admiralonco ``CB`` / ``CCB`` (clinical benefit);
    Clopper CJ, Pearson ES. Biometrika 1934;26:404-413.
    """
    if denominator not in DENOMINATORS:
        raise InputError(f"denominator must be one of {DENOMINATORS}, got {denominator!r}")
    if "bor" not in bor.columns:
        raise InputError("response_rates: bor needs a 'bor' column (best_overall_response)")
    unknown = ~bor["bor"].isin(BOR_ORDER)
    if unknown.any():
        raise InputError(f"column bor: value {bor['bor'][unknown].iloc[0]!r} is not a BOR category")
    if denominator == "evaluable":
        bor = bor[~bor["bor"].isin(("NE", "MISSING"))]
    elif denominator == "measurable":
        if measurable_column not in bor.columns:
            raise InputError(f"denominator 'measurable' needs column {measurable_column}")
        bor = bor[bor[measurable_column].fillna(False).astype(bool)]
    counts = bor["bor"].value_counts()
    n = int(len(bor))
    orr_n = int(bor["bor"].isin(RESPONDER).sum())
    dcr_n = int(bor["bor"].isin(DISEASE_CONTROL).sum())
    confirmed = None
    if "confirmed" in bor.columns and bor["confirmed"].nunique() == 1:
        confirmed = bool(bor["confirmed"].iloc[0])
    return ResponseRates(
        denominator=denominator,
        confirmed=confirmed,
        n=n,
        counts={k: int(counts.get(k, 0)) for k in BOR_ORDER},
        orr_n=orr_n,
        orr=orr_n / n if n else float("nan"),
        orr_ci=_clopper_pearson(orr_n, n, conf_level),
        dcr_n=dcr_n,
        dcr=dcr_n / n if n else float("nan"),
        dcr_ci=_clopper_pearson(dcr_n, n, conf_level),
        conf_level=conf_level,
    )
