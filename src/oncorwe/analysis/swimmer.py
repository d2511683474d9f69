"""The swimmer table: every patient's timeline, with patients numbered, never named.

Subjects are numbered 1..n by decreasing follow-up (OS time), ties by the order of the
analysis dataset, so the plot reads top-down from the longest timeline and no identifier leaves
the analysis.
"""

from __future__ import annotations

import pandas as pd

SWIMMER_COLUMNS = ["subject", "kind", "start_months", "end_months", "label"]


def swimmer_table(timeline: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """``timeline`` (``oncorwe.derive.timeline``) with ``patient_id`` replaced by ``subject``."""
    order = adsl[["patient_id", "os_months"]].sort_values(
        "os_months", ascending=False, kind="mergesort"
    )
    subject = pd.Series(range(1, len(order) + 1), index=order["patient_id"].to_numpy())
    out = timeline.assign(subject=timeline["patient_id"].map(subject))
    # a total order (ties on time and kind broken by end and label), so runs are byte-identical
    out = out.sort_values(
        ["subject", "start_months", "kind", "end_months", "label"], kind="mergesort"
    )
    return out[SWIMMER_COLUMNS].reset_index(drop=True)
