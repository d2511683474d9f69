"""The swimmer table: every patient's timeline, with patients numbered, never named.

Subjects are numbered 1..n by decreasing follow-up (OS time), ties by the order of the
analysis dataset, so the plot reads top-down from the longest timeline and no identifier leaves
the analysis.

Two ways to the same rows: :func:`swimmer_table` orders a timeline frame in pandas;
:func:`swimmer_rows` joins the timeline to the subjects' numbers on the engine and fetches it
batch by batch, so that memory follows the table itself rather than the whole timeline with its
patient ids plus an ordered copy of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from oncorwe.analysis.datasets import TABLE_PREFIX, AnalysisDatasets
from oncorwe.engine.connect import BATCH_ROWS

SWIMMER_COLUMNS = ["subject", "kind", "start_months", "end_months", "label"]
# the sort keys after ``subject``: a total order (ties on time and kind broken by end and
# label), so runs are byte-identical
ORDER_COLUMNS = ["start_months", "kind", "end_months", "label"]
SUBJECTS_TABLE = TABLE_PREFIX + "subjects"  # patient_id -> subject, on the engine
SUBJECTS_TYPES = {"patient_id": "string", "subject": "int64"}


def numbered_patients(adsl: pd.DataFrame) -> pd.Series:
    """ADSL's patient ids in subject order: decreasing OS time, ties in ADSL order (a stable
    sort), so the id at position k is subject k + 1."""
    order = adsl[["patient_id", "os_months"]].sort_values(
        "os_months", ascending=False, kind="mergesort"
    )
    return order["patient_id"]


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
    """``timeline`` (``oncorwe.derive.timeline``) with ``patient_id`` replaced by ``subject``,
    ordered as one piece of :func:`swimmer_rows` is (:func:`_ordered`)."""
    position = _positions(numbered_patients(adsl), timeline["patient_id"])
    # a patient without an ADSL row has no number (sorted last)
    subject = np.where(position < 0, np.nan, position + 1.0)
    return _columns([_ordered(timeline, subject)])


def swimmer_rows(data: AnalysisDatasets, batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """``swimmer_table(data.timeline, data.adsl)``, the same frame, ordered on the engine.

    Steps
    -----
    1. The patients numbered from ADSL as :func:`swimmer_table` numbers them. Ids repeated or
       missing in ADSL (which a join matches otherwise than pandas) take
       :func:`swimmer_table` itself.
    2. ``patient_id, subject`` loaded onto the engine, the timeline joined to it there and
       fetched ordered by the integer subject only, patients without an ADSL row last: the
       engine orders no text (PostgreSQL's collation is not Python's code-point order).
    3. Each batch ordered as :func:`swimmer_table` orders rows, the rows of its last subject
       held back for the next batch, which may continue that subject (:func:`_pieces`).
    4. Each column joined once from the ordered pieces (:func:`_columns`).
    """
    # step 1
    numbered = numbered_patients(data.adsl)
    if numbered.isna().any() or not numbered.is_unique:
        return swimmer_table(data.timeline, data.adsl)
    # step 2
    subjects = pa.table(
        {
            "patient_id": pa.array(numbered, pa.string()),
            "subject": pa.array(np.arange(1, len(numbered) + 1), pa.int64()),
        }
    )
    # the timeline's table itself: its dataset's rows are ordered by text on the engine
    timeline = ibis.table(data.events["timeline"].rows.schema(), name=TABLE_PREFIX + "timeline")
    with data.engine.loaded(SUBJECTS_TABLE, subjects, SUBJECTS_TYPES) as numbers:
        batches = data.engine.batches(_by_subject(timeline, numbers), batch_rows)
        # steps 3 and 4
        return _columns(_pieces(batches))


def _by_subject(timeline: ir.Table, numbers: ir.Table) -> ir.Table:
    """``subject`` and ``ORDER_COLUMNS`` of every timeline row, ordered by subject only
    (missing, for a patient without a number, last)."""
    joined = timeline.left_join(numbers, timeline.patient_id == numbers.patient_id)
    rows = joined.select(numbers.subject, *(timeline[c] for c in ORDER_COLUMNS))
    return rows.order_by(ibis.asc("subject", nulls_first=False))


def _last_subject_start(subject: np.ndarray) -> int:
    """Where the rows of the last subject of ``subject`` (ordered, missing as NaN) begin."""
    if not len(subject):
        return 0
    last = subject[-1]
    same = np.isnan(subject) if np.isnan(last) else subject == last
    return int(np.argmax(same))  # equal subjects are adjacent: the first is where they begin


def _pieces(batches: Iterable[pd.DataFrame]) -> Iterator[dict]:
    """The rows of ``batches`` (ordered by subject) in swimmer order, as pieces that each hold
    every row of their subjects (:func:`_ordered`)."""
    held = None
    for batch in batches:
        rows = batch if held is None else pd.concat([held, batch], ignore_index=True)
        subject = rows["subject"].to_numpy("float64", na_value=np.nan)
        start = _last_subject_start(subject)
        yield _ordered(rows.iloc[:start], subject[:start])
        held = rows.iloc[start:]
    if held is not None:
        yield _ordered(held, held["subject"].to_numpy("float64", na_value=np.nan))


def _ordered(rows: pd.DataFrame, subject: np.ndarray) -> dict:
    """The columns of ``rows`` (whole subjects; ``subject`` as floats, missing as NaN) in
    swimmer order, subject then ``ORDER_COLUMNS``: one ``np.lexsort`` over the subject and the
    integer ranks of the text columns, each column then taken once."""
    keys = [_sort_key(rows[c]) for c in reversed(ORDER_COLUMNS)]
    order = np.lexsort([*keys, subject])
    return {"subject": subject[order], **{c: _taken(rows[c], order) for c in ORDER_COLUMNS}}


def _taken(column: pd.Series, order: np.ndarray) -> np.ndarray | pd.Series:
    """The values of ``column`` at ``order``: a numpy array, or a Series of the column's own
    type (text stays in its Arrow buffers), without the index a ``Series.take`` carries."""
    if isinstance(column.dtype, np.dtype):
        return column.to_numpy()[order]
    return pd.Series(column.array.take(order), copy=False)


def _columns(pieces: Iterable[dict]) -> pd.DataFrame:
    """The frame of the ordered ``pieces``, each column joined once and its pieces then
    released; ``subject`` integers, or floats with NaN when a patient has no number."""
    parts: dict[str, list] = {c: [] for c in SWIMMER_COLUMNS}
    for piece in pieces:
        for c in SWIMMER_COLUMNS:
            parts[c].append(piece[c])
    out = {}
    for c in SWIMMER_COLUMNS:
        column = parts.pop(c)
        if isinstance(column[0], np.ndarray):
            out[c] = np.concatenate(column)
        else:
            out[c] = pd.concat(column, ignore_index=True)
        del column
    if not np.isnan(out["subject"]).any():
        out["subject"] = out["subject"].astype(np.int64)
    return pd.DataFrame(out, copy=False)
