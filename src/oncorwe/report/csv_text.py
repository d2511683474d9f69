"""A large table as CSV text, the bytes ``DataFrame.to_csv`` writes, in time that grows with
the distinct values of each column rather than with its rows.

``to_csv`` turns every cell into text on its own (numpy's ``astype(str)`` of each float, a
Python string of each text cell) and hands the rows to the standard library's ``csv.writer``.
A patient-level table repeats few values (a handful of kinds and labels, whole days as months),
so here each block of rows is cut into the distinct values of each column, each distinct value
is made text once exactly as ``to_csv`` makes it (numbers by the same ``astype(str)``, text
quoted by ``csv.writer`` itself), and the rows are joined from those texts. Missing values are
written as the empty field, as ``to_csv``'s default ``na_rep``.

Only tables this reproduces exactly take this path: at least :data:`FAST_ROWS` rows, two
columns or more with text names, each column numpy floats or integers, or text (pandas'
string dtype, or objects that are all strings). Any other table is written by ``to_csv``.

References
----------
.. [1] pandas ``pandas.core.indexes.base.get_values_for_csv`` (how ``to_csv`` makes text of a
   float, integer or text column); Python ``csv`` module, ``QUOTE_MINIMAL``.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

import numpy as np
import pandas as pd

FAST_ROWS = 10_000  # smaller tables are written by to_csv: nothing to gain
CHUNK_ROWS = 100_000  # rows made text at a time: memory bounded whatever the table's length
NEEDS_QUOTING = (",", '"', "\n", "\r")


def _is_text(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.StringDtype):
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in (
        "string",
        "empty",
    )


def _is_number(column: pd.Series) -> bool:
    """numpy float64 or integers (other floats are made text at their own precision)."""
    return column.dtype == np.float64 or (
        isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu"
    )


def fast_path(frame: pd.DataFrame) -> bool:
    """Whether :func:`write_csv` writes ``frame`` itself (else it calls ``to_csv``)."""
    return (
        len(frame) >= FAST_ROWS
        and frame.shape[1] >= 2
        and all(isinstance(c, str) for c in frame.columns)
        and all(_is_number(frame[c]) or _is_text(frame[c]) for c in frame.columns)
    )


def _quoted(texts: np.ndarray) -> np.ndarray:
    """Each text as ``csv.writer`` writes it as one field of a row of several."""
    out = texts.copy()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for i, text in enumerate(texts):
        if any(mark in text for mark in NEEDS_QUOTING):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([text, ""])
            out[i] = buffer.getvalue()[: -len(",\n")]
    return out


def _fields(column: pd.Series) -> np.ndarray:
    """The CSV field of every cell of ``column``: each distinct value made text once."""
    if column.dtype == np.float64:
        # the bit pattern, not the value, keys a float: -0.0 and 0.0 are written differently
        codes, uniques = pd.factorize(column.to_numpy().view(np.int64))
        values = uniques.view(column.dtype)
        texts = values.astype(str).astype(object)
        texts[np.isnan(values)] = ""
    elif _is_number(column):
        codes, uniques = pd.factorize(column.to_numpy())
        texts = uniques.astype(str).astype(object)
    else:
        codes, uniques = pd.factorize(column)
        texts = _quoted(np.asarray(uniques.astype(object), dtype=object))
    return np.append(texts, "")[codes]  # code -1 (missing) -> the last entry, ""


def write_csv(frame: pd.DataFrame, handle: TextIO) -> None:
    """``frame.to_csv(handle, index=False, lineterminator="\\n")``, the same text."""
    if not fast_path(frame):
        frame.to_csv(handle, index=False, lineterminator="\n")
        return
    csv.writer(handle, lineterminator="\n").writerow(list(frame.columns))
    for start in range(0, len(frame), CHUNK_ROWS):
        block = frame.iloc[start : start + CHUNK_ROWS]
        fields = [_fields(block[c]) for c in frame.columns]
        handle.write("\n".join(map(",".join, zip(*fields, strict=True))))
        handle.write("\n")
