"""iRECIST best overall response (iBOR) from iRECIST time-point responses.

iBOR is the best time-point response from the start of treatment, ordered iCR > iPR > iSD >
NON-iCR/NON-iUPD > iCPD > iUPD > NE (> MISSING), with the iRECIST rules for progression:

- iUPD (unconfirmed progression) is confirmed as iCPD at a later assessment, due 4-8 weeks after
  it. The confirmation itself (a further increase, measured from the iUPD scan, at least 4 weeks
  later) is a *time-point* rule, applied by :func:`oncorwe.derive.recist.apply_irecist`; here an
  iCPD confirms the iUPD block before it (only iUPD / NE in between) and the iBOR iCPD is dated
  at that block's first iUPD (the iRECIST progression date). An iUPD that is never confirmed
  (Table 3 example 8: iUPD, NE, NE, ...) gives iBOR iUPD; one that stays iUPD at the next scan
  and is confirmed later still gives iCPD (example 7).
- A later iSD / iPR / iCR after iUPD resets the bar (example 5: iUPD, iSD, iUPD, iCPD -> iSD);
  a new iUPD must be confirmed again.
- iSD and NON-iCR/NON-iUPD count only on or after origin + ``ref_start_window`` days (else NE),
  as the SD window of RECIST 1.1 BOR.
- With ``confirm``, iCR / iPR need confirmation exactly as RECIST 1.1 confirmed BOR
  (:func:`oncorwe.derive.best_response.confirmed_flags`: a later iCR (iCR/iPR for iPR) at least
  ``ref_confirm`` days after, only iCR/iPR/NE in between (one iSD with ``accept_sd``) - an iUPD
  in between breaks it); unconfirmed ones fall to iSD (in the SD window) or NE.
- Assessments after the first iCPD are ignored (admiralonco ANL02FL for iRECIST), as are those
  before the origin or on/after a new anticancer therapy.

References
----------
.. [1] Seymour L, Bogaerts J, Perrone A, et al. iRECIST: guidelines for response criteria for use
   in trials testing immunotherapeutics. Lancet Oncol 2017;18:e143-e152, Table 2 (time-point
   response) and Table 3 (scenarios of iBOR assignment; PMC5648544).
.. [2] EORTC RECIST working group, iRECIST FAQ (recist.eortc.org/irecist): scans earlier than
   4 weeks after iUPD do not confirm it; confirmation due 4-8 weeks after iUPD.
.. [3] pharmaverse admiralonco, vignettes/irecist.Rmd: ANL01FL worst-first order (iCPD, iUPD,
   NON-iCR/NON-iUPD, iSD, iPR, iCR, NE), ANL02FL up to the first iCPD, IBOR / ICBOR events
   (iCR, iPR, iSD >= 42 days, NON-iCR/NON-iUPD >= 42 days, iCPD = iUPD followed by iCPD with only
   iUPD/NE in between, iUPD, NE, MISSING), confirmation 28 days and at most one NE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.derive.best_response import (
    MAX_NR_NE,
    REF_CONFIRM_DAYS,
    REF_START_WINDOW_DAYS,
    confirmed_flags,
)
from oncorwe.derive.recist import IRECIST_CONFIRM_MIN_DAYS, IRECIST_NAMES
from oncorwe.derive.response_checks import prepare_assessments

# iRECIST time-point responses (Seymour 2017 Table 2 [1]; admiralonco RS values [3]).
IRECIST_VALUES = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE")
# Worst first, to keep one response per date (admiralonco iRECIST ANL01FL order [3]).
IRECIST_WORST_FIRST = ("iCPD", "iUPD", "NON-iCR/NON-iUPD", "iSD", "iPR", "iCR", "NE")
# iBOR categories in order of selection, best first (admiralonco IBOR event order [3]): a
# confirmed progression outranks an unconfirmed one, which outranks NE.
IBOR_ORDER = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iCPD", "iUPD", "NE", "MISSING")
IBOR_RANK = {value: rank for rank, value in enumerate(IBOR_ORDER, start=1)}
# ORR and DCR by iRECIST (iORR = iCR + iPR; disease control adds iSD and NON-iCR/NON-iUPD, as
# admiralonco's ICB clinical benefit [3]).
IRECIST_RESPONDER = ("iCR", "iPR")
IRECIST_DISEASE_CONTROL = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD")
# Same category under RECIST 1.1, to reuse the RECIST confirmation search (iUPD and iCPD are PD:
# neither may lie between a response and its confirmation).
TO_RECIST = {
    "iCR": "CR",
    "iPR": "PR",
    "iSD": "SD",
    "NON-iCR/NON-iUPD": "NON-CR/NON-PD",
    "iUPD": "PD",
    "iCPD": "PD",
    "NE": "NE",
}
# Between an iUPD and the iCPD that confirms it only these may occur (admiralonco [3]).
IUPD_BLOCK = ("iUPD", "NE", "iCPD")

__all__ = [
    "IBOR_ORDER",
    "IRECIST_DISEASE_CONTROL",
    "IRECIST_RESPONDER",
    "IRECIST_VALUES",
    "irecist_best_overall_response",
    "irecist_from_recorded",
]


def _block_first_iupd(rows: pd.DataFrame, resp: np.ndarray) -> np.ndarray:
    """Date of the first iUPD of each row's iUPD block (NaT when the block has none).

    A block is a run of iUPD / NE / iCPD rows of one patient; any other response starts a new
    one. For an iCPD row this is the start of the progression it confirms.
    """
    code = rows["_patient_code"].to_numpy()
    breaker = ~np.isin(resp, IUPD_BLOCK)
    block = pd.Series(breaker.astype(int)).groupby(code).cumsum().to_numpy()
    iupd_date = rows["assessment_date"].where(resp == "iUPD")
    return iupd_date.groupby([code, block]).transform("min").to_numpy()


def irecist_best_overall_response(
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
    """iRECIST best overall response per patient from iRECIST time-point responses.

    Parameters
    ----------
    assessments : DataFrame
        ``patient_id, assessment_date, overall_response`` with values in
        :data:`IRECIST_VALUES` (e.g. ``derive_time_point_response(lesions, "iRECIST")``).
    origin, confirm, ref_confirm, ref_start_window, max_nr_ne, accept_sd, new_therapy, \
on_origin, missing_as_ne, origin_column
        As :func:`oncorwe.derive.best_response.best_overall_response` (RECIST 1.1 BOR), with
        iCR / iPR / iSD in place of CR / PR / SD.

    Returns
    -------
    DataFrame
        One row per patient of ``origin``: ``patient_id, bor, bor_date, confirmed`` with ``bor``
        in :data:`IBOR_ORDER`; ``bor_date`` is the first date of the best response, for iCPD the
        date of the first iUPD that it confirms (NaT for MISSING).

    Steps
    -----
    1. Check and restrict: one (the worst) response per date, on/after the origin, before new
       anticancer therapy.
    2. Keep assessments up to and including the first iCPD.
    3. Candidate per assessment: iCR / iPR (confirmed when ``confirm``); iSD for iCR, iPR or
       iSD in the SD window; NON-iCR/NON-iUPD in the window; iCPD (dated at the first iUPD of its
       block); iUPD; NE otherwise.
    4. Per patient the best candidate, the earliest date among ties; MISSING (or NE) without
       assessments.

    References
    ----------
    Seymour et al., Lancet Oncol 2017;18:e143, Tables 2-3; admiralonco vignettes/irecist.Rmd
    (IBOR, ICBOR); RECIST 1.1 section 4.4 (confirmation, as in best_overall_response).
    """
    # step 1
    rows, patients = prepare_assessments(
        assessments, origin, new_therapy, on_origin, origin_column,
        values=IRECIST_VALUES, worst_first=IRECIST_WORST_FIRST,
        ref_confirm=ref_confirm, ref_start_window=ref_start_window, max_nr_ne=max_nr_ne,
    )  # fmt: skip
    # step 2
    is_icpd = (rows["overall_response"] == "iCPD").to_numpy()
    icpd_before = pd.Series(is_icpd).groupby(rows["_patient_code"].to_numpy()).cumsum() - is_icpd
    rows = rows[(icpd_before == 0).to_numpy()].reset_index(drop=True)
    # step 3
    resp = rows["overall_response"].to_numpy()
    in_window = (rows["_day"] - rows["_origin_day"] >= ref_start_window).to_numpy()
    if confirm:
        as_recist = rows.assign(overall_response=rows["overall_response"].map(TO_RECIST))
        cr_ok, pr_ok = confirmed_flags(as_recist, ref_confirm, max_nr_ne, int(accept_sd))
    else:
        cr_ok, pr_ok = resp == "iCR", resp == "iPR"
    rows["bor"] = np.select(
        [
            cr_ok,
            pr_ok,
            np.isin(resp, ("iCR", "iPR", "iSD")) & in_window,
            (resp == "NON-iCR/NON-iUPD") & in_window,
            resp == "iCPD",
            resp == "iUPD",
        ],
        ["iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iCPD", "iUPD"],
        default="NE",
    )
    block_start = pd.to_datetime(_block_first_iupd(rows, resp))
    icpd = rows["bor"].to_numpy() == "iCPD"
    rows["_date"] = rows["assessment_date"].where(~(icpd & pd.notna(block_start)), block_start)
    rows["_rank"] = rows["bor"].map(IBOR_RANK)
    # step 4
    best = (
        rows.sort_values(["patient_id", "_rank", "_date"], kind="mergesort")
        .drop_duplicates("patient_id")
        .loc[:, ["patient_id", "bor", "_date"]]
        .rename(columns={"_date": "bor_date"})
    )
    out = patients.merge(best, on="patient_id", how="left")
    out["bor"] = out["bor"].fillna("NE" if missing_as_ne else "MISSING")
    out["bor_date"] = pd.to_datetime(out["bor_date"])
    out["confirmed"] = bool(confirm)
    return out.loc[:, ["patient_id", "bor", "bor_date", "confirmed"]]


def irecist_from_recorded(
    assessments: pd.DataFrame, confirm_min_days: int = IRECIST_CONFIRM_MIN_DAYS
) -> pd.DataFrame:
    """iRECIST time-point labels from recorded responses (``CR ... PD`` under criteria iRECIST).

    The data contract records iRECIST time points with the RECIST 1.1 words, so a recorded PD
    cannot say whether it is iUPD or iCPD. Approximation (not in iRECIST, which needs a further
    increase measured from the iUPD scan; use lesion records for the exact rule): the first PD
    of a run of PD / NE is iUPD, and a PD at least ``confirm_min_days`` after that iUPD, with
    only PD / NE in between, is iCPD (progression still recorded at the confirmation scan). Any
    other response resets the bar. CR, PR, SD, NON-CR/NON-PD and NE map to iCR, iPR, iSD,
    NON-iCR/NON-iUPD and NE.

    Returns a copy of ``assessments`` with ``overall_response`` in :data:`IRECIST_VALUES`.
    """
    out = assessments.copy()
    frame = out.sort_values(["patient_id", "assessment_date"], kind="mergesort")
    resp = frame["overall_response"].to_numpy()
    dates = pd.to_datetime(frame["assessment_date"])
    breaker = ~np.isin(resp, ("PD", "NE"))
    block = pd.Series(breaker.astype(int), index=frame.index).groupby(frame["patient_id"]).cumsum()
    first_pd = dates.where(resp == "PD").groupby([frame["patient_id"], block]).transform("min")
    confirmed = (resp == "PD") & ((dates - first_pd).dt.days >= confirm_min_days).to_numpy()
    labels = frame["overall_response"].map(IRECIST_NAMES).where(~confirmed, "iCPD")
    out.loc[frame.index, "overall_response"] = labels
    return out
