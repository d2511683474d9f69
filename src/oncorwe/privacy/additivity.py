"""The rule types in which a table's sums are declared, as data (for cell suppression).

Complementary suppression needs to know which cells add up to which totals: a hidden count
that is the only hidden cell of such a sum can be recovered by subtraction. Each exported table
declares its sums (``oncorwe.privacy.exported``) with a few rule types:

- ``Across``: in every row, a count column is the sum of other count columns (an adverse
  event's any-grade count = its grade bands).
- ``Down``: within each block of rows with equal key columns, in each count column, the row
  with one label is the sum of the rows with other labels (ORR = CR + PR), or the rows add up
  to a total printed elsewhere (the levels of a characteristic and its missing count add up to
  the cohort or group size) or to a count of another table (the subgroups' levels to the
  survival table's n and events).
- ``Steps``: a flow of patients, where each step's remaining patients are the next step's
  remaining plus its excluded (the attrition table and the flow diagram drawn from it).
- ``Repeated``: a column holding one count per block on each of its rows (a characteristic's
  missing count): one cell, hidden on every row or on none.
- ``Percent``: percentage columns that give a count away (their denominator), hidden with it.

``Mirror`` declares counts that one table repeats from another (Table 1's overall column
beside it by group, the ORR/DCR rows of the response table side by side, a Cox model's n and
events; ``oncorwe.privacy.mirrors``): such cells are one cell, hidden in both tables or in
neither (when they hold the same count). A sum can have a *remainder*, a count no table prints
(the not-evaluable patients); an *unseen* one (the patients without an event, ``n - events``)
is unknown to a reader unless it is small. ``column_rule`` is a rule a caller may choose for a
table of its own: the cells of each count column add up, within the groups of ``GROUP_KEYS``,
to a total printed elsewhere. It is never applied to a table by default.

References
----------
.. [1] Hundepool A, Domingo-Ferrer J, Franconi L, et al. Statistical Disclosure Control.
   Wiley 2012, chapters 4 (a table and its marginals as linear relations; linked tables;
   secondary suppression) and 5 (frequency tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

COUNT_COLUMN = re.compile(r"^(n|events|missing|denominator|n_[a-z0-9_]+|[a-z0-9_]+_n)$")
GROUP_KEYS = (
    "characteristic",
    "criteria",
    "confirmed",
    "variable",
    "endpoint",
    "soc",
    "model",
    "scope",
    "group",
)


def count_columns(frame: pd.DataFrame) -> list[str]:
    """The count columns of a tidy table, by name (``n``, ``events``, ``*_n``, ``n_*``)."""
    return [
        c
        for c in frame.columns
        if COUNT_COLUMN.match(str(c)) and pd.api.types.is_numeric_dtype(frame[c])
    ]


@dataclass(frozen=True)
class Across:
    """In every row: ``total`` = the sum of the ``parts`` columns.

    ``remainder``: the total also counts patients in none of the parts (a count the table
    does not show, such as the not-evaluable patients of ``field_response``); it is a cell of
    the sum all the same, and hidden when it is in ``1..min_cell-1``. ``unseen``: a reader
    does not know that remainder when it is larger (the patients without an event, ``n -
    events``): the audit takes it as unknown, so it protects the other cells of its sum.
    """

    total: str
    parts: tuple[str, ...]
    remainder: bool = False
    unseen: bool = False


@dataclass(frozen=True)
class Down:
    """Within each block of rows with equal ``by`` values, in each column of ``columns``
    (default: every count column): the row labelled ``total`` (in column ``label``) = the sum
    of the rows labelled ``parts``.

    ``total=None``: the rows add up to a total printed elsewhere (the cohort or a group's
    size); with ``source``, that total is the same column of the row of table ``source``
    agreeing with the block on ``on`` (when that table is there; else as before). ``parts=None``:
    every row of the block but the total and ``exclude``. ``plus``: a ``Repeated`` column of
    the block that is one more part (the missing count). ``remainder``: as in ``Across``.
    """

    label: str | None
    by: tuple[str, ...] = ()
    total: str | None = None
    parts: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None
    plus: str | None = None
    remainder: bool = False
    source: str | None = None
    on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Steps:
    """A flow of patients, one row per step: ``remaining`` of a step = ``remaining`` of the
    next step + ``excluded`` of the next step. The last step's ``remaining`` is the cohort
    size, printed in every table: it is public and never hidden as a complement."""

    remaining: str
    excluded: str


@dataclass(frozen=True)
class Repeated:
    """``column`` holds one count per block of rows with equal ``by`` values, repeated on each
    row of the block: one cell."""

    column: str
    by: tuple[str, ...]


@dataclass(frozen=True)
class Percent:
    """The ``columns`` of a row (percentages, their CIs) reveal the row's ``of`` count, their
    denominator or part of it: they are hidden when that count is."""

    columns: tuple[str, ...]
    of: str


Relation = Across | Down | Steps


@dataclass(frozen=True)
class Additivity:
    """How one table's counts add up: its relations, repeated columns and revealing
    percentages, with a sentence saying why."""

    description: str
    relations: tuple[Relation, ...] = ()
    repeated: tuple[Repeated, ...] = ()
    percents: tuple[Percent, ...] = ()


@dataclass(frozen=True)
class Mirror:
    """Table ``table`` repeats counts of table ``source``: on the rows that agree on ``on``
    (those of the keys both tables have; a key is a column name or a pair (column, source
    column); ``on=()``: every pair of rows), with the rows of ``table`` restricted to
    ``rows`` and the source's to ``source_rows``, each pair of ``columns`` (column, source
    column) holds the same count. A pair of cells whose counts differ is no mirror (the
    table counted other patients, such as a model fitted on complete cases)."""

    description: str
    table: str
    source: str
    on: tuple[str | tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...]
    source_rows: tuple[tuple[str, object], ...] = ()
    rows: tuple[tuple[str, object], ...] = ()


def column_rule(frame: pd.DataFrame) -> Additivity:
    """Within each group of rows with equal ``GROUP_KEYS`` (those the table has), each count
    column adds up to a total printed elsewhere. A group of one row is no relation."""
    keys = tuple(k for k in GROUP_KEYS if k in frame.columns)
    return Additivity(
        "each count column adds up within its groups",
        (Down(label=None, by=keys),),
    )
