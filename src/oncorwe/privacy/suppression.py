"""Small-cell suppression of exported aggregate tables (protocol ``privacy.shareable``).

A count ``1 <= n < min_cell`` is suppressed (primary suppression; 0 is shown), and so is every
percentage computed from it. So that a suppressed cell cannot be recovered by subtraction from
a total, complementary cells are hidden too, over the relations each table declares
(``oncorwe.privacy.exported``: which cells add up to which totals, across columns, down rows,
along the attrition steps; ``oncorwe.privacy.mirrors``: which counts another table repeats):

1. every relation ``total = sum(parts)`` with exactly one hidden cell gets a second one: its
   smallest non-zero shown part, else its total (never a count printed elsewhere, never a
   zero: a reader knows ``[c]`` is 0 or at least ``min_cell``), until no relation has exactly
   one hidden cell;
2. an audit (``disclosure_audit``) bounds each hidden cell by linear programming over all
   relations at once (sums of relations, what ``<5`` and ``[c]`` tell): a cell it pins to one
   value gets a neighbour hidden, and step 1 runs again.

Suppressed cells become missing (NaN) and a ``<column>_suppressed`` column says which and why
(``"primary"``, ``"complementary"``, ``""`` for a cell shown; for a percentage hidden because
its denominator is, ``"complementary"``); the report shows a primary cell as ``<min_cell`` and
every other hidden cell as ``[c]`` (``privacy.shareable``). Tables of one row per patient
(swimmer, waterfall) are not aggregates and are removed from shareable output.

References
----------
.. [1] OECD Glossary of Statistical Terms, "Threshold rule" (https://stats.oecd.org/glossary/
   detail.asp?ID=7010); CMS cell suppression policy (https://resdac.org/node/1506): no cell
   1-10 and no cell from which one can be derived; docs/references/disclosure_control.md.
.. [2] Hundepool A, Domingo-Ferrer J, Franconi L, et al. Statistical Disclosure Control.
   Wiley 2012, chapters 4 (secondary suppression, auditing by feasibility intervals) and 5
   (frequency tables).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oncorwe.privacy.additivity import Additivity, Percent
from oncorwe.privacy.cell_system import CellSystem, build_cell_system
from oncorwe.privacy.disclosure_audit import exposed_cells
from oncorwe.privacy.exported import additivity_of, declared_table

LOG = logging.getLogger("oncorwe.privacy")
SUPPRESSED_SUFFIX = "_suppressed"
PRIMARY = "primary"
"""A count in ``1..min_cell-1``: its value is below the threshold."""
COMPLEMENTARY = "complementary"
"""A count hidden only so that a primary cell cannot be recovered from a total."""
SHOWN = ""


def suppress_counts(frame: pd.DataFrame, column: str, min_cell: int | None) -> pd.DataFrame:
    """``frame`` with counts 1..min_cell-1 of ``column`` blanked and ``<column>_suppressed``
    set to ``"primary"`` (the tidy form of ``report.format.format_count``'s "<min_cell");
    unchanged without ``min_cell``, without a small count, or when the column was suppressed
    already (its flags are kept)."""
    flag = column + SUPPRESSED_SUFFIX
    if min_cell is None or flag in frame.columns:
        return frame
    values = frame[column].astype(float)
    hidden = (values > 0) & (values < min_cell)
    if not hidden.any():
        return frame
    flags = hidden.map({True: PRIMARY, False: SHOWN})
    return frame.assign(**{column: values.where(~hidden), flag: flags})


def percent_columns(frame: pd.DataFrame, count: str) -> list[str]:
    """Columns computed from ``count``: ``pct`` (and, beside it, ``ci_lower``/``ci_upper``, the
    percentage's CI as in the response table) for ``n``; ``x_pct`` and ``x_ci_*`` for ``x_n``.

    A table without ``pct`` keeps its ``ci_*`` (the survival table's are a median's CI).
    """
    stem = "" if count == "n" else count.removesuffix("_n")
    if stem:
        names: tuple[str, ...] = (f"{stem}_pct", f"{stem}_ci_lower", f"{stem}_ci_upper")
    else:
        names = ("pct", "ci_lower", "ci_upper") if "pct" in frame.columns else ()
    return [c for c in names if c in frame.columns and c != count]


@dataclass(frozen=True)
class Protection:
    """The outcome of ``protect``, over the cells of a ``CellSystem`` (canonical cells):
    ``primary`` and ``hidden`` cells, and ``unprotected``, hidden cells still exposed when no
    cell was left to hide (none when the pattern passed its audit)."""

    primary: np.ndarray
    hidden: np.ndarray
    unprotected: np.ndarray


def _smallest(cells: np.ndarray, values: np.ndarray) -> int | None:
    """The cell of smallest count (the first of equals), None when there is none."""
    if cells.size == 0:
        return None
    return int(cells[np.lexsort((cells, values[cells]))[0]])


def _complement(system: CellSystem, row: int, hidden: np.ndarray, free: np.ndarray) -> int | None:
    """The cell to hide next in relation ``row``: its smallest free part, else its total."""
    cells = np.flatnonzero(system.sign[row])
    total = int(system.total[row])
    candidates = cells[free[cells] & ~hidden[cells]]
    pick = _smallest(candidates[candidates != total], system.values)
    if pick is None and total >= 0 and free[total] and not hidden[total]:
        pick = total
    return pick


def complete(
    system: CellSystem, hidden: np.ndarray, free: np.ndarray, unknown: np.ndarray | None = None
) -> np.ndarray:
    """``hidden`` with a second hidden cell in every relation that had exactly one, repeated
    until no relation has exactly one (or none of its cells is ``free`` to hide). A relation
    with an ``unknown`` cell (a remainder a reader does not know) needs no second one."""
    hidden = hidden.copy()
    members = system.members
    covered = (members & unknown).any(axis=1) if unknown is not None else False
    progress = True
    while progress:
        progress = False
        for row in np.flatnonzero(((members & hidden).sum(axis=1) == 1) & ~covered):
            if (members[row] & hidden).sum() != 1:
                continue  # an earlier pick in this pass gave it its second cell
            pick = _complement(system, int(row), hidden, free)
            if pick is not None:
                hidden[pick] = progress = True
    return hidden


def _connected(members: np.ndarray, hidden: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The hidden cells joined to ``seeds`` through relations (seeds included)."""
    found = seeds.copy()
    while True:
        grown = found | (members[members[:, found].any(axis=1)].any(axis=0) & hidden)
        if (grown == found).all():
            return found
        found = grown


def _repair(
    system: CellSystem, hidden: np.ndarray, free: np.ndarray, exposed: np.ndarray
) -> np.ndarray:
    """Cells to hide for the exposed cells: for each, the smallest free cell sharing a
    relation with it; if none has one, the smallest free cell of a relation of the hidden
    cells joined to them; empty when there is none (the exposure cannot be mended)."""
    members, values = system.members, system.values
    picks = {
        _smallest(np.flatnonzero(members[members[:, cell]].any(axis=0) & free & ~hidden), values)
        for cell in np.flatnonzero(exposed)
    } - {None}
    if not picks:
        joined = _connected(members, hidden, exposed)
        around = members[members[:, joined].any(axis=1)].any(axis=0)
        picks = {_smallest(np.flatnonzero(around & free & ~hidden), values)} - {None}
    return np.array(sorted(picks), dtype=int)


def protect(system: CellSystem, min_cell: int) -> Protection:
    """Primary and complementary suppression over a cell system.

    Parameters
    ----------
    system : the cells and relations of the tables (``cell_system.build_cell_system``).
    min_cell : the smallest count that may be shown.

    Returns
    -------
    Protection

    Notes
    -----
    Steps: 1. mark the primary cells (and remainders in ``1..min_cell-1``); 2. complete every
    relation with one hidden cell; 3. audit, hide one more cell beside each exposed one, back
    to step 2, until the audit passes or nothing is left to hide. A remainder a reader does
    not see (``CellSystem.unseen``, the patients without an event) of ``min_cell`` or more is
    an unknown of the audit (at least ``min_cell``) and protects the cells of its relations; it
    is not itself a cell to protect.
    """
    # step 1
    values = system.values
    own = system.canon == np.arange(values.size)
    primary = own & (values >= 1) & (values < min_cell)
    free = own & system.printed & ~system.public & (values > 0)
    unknown = system.unseen & (values >= min_cell)
    # step 2
    hidden = complete(system, primary, free, unknown)
    # step 3
    memo: dict = {}  # intervals of groups of hidden cells that did not change

    def audit(hidden: np.ndarray) -> np.ndarray:
        found = exposed_cells(system.sign, values, hidden | unknown, primary, min_cell, memo)
        return found & ~unknown

    exposed = audit(hidden)
    while exposed.any():
        pick = _repair(system, hidden, free, exposed)
        if pick.size == 0:
            LOG.warning(
                "small-cell suppression: %d hidden count(s) of table(s) %s remain recoverable "
                "from the totals, and hiding more counts does not help; review before sharing",
                int(exposed.sum()),
                ", ".join(repr(t) for t in system.tables_of(exposed)),
            )
            break
        hidden[pick] = True
        hidden = complete(system, hidden, free, unknown)
        exposed = audit(hidden)
    return Protection(primary, hidden, exposed)


def _hide_percents(out: pd.DataFrame, percent: Percent, hidden: np.ndarray) -> None:
    """Hide ``percent.columns`` where their ``of`` count is hidden (and they have a value),
    with a flag column."""
    for column in (c for c in percent.columns if c in out.columns):
        withheld = hidden & out[column].notna().to_numpy()
        if not withheld.any():
            continue
        out[column] = out[column].mask(withheld)
        flag = column + SUPPRESSED_SUFFIX
        if flag in out.columns:
            out[flag] = np.where(withheld, COMPLEMENTARY, out[flag])
        else:
            why = np.where(withheld, COMPLEMENTARY, SHOWN)
            out.insert(out.columns.get_loc(column) + 1, flag, why)


def _apply(
    frame: pd.DataFrame, cells: np.ndarray, columns: list[str], protection: Protection,
    percents: tuple[Percent, ...],
) -> pd.DataFrame:  # fmt: skip
    """``frame`` with its hidden counts and their percentages blanked, and the flags."""
    if not protection.hidden[cells].any():
        return frame
    out = frame.copy()
    for j, column in enumerate(columns):
        hidden, primary = protection.hidden[cells[:, j]], protection.primary[cells[:, j]]
        if not hidden.any():
            continue
        values = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype="float64")
        out[column] = np.where(hidden, np.nan, values)  # no number is left to leak
        for derived in percent_columns(out, column):
            out[derived] = out[derived].mask(hidden)
        why = np.where(primary, PRIMARY, np.where(hidden, COMPLEMENTARY, SHOWN))
        out.insert(out.columns.get_loc(column) + 1, column + SUPPRESSED_SUFFIX, why)
    for percent in percents:
        if percent.of in columns:
            hidden = protection.hidden[cells[:, columns.index(percent.of)]]
            if hidden.any():
                _hide_percents(out, percent, hidden)
    return out


def _suppress(
    tables: dict[str, pd.DataFrame], declared: dict[str, Additivity], min_cell: int
) -> dict[str, pd.DataFrame]:
    system = build_cell_system(tables, declared)
    protection = protect(system, min_cell)
    return {
        name: _apply(
            frame,
            system.cells_of(name),
            system.layout[name][2],
            protection,
            declared[name].percents,
        )  # fmt: skip
        for name, frame in tables.items()
    }


def suppress_table(frame: pd.DataFrame, min_cell: int, additivity: Additivity) -> pd.DataFrame:
    """Suppress counts in ``1..min_cell-1`` of one tidy table, with complementary suppression.

    Parameters
    ----------
    frame : a tidy aggregate table (Table 1, response, adverse events ...).
    min_cell : the smallest count that may be shown.
    additivity : how its counts add up: an exported table's ``exported.additivity_of(name)``,
        or ``additivity.column_rule(frame)`` (each count column adds up within its groups)
        when the caller chooses that rule for a table of its own.

    Returns
    -------
    A copy: suppressed counts and their percentages / CIs are NaN, and each count column with a
    suppressed cell has ``<column>_suppressed`` beside it: ``"primary"`` (the count is in
    ``1..min_cell-1``), ``"complementary"`` (hidden so the primary cannot be recovered) or
    ``""`` (shown). A table without small cells is returned unchanged.
    """
    return _suppress({"table": frame}, {"table": additivity}, min_cell)["table"]


def suppress_tables(tables: dict[str, pd.DataFrame], min_cell: int) -> dict[str, pd.DataFrame]:
    """Suppress every table at once, over each table's declared sums
    (``exported.EXPORTED_TABLES``) and the counts tables repeat from one another
    (``mirrors.MIRRORS``); patient-level tables are left out.

    Raises
    ------
    UndeclaredTableError
        A table of ``tables`` is not declared in ``exported.EXPORTED_TABLES`` (named in the
        message): no table is suppressed by a guessed rule.
    """
    kept = {name: frame for name, frame in tables.items() if declared_table(name).sums is not None}
    declared = {name: additivity_of(name) for name in kept}
    return _suppress(kept, declared, min_cell)
