"""The count cells of a set of tables, numbered, and the sums they take part in.

``build_cell_system`` reads each table's sums (``oncorwe.privacy.exported``) and the counts
tables repeat from one another (``oncorwe.privacy.mirrors``), and
returns every count cell as one number in one vector, and every relation ``total = sum(parts)``
as a row of a coefficient matrix (+1 for a part, -1 for the total), so that suppression and
its audit work on plain arrays whatever the table.

References
----------
.. [1] Hundepool A, et al. Statistical Disclosure Control. Wiley 2012, chapter 4: a table
   with its marginals as a system of linear equations over its cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from oncorwe.privacy.additivity import (
    Across,
    Additivity,
    Down,
    Mirror,
    Steps,
    count_columns,
)
from oncorwe.privacy.mirrors import MIRRORS

# a relation as built: (total cell or -1 for a total printed elsewhere, part cells, remainder,
# the remainder unseen by a reader)
_Sum = tuple[int, list[int], bool, bool]


@dataclass(frozen=True)
class CellSystem:
    """Every count cell of a set of tables, and the relations between them.

    Attributes
    ----------
    values : each cell's count (NaN: missing): the tables' cells in order, then the
        remainders (counts a relation implies but no table shows).
    printed : False for a remainder.
    public : printed elsewhere as it is (the cohort size): never hidden as a complement.
    unseen : a remainder a reader does not know (``Across.unseen``, the patients without an
        event): unknown to the audit unless it is small.
    canon : the cell standing for each cell; a repeated or mirrored count is one cell.
    sign : relations x cells, +1 for a part and -1 for the total (canonical cells only);
        a relation whose total is printed elsewhere has no -1.
    total : each relation's total cell, -1 when it is printed elsewhere.
    names : the table of each relation, for messages.
    layout : table -> (its first cell, its rows, its count columns); the cell of a count is
        first + row * (number of count columns) + column.
    """

    values: np.ndarray
    printed: np.ndarray
    public: np.ndarray
    unseen: np.ndarray
    canon: np.ndarray
    sign: np.ndarray
    total: np.ndarray
    names: tuple[str, ...]
    layout: dict[str, tuple[int, int, list[str]]]

    @property
    def members(self) -> np.ndarray:
        """relations x cells: True where the cell is in the relation."""
        return self.sign != 0

    def tables_of(self, cells: np.ndarray) -> list[str]:
        """The tables holding ``cells`` (boolean over the cells), in table order; a remainder
        belongs to the table of its relation."""
        found = {
            name
            for name, (first, rows, columns) in self.layout.items()
            if cells[first : first + rows * len(columns)].any()
        }
        found |= {
            self.names[i] for i in np.flatnonzero(self.members[:, cells & ~self.printed].any(1))
        }
        return [name for name in self.layout if name in found]

    def cells_of(self, table: str) -> np.ndarray:
        """rows x count columns of ``table``: the (canonical) cell of each count."""
        first, rows, columns = self.layout[table]
        return self.canon[first : first + rows * len(columns)].reshape(rows, len(columns))


class _Cells:
    """Cell numbers of one table: ``cell(row, column)``, -1 when the column is not a count."""

    def __init__(self, frame: pd.DataFrame, first: int, columns: list[str]):
        self.frame, self.first, self.columns = frame, first, columns
        self.index = {c: j for j, c in enumerate(columns)}

    def has(self, *columns: str | None) -> bool:
        return all(c is None or c in self.index for c in columns)

    def cell(self, rows: np.ndarray | int, column: str) -> np.ndarray:
        return self.first + np.asarray(rows) * len(self.columns) + self.index[column]


def _blocks(frame: pd.DataFrame, by: tuple[str, ...]) -> list[np.ndarray]:
    """Row positions of each block of rows with equal ``by`` values (present columns only)."""
    keys = [k for k in by if k in frame.columns]
    if not keys or frame.empty:
        return [np.arange(len(frame))]
    return list(frame.groupby(keys, sort=False, dropna=False).indices.values())


def _across(cells: _Cells, rule: Across) -> list[_Sum]:
    if not cells.has(rule.total, *rule.parts):
        return []
    rows = np.arange(len(cells.frame))
    totals = cells.cell(rows, rule.total)
    parts = np.column_stack([cells.cell(rows, p) for p in rule.parts])
    return [
        (int(t), p.tolist(), rule.remainder, rule.unseen)
        for t, p in zip(totals, parts, strict=True)
    ]


def _source_total(cells: _Cells, rows: np.ndarray, rule: Down, column: str, tables) -> int:
    """The cell of ``rule.source`` that is the total of the block ``rows`` in ``column``: the
    source row agreeing with the block on ``rule.on``; -1 when there is not exactly one."""
    source = tables.get(rule.source)
    if source is None or not source.has(column) or not rule.on:
        return -1
    if not all(k in source.frame and k in cells.frame for k in rule.on):
        return -1
    first = cells.frame.iloc[rows[0]]
    match = np.ones(len(source.frame), dtype=bool)
    for key in rule.on:
        match &= (source.frame[key] == first[key]).to_numpy()
    found = np.flatnonzero(match)
    return int(source.cell(found[0], column)) if found.size == 1 else -1


def _down(cells: _Cells, rule: Down, skip: set[str], tables: dict) -> list[_Sum]:
    frame = cells.frame
    if (rule.label is not None and rule.label not in frame.columns) or not cells.has(rule.plus):
        return []
    columns = rule.columns or [c for c in cells.columns if c not in skip and c != rule.plus]
    columns = [c for c in columns if cells.has(c)]
    labels = frame[rule.label] if rule.label is not None else pd.Series("", index=frame.index)
    out: list[_Sum] = []
    for rows in _blocks(frame, rule.by):
        if rows.size == 0:
            continue
        label = labels.iloc[rows]
        at_total = rows[(label == rule.total).to_numpy()] if rule.total is not None else rows[:0]
        if rule.total is not None and at_total.size != 1:
            continue  # no (single) total row in this block
        if rule.parts is None:
            others = [*rule.exclude, *([rule.total] if rule.total is not None else [])]
            part_rows = rows[~label.isin(others).to_numpy()]
        else:
            part_rows = rows[label.isin(rule.parts).to_numpy()]
        extra = [int(cells.cell(rows[0], rule.plus))] if rule.plus else []
        for column in columns:
            total = int(cells.cell(at_total[0], column)) if at_total.size else -1
            if rule.source is not None:
                total = _source_total(cells, rows, rule, column, tables)
            parts = cells.cell(part_rows, column).tolist() + extra
            out.append((total, parts, rule.remainder and total >= 0, False))
    return out


def _steps(cells: _Cells, rule: Steps) -> tuple[list[_Sum], list[int]]:
    if not cells.has(rule.remaining, rule.excluded) or len(cells.frame) == 0:
        return [], []
    rows = np.arange(1, len(cells.frame))
    before = cells.cell(rows - 1, rule.remaining)
    after, excluded = cells.cell(rows, rule.remaining), cells.cell(rows, rule.excluded)
    triples = zip(before, after, excluded, strict=True)
    sums = [(int(b), [int(a), int(e)], False, False) for b, a, e in triples]
    return sums, [int(cells.cell(len(cells.frame) - 1, rule.remaining))]


def _table_sums(
    cells: _Cells, additivity: Additivity, others: dict[str, _Cells]
) -> tuple[list[_Sum], list[int], list]:
    """The sums, public cells and pairs of equal cells (repeated counts) of one table
    (``others``: every table's cells, for a total in another table)."""
    skip = {r.column for r in additivity.repeated}
    sums: list[_Sum] = []
    public: list[int] = []
    for rule in additivity.relations:
        if isinstance(rule, Across):
            sums += _across(cells, rule)
        elif isinstance(rule, Down):
            sums += _down(cells, rule, skip, others)
        else:
            found, known = _steps(cells, rule)
            sums, public = sums + found, public + known
    pairs = []
    for repeated in additivity.repeated:
        if cells.has(repeated.column):
            for rows in _blocks(cells.frame, repeated.by):
                ids = cells.cell(rows, repeated.column)
                pairs += [(int(ids[0]), int(i)) for i in ids[1:]]
    return sums, public, pairs


def _restrict(frame: pd.DataFrame, rows: tuple[tuple[str, object], ...]) -> pd.DataFrame | None:
    """``frame`` with a ``_row`` position column, restricted to ``rows``; None when it lacks
    one of their columns."""
    if not all(c in frame for c, _ in rows):
        return None
    out = frame.assign(_row=np.arange(len(frame)))
    for column, value in rows:
        out = out[out[column] == value]
    return out


def _mirror_pairs(
    mirror: Mirror, cells: dict[str, _Cells], values: np.ndarray
) -> list[tuple[int, int]]:
    """Pairs of cells holding the same count in two tables (pairs of unequal counts left
    out)."""
    if mirror.table not in cells or mirror.source not in cells:
        return []
    mine, theirs = cells[mirror.table], cells[mirror.source]
    keys = [(k, k) if isinstance(k, str) else k for k in mirror.on]
    keys = [(a, b) for a, b in keys if a in mine.frame and b in theirs.frame]  # both have
    left, right = _restrict(mine.frame, mirror.rows), _restrict(theirs.frame, mirror.source_rows)
    if (mirror.on and not keys) or left is None or right is None:
        return []
    left = pd.DataFrame(
        {f"_k{i}": left[a] for i, (a, _) in enumerate(keys)} | {"_mine": left["_row"]}
    )
    right = pd.DataFrame(
        {f"_k{i}": right[b] for i, (_, b) in enumerate(keys)} | {"_row": right["_row"]}
    )
    on = [f"_k{i}" for i in range(len(keys))]
    matched = left.merge(right, on=on, how="inner") if on else left.merge(right, how="cross")
    pairs = []
    for column, source_column in mirror.columns:
        if mine.has(column) and theirs.has(source_column):
            a = mine.cell(matched["_mine"].to_numpy(), column)
            b = theirs.cell(matched["_row"].to_numpy(), source_column)
            equal = values[a] == values[b]
            pairs += list(zip(a[equal].tolist(), b[equal].tolist(), strict=True))
    return pairs


def _canon(size: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """The smallest cell of each group of cells joined by ``pairs`` (connected components)."""
    if not pairs:
        return np.arange(size)
    a, b = np.array(pairs).T
    graph = coo_matrix((np.ones(a.size), (a, b)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    smallest = pd.Series(np.arange(size)).groupby(label).transform("min")
    return smallest.to_numpy()


def _relation_rows(
    relations: list[tuple[int, list[int], str]], canon: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Coefficient rows over the joined cells (+1 a part, -1 the total), each relation's total
    and name; duplicates, relations of fewer than two cells and with a missing count dropped."""
    rows, totals, names, seen = [], [], [], set()
    for total, parts, name in relations:
        row = np.zeros(values.size)
        np.add.at(row, canon[parts], 1.0)
        if total >= 0:
            row[canon[total]] -= 1.0
        cells = np.flatnonzero(row)
        key = (*cells, *row[cells])
        if cells.size < 2 or key in seen or np.isnan(values[cells]).any():
            continue
        seen.add(key)
        rows.append(row)
        totals.append(canon[total] if total >= 0 else -1)
        names.append(name)
    sign = np.array(rows).reshape(len(rows), values.size)
    return sign, np.array(totals, dtype=int), tuple(names)


def build_cell_system(
    tables: dict[str, pd.DataFrame], additivity: dict[str, Additivity]
) -> CellSystem:
    """Number every count cell of ``tables`` and build their relations.

    Parameters
    ----------
    tables : tidy tables by id.
    additivity : each table's sums (``exported.additivity_of``).

    Returns
    -------
    CellSystem

    Notes
    -----
    Steps: 1. number the count cells table by table; 2. collect each table's sums, public
    cells and repeated counts, and the mirrored counts between tables; 3. add one cell per
    remainder (one per sum over the same joined cells); 4. join equal cells and write the
    relations over the joined cells, dropping duplicates, relations of fewer than two cells
    and relations with a missing count.
    """
    # step 1
    cells: dict[str, _Cells] = {}
    first = 0
    for name, frame in tables.items():
        cells[name] = _Cells(frame.reset_index(drop=True), first, count_columns(frame))
        first += len(frame) * len(cells[name].columns)
    values = [
        c.frame[c.columns].apply(pd.to_numeric, errors="coerce").to_numpy(float).ravel()
        for c in cells.values()
    ]
    values = np.concatenate(values) if values else np.zeros(0)
    # step 2
    sums: list[tuple[_Sum, str]] = []
    public: list[int] = []
    pairs: list[tuple[int, int]] = []
    for name, c in cells.items():
        found, known, same = _table_sums(c, additivity[name], cells)
        sums += [(s, name) for s in found]
        public, pairs = public + known, pairs + same
    for mirror in MIRRORS:
        pairs += _mirror_pairs(mirror, cells, values)
    # step 3: one remainder per sum (a sum repeated on mirrored cells shares its remainder)
    joined = _canon(first, pairs)
    extra, unseen, made = [], [], {}
    relations: list[tuple[int, list[int], str]] = []
    for (total, parts, remainder, hidden_from_reader), name in sums:
        if remainder:
            key = (int(joined[total]) if total >= 0 else -1, tuple(sorted(joined[parts].tolist())))
            if key not in made:
                extra.append(values[total] - values[parts].sum())
                unseen.append(hidden_from_reader)
                made[key] = first + len(extra) - 1
            parts = [*parts, made[key]]
        relations.append((total, parts, name))
    values = np.concatenate([values, np.asarray(extra, dtype=float)])
    printed = np.arange(values.size) < first
    # step 4
    canon = np.concatenate([joined, np.arange(first, values.size)])
    sign, total, names = _relation_rows(relations, canon, values)
    flags = np.zeros(values.size, dtype=bool)
    flags[canon[public]] = True
    return CellSystem(
        values=values,
        printed=printed,
        public=flags,
        unseen=np.concatenate([np.zeros(first, dtype=bool), np.asarray(unseen, dtype=bool)]),
        canon=canon,
        sign=sign,
        total=total,
        names=names,
        layout={name: (c.first, len(c.frame), c.columns) for name, c in cells.items()},
    )
