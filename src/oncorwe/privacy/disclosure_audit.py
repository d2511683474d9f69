"""Audit of a suppression pattern: can a reader work a hidden count out exactly?

A reader who sees the shown counts and knows the relations between cells (``cell_system``)
can bound each hidden cell: its smallest and largest value over every table consistent with
what is shown (the *feasibility interval*). A hidden cell is *exposed* when that interval holds
a single whole number. What the reader knows of a hidden cell: a primary cell (shown as
``<5``) is 1..min_cell-1; a complementary one (``[c]``) is 0 or at least ``min_cell`` - the
audit takes it as at least ``min_cell`` (its true range: complements are never zeros), which
can only narrow the intervals, so a pattern that passes passes for the reader too.

References
----------
.. [1] Hundepool A, et al. Statistical Disclosure Control. Wiley 2012, chapters 4 (the
   attacker's feasibility intervals by linear programming, auditing a suppression pattern)
   and 5 (frequency tables).
.. [2] Cox LH. Suppression methodology and statistical disclosure control. J Am Stat Assoc
   1980;75:377-385.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

TOLERANCE = 1e-6
"""Slack on the LP bounds before counting the whole numbers of an interval."""


def reader_bounds(
    values: np.ndarray, primary: np.ndarray, min_cell: int
) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each cell when it is hidden: ``[1, min_cell-1]`` for a primary
    cell, ``[min_cell, inf)`` for a larger count, ``[0, 0]`` for a zero."""
    large = values >= min_cell
    lower = np.where(primary, 1.0, np.where(large, float(min_cell), values))
    upper = np.where(primary, float(min_cell - 1), np.where(large, np.inf, values))
    return lower, upper


def _extreme(k: int, a_eq, b_eq, bounds, sense: float) -> float:
    """The smallest (``sense`` 1) or largest (-1) value of variable ``k``."""
    cost = np.zeros(a_eq.shape[1])
    cost[k] = sense
    fit = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if fit.status == 3:  # unbounded: no largest value
        return -sense * np.inf
    return sense * fit.fun if fit.status == 0 else np.nan


def feasibility_intervals(
    sign: np.ndarray,
    values: np.ndarray,
    hidden: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    memo: dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The reader's interval of each hidden cell.

    Parameters
    ----------
    sign : relations x cells, coefficients of ``total = sum(parts)`` (+1 part, -1 total).
    values : every cell's true count.
    hidden : the cells the reader does not see.
    lower, upper : what the reader knows of each cell when it is hidden (``reader_bounds``).
    memo : intervals of groups of hidden cells already bounded, by their cells (the same
        ``sign``, ``values`` and bounds only): a suppression that hides cells one group at a
        time re-solves only the groups that changed.

    Returns
    -------
    (low, high) over all cells: the interval of each hidden cell; NaN for a shown cell.

    Notes
    -----
    Steps: 1. keep the relations with a hidden cell, moving the shown cells to the right-hand
    side; 2. split the hidden cells into groups joined by relations; 3. minimise and maximise
    each cell of a group over its group's relations and bounds (HiGHS).
    """
    low = np.full(values.size, np.nan)
    high = np.full(values.size, np.nan)
    cells = np.flatnonzero(hidden)
    if cells.size == 0:
        return low, high
    # step 1
    a_all = sign[:, cells]
    used = np.flatnonzero((a_all != 0).any(axis=1))
    a_eq = a_all[used]
    b_eq = a_eq @ values[cells]
    # step 2
    touching = (a_eq != 0).astype(float)
    graph = coo_matrix(touching.T @ touching)
    _, group = connected_components(graph, directed=False)
    # step 3
    memo = {} if memo is None else memo
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        key = tuple(cells[members])
        if key not in memo:
            memo[key] = _group_intervals(a_eq[:, members], b_eq, lower[list(key)], upper[list(key)])
        low[list(key)], high[list(key)] = memo[key]
    return low, high


def _group_intervals(a_eq, b_eq, lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value of each cell of one group (its columns of ``a_eq``)."""
    rows = np.flatnonzero((a_eq != 0).any(axis=1))
    if rows.size == 0:
        return lower.copy(), upper.copy()
    a, b = a_eq[rows], b_eq[rows]
    bounds = list(zip(lower, upper, strict=True))
    low = np.array([_extreme(k, a, b, bounds, 1.0) for k in range(a.shape[1])])
    high = np.array([_extreme(k, a, b, bounds, -1.0) for k in range(a.shape[1])])
    return low, high


def exposed_cells(
    sign: np.ndarray,
    values: np.ndarray,
    hidden: np.ndarray,
    primary: np.ndarray,
    min_cell: int,
    memo: dict | None = None,
) -> np.ndarray:
    """Hidden cells a reader can work out exactly: their feasibility interval holds one whole
    number, though what the reader knows of the cell alone allows more than one (a ``<2`` is
    always 1: that is the threshold's choice, not a leak).

    Parameters
    ----------
    sign : relations x cells (``CellSystem.sign``).
    values : every cell's true count.
    hidden : the suppression pattern (primary and complementary cells, and remainders below
        the threshold).
    primary : cells in ``1..min_cell-1``.
    min_cell : the threshold.
    memo : passed to ``feasibility_intervals``.

    Returns
    -------
    Boolean array over the cells.
    """
    lower, upper = reader_bounds(values, primary, min_cell)
    low, high = feasibility_intervals(sign, values, hidden, lower, upper, memo)
    whole = np.floor(high + TOLERANCE) - np.ceil(low - TOLERANCE) + 1
    a_priori = np.floor(upper + TOLERANCE) - np.ceil(lower - TOLERANCE) + 1
    return hidden & (whole <= 1) & (a_priori > 1)
