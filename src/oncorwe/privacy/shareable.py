"""Shareable output: how a suppressed cell reads, in every format, and the note that says so.

``privacy.suppression`` hides small counts and leaves, beside each count column, a
``<column>_suppressed`` flag (``"primary"``, ``"complementary"`` or ``""``) and NaN in the
hidden cells. ``mark_suppressed`` turns those NaN into their text, once, before any renderer
sees the table, so the CSV, XLSX, HTML and Word files read alike:

=====================================  ==========  ===============================
cell                                   shown as    why
=====================================  ==========  ===============================
count in ``1..min_cell-1`` (primary)   ``<5``      below the threshold
complementary count                    ``[c]``     may be large: ``<5`` is false
percentage or CI of a hidden count     ``[c]``     it would give the count back
percentage of a hidden denominator     ``[c]``     it would give the denominator back
=====================================  ==========  ===============================

``[c]`` ("confidential") is the UK Government Statistical Service's symbol for a suppressed
cell; it is not the dash of a missing value. Every table with a suppressed cell carries a note
saying what the symbols mean (``df.attrs["footnotes"]``: under the HTML and Word table, in the
XLSX ``notes`` sheet, as a ``#`` comment line of the CSV).

References
----------
.. [1] Government Statistical Service, "Symbols in tables, definitions and help":
   ``[c]`` confidential. https://analysisfunction.civilservice.gov.uk/policy-store/
   symbols-in-tables-definitions-and-help/
.. [2] OECD Glossary of Statistical Terms, "Threshold rule"; "Complementary suppression".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.privacy.additivity import COUNT_COLUMN
from oncorwe.privacy.suppression import (
    COMPLEMENTARY,
    PRIMARY,
    SUPPRESSED_SUFFIX,
    percent_columns,
)

EN_DASH = "\u2013"  # the range 1-4 of the note, as the report writes ranges
WITHHELD = "[c]"
"""A complementary-suppressed count, or the percentage or CI of any suppressed count
("[c]", confidential: the UK Government Statistical Service's symbol for suppressed cells)."""


SUPPRESSED_TEXT = re.compile(r"<\d+|\[c\]")
"""The text of a suppressed cell: ``<min_cell`` (primary) or ``[c]`` (withheld)."""


def is_suppressed(value: Any) -> bool:
    """True for a cell hidden by small-cell suppression: the text ``"<5"`` or ``"[c]"``.

    Told by its text, not its type, so a cell stays suppressed through every pandas operation
    (``iterrows`` gives plain ``str``) and when a CSV is read back.
    """
    return isinstance(value, str) and SUPPRESSED_TEXT.fullmatch(value) is not None


def below(min_cell: int) -> str:
    """The text of a primary-suppressed count: ``"<5"`` for ``min_cell`` 5."""
    return f"<{min_cell}"


NOTE_KEY = "suppression_note"
"""``df.attrs`` key of the suppression note (the CSV writes it as a comment line)."""


def suppression_note(
    min_cell: int, *, primary: bool = True, complementary: bool = False, derived: bool = False
) -> str:
    """The note under a table with suppressed cells, naming only the symbols it uses.

    ``suppression_note(5, complementary=True)`` -> "Counts of 1\u20134 are shown as <5; [c]: a
    further count withheld so that a count below 5 cannot be recovered from the total
    (complementary suppression)."
    """
    small = "1" if min_cell == 2 else f"1{EN_DASH}{min_cell - 1}"
    parts = [f"Counts of {small} are shown as {below(min_cell)}"] if primary else []
    withheld = []
    if complementary:
        withheld.append(
            f"a further count withheld so that a count below {min_cell} cannot be recovered "
            "from the total (complementary suppression)"
        )
    if derived:
        withheld.append("a percentage or confidence interval that would reveal a withheld count")
    if withheld:
        parts.append(f"{WITHHELD}: " + ", or ".join(withheld))
    return "; ".join(parts) + "."


def _flag_columns(frame: pd.DataFrame) -> list[str]:
    """Count columns that carry a suppression flag (``n`` for ``n_suppressed``)."""
    return [
        str(c).removesuffix(SUPPRESSED_SUFFIX)
        for c in frame.columns
        if str(c).endswith(SUPPRESSED_SUFFIX) and str(c).removesuffix(SUPPRESSED_SUFFIX) in frame
    ]


def mark_suppressed(frame: pd.DataFrame, min_cell: int | None) -> pd.DataFrame:
    """``frame`` with each suppressed cell as its text and the note attached.

    Parameters
    ----------
    frame : a tidy table from ``privacy.suppression.suppress_table`` (or
        ``format.suppress_counts``): NaN in hidden cells, ``<column>_suppressed`` beside them.
    min_cell : the protocol's ``privacy.min_cell``; None (not shareable) returns ``frame``.

    Returns
    -------
    A copy whose hidden count cells hold the text ``"<min_cell"`` (primary) or ``"[c]"``
    (complementary), their percentage / CI cells ``"[c]"`` (and a percentage flagged itself,
    ``pct_suppressed``, withheld with its denominator), the flags kept, and the counts
    shown as integers; ``attrs["footnotes"]`` ends with ``suppression_note`` (also under
    ``attrs["suppression_note"]``). A table without a suppressed cell is returned as it is.

    Notes
    -----
    Steps: 1. find the flagged count columns; 2. write each hidden cell's text; 3. attach the
    note naming the symbols used.
    """
    if min_cell is None or NOTE_KEY in frame.attrs:  # not shareable, or marked already
        return frame
    # step 1
    columns = _flag_columns(frame)
    flags = {c: frame[c + SUPPRESSED_SUFFIX].fillna("").astype(str).to_numpy() for c in columns}
    if not any((f != "").any() for f in flags.values()):
        return frame
    out = frame.copy()
    used = {"primary": False, "complementary": False, "derived": False}
    # step 2
    for column, flag in flags.items():
        primary, complementary = flag == PRIMARY, flag == COMPLEMENTARY
        hidden = primary | complementary
        if not hidden.any():
            continue
        if not COUNT_COLUMN.match(column):  # a percentage withheld with its denominator
            out[column] = _with_text(out[column], hidden, WITHHELD)
            used["derived"] = True
            continue
        text = np.where(primary, below(min_cell), WITHHELD).astype(object)
        out[column] = _with_text(_whole(out[column]), hidden, text)
        used["primary"] |= bool(primary.any())
        used["complementary"] |= bool(complementary.any())
        for derived in percent_columns(out, column):
            out[derived] = _with_text(out[derived], hidden, WITHHELD)
            used["derived"] = True
    # step 3
    note = suppression_note(min_cell, **used)
    out.attrs = {
        **frame.attrs,
        "footnotes": (*frame.attrs.get("footnotes", ()), note),
        NOTE_KEY: note,
    }
    return out


def _whole(values: pd.Series) -> pd.Series:
    """Counts as integers again (NaN had made them floats: ``95.0`` -> ``95``), as objects."""
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    cells = values.astype(object).to_numpy(copy=True)
    cells[whole.to_numpy()] = numbers[whole].astype("int64").to_numpy(dtype=object)
    return pd.Series(cells, index=values.index, name=values.name, dtype=object)


def _with_text(values: pd.Series, hidden: np.ndarray, text: np.ndarray | str) -> pd.Series:
    """``values`` as objects, ``text`` where ``hidden``."""
    cells = values.astype(object).to_numpy(copy=True)
    cells[hidden] = text[hidden] if isinstance(text, np.ndarray) else text
    return pd.Series(cells, index=values.index, name=values.name, dtype=object)


def mark_tables(
    tables: Mapping[str, pd.DataFrame], min_cell: int | None
) -> dict[str, pd.DataFrame]:
    """``mark_suppressed`` on every table (unchanged when not shareable)."""
    return {name: mark_suppressed(frame, min_cell) for name, frame in tables.items()}
