"""Input gate for competing-risks statistics, built on the checks of ``stats/_check.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError
from oncorwe.stats._check import _first_bad, as_float_array, check_same_length

CENSORED = 0  # status code of a censored observation (R: cencode = 0)


@dataclass(frozen=True, eq=False)
class CompetingRisksData:
    """Checked competing-risks data.

    Attributes
    ----------
    time : float array, >= 0.
    status : float array of event codes, 0 = censored.
    cause : the event code of interest (float, as ``status``); ``cause_label`` as given.
    causes : all event codes present (sorted, censoring excluded).
    """

    time: np.ndarray
    status: np.ndarray
    cause: float
    cause_label: Any
    causes: tuple


def check_competing_risks(time: Any, status: Any, cause: Any) -> CompetingRisksData:
    """Check time / status / cause for a competing-risks statistic.

    Rules: same length, non-empty, no NaN or infinity, ``time >= 0``, ``status`` numeric codes
    (0 = censored), ``cause`` a non-zero code present in ``status``.
    """
    time_array = as_float_array("time", time)
    status_array = as_float_array("status", status)
    check_same_length(time=time_array, status=status_array)
    _first_bad("time", time_array, time_array < 0, "time >= 0")
    try:
        cause_value = float(cause)
    except (TypeError, ValueError):
        raise StatsInputError(f"cause: {cause!r} is not a numeric event code") from None
    # a hash of the few distinct codes, then a sort of those alone (not of every event)
    codes = np.sort(pd.unique(status_array[status_array != CENSORED]))
    shown = ", ".join(f"{c:g}" for c in codes) or "none"
    if cause_value == CENSORED:
        raise StatsInputError(f"cause: {cause!r} is the censoring code; choose one of: {shown}")
    if cause_value not in codes:
        raise StatsInputError(
            f"cause: {cause!r} is not among the event codes of status ({shown}; 0 = censored)"
        )
    causes = tuple(int(c) if float(c).is_integer() else float(c) for c in codes)
    return CompetingRisksData(time_array, status_array, cause_value, cause, causes)
