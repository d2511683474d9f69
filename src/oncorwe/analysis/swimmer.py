"""The swimmer table: every patient's timeline, with patients numbered, never named.

Subjects are numbered 1..n by decreasing follow-up (OS time), ties by the order of the
analysis dataset, so the plot reads top-down from the longest timeline and no identifier leaves
the analysis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SWIMMER_COLUMNS = ["subject", "kind", "start_months", "end_months", "label"]
# the sort keys after ``subject``: a total order (ties on time and kind broken by end and
# label), so runs are byte-identical
ORDER_COLUMNS = ["start_months", "kind", "end_months", "label"]


def _sort_key(values: pd.Series) -> np.ndarray:
    """An array ``np.lexsort`` orders as ``sort_values`` orders ``values`` (missing last):
    numbers as they are, anything else as the rank of its value among the distinct values."""
    array = values.to_numpy()
    if array.dtype.kind in "fiub":
        return array
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def swimmer_table(timeline: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """``timeline`` (``oncorwe.derive.timeline``) with ``patient_id`` replaced by ``subject``.

    The rows are ordered by one ``np.lexsort`` over the subject and the integer ranks of the
    text columns, and taken once: no copy of the whole timeline with a new column, sorted and
    then cut to the columns shown.
    """
    order = adsl[["patient_id", "os_months"]].sort_values(
        "os_months", ascending=False, kind="mergesort"
    )
    position = pd.Index(order["patient_id"]).get_indexer(timeline["patient_id"])
    subject = position + 1
    if (position < 0).any():  # a patient without an ADSL row has no number
        subject = np.where(position < 0, np.nan, subject)
    keys = [_sort_key(timeline[c]) for c in reversed(ORDER_COLUMNS)]
    rows = np.lexsort([*keys, subject])
    out = timeline[ORDER_COLUMNS].take(rows)
    out.insert(0, "subject", subject[rows])
    return out[SWIMMER_COLUMNS].reset_index(drop=True)
