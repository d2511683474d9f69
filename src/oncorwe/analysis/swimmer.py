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
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "fiub":
        return values.to_numpy()
    # factorised as stored (no Python string per row), then the few distinct values ranked
    codes, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    rank = np.empty(len(distinct) + 1, dtype=np.int32)
    rank[np.argsort(distinct, kind="stable")] = np.arange(len(distinct), dtype=np.int32)
    rank[-1] = len(distinct)  # code -1 (missing) -> after every value
    return rank[codes]


def _positions(numbered: pd.Series, ids: pd.Series) -> np.ndarray:
    """Position of each of ``ids`` in ``numbered`` (distinct patient ids), -1 when absent: both
    factorised together (the ids hashed as they are stored, not as Python strings)."""
    codes, _ = pd.factorize(pd.concat([numbered, ids], ignore_index=True))
    n = len(numbered)
    if not np.array_equal(codes[:n], np.arange(n)):  # repeated ids: as a look-up refuses them
        return pd.Index(numbered).get_indexer(ids)
    position = codes[n:]
    position[position >= n] = -1
    return position


def swimmer_table(timeline: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """``timeline`` (``oncorwe.derive.timeline``) with ``patient_id`` replaced by ``subject``.

    The rows are ordered by one ``np.lexsort`` over the subject and the integer ranks of the
    text columns, and taken once: no copy of the whole timeline with a new column, sorted and
    then cut to the columns shown.
    """
    order = adsl[["patient_id", "os_months"]].sort_values(
        "os_months", ascending=False, kind="mergesort"
    )
    position = _positions(order["patient_id"], timeline["patient_id"])
    missing = position < 0  # a patient without an ADSL row has no number (sorted last)
    subject = np.where(missing, np.nan, position + 1.0) if missing.any() else position
    keys = [_sort_key(timeline[c]) for c in reversed(ORDER_COLUMNS)]
    rows = np.lexsort([*keys, subject])
    del keys
    out = timeline[ORDER_COLUMNS].take(rows)
    out.insert(0, "subject", subject[rows] if missing.any() else position[rows] + 1)
    return out[SWIMMER_COLUMNS].reset_index(drop=True)
