"""Per-row concordant, discordant and tied pair counts by two sweeps over time with a Fenwick tree.

Harrell's C and its infinitesimal-jackknife standard error need, for every row, the (weighted)
numbers of concordant, discordant and tied-predictor pairs it belongs to. With the rows sorted
by time once, a Fenwick (binary indexed) tree over the predictor ranks holds the weights of the
rows at risk, and each row's counts take one prefix sum: O(n log n) in all, as R's
``concordancefit`` does in C with a balanced tree. The two sweeps are compiled by numba: with
numpy alone the same counts need one sort of all rows per bit of the predictor rank (about 20
at 1e6 rows) and stayed several times slower (docs/benchmarks.md).

Keys are integers: events ``2 r`` and censored rows ``2 r + 1``, with ``r`` the rank of the
time and ``stratum * span`` added, so that a row censored at an event time is later than the
event, events at one time are not comparable, and strata follow one another (the tree is
emptied between strata).

References
----------
Fenwick PM. A new data structure for cumulative frequency tables. Softw Pract Exp
1994;24:327-336. Therneau TM, Watson DA. The concordance statistic and the Cox model. Mayo
Clinic technical report 85, 2017. Therneau T. survival package, ``concordancefit``, version 3.5.
"""

from __future__ import annotations

import numpy as np

from oncorwe.stats._compiled import compiled


@compiled
def _add(tree, exact, rank, weight):
    """Add ``weight`` at ``rank`` (0-based) of the Fenwick ``tree`` and of ``exact``."""
    exact[rank] += weight
    i = rank + 1
    while i < tree.size:
        tree[i] += weight
        i += i & -i


@compiled
def _clear(tree, exact, rank):
    """Set to zero every node that an addition at ``rank`` touched (exact, no rounding)."""
    exact[rank] = 0.0
    i = rank + 1
    while i < tree.size:
        tree[i] = 0.0
        i += i & -i


@compiled
def _below(tree, rank):
    """Sum of the weights at ranks ``< rank``."""
    total = 0.0
    i = rank
    while i > 0:
        total += tree[i]
        i -= i & -i
    return total


@compiled
def _later(key, rank, weight, event, entry_key, entry_rank, entry_weight, span, levels):
    """Each event's pairs with the rows at risk after it, by their predictor: (lower, higher,
    equal); and the weighted number of pairs of events at one time. Rows in key order.

    Sweeps the keys downwards. At one key: rows whose entry key is there or above leave the risk
    set (they entered at or after the event), then the events there are counted, then the rows
    stopping there join.
    """
    n = rank.size
    counts = np.zeros((n, 3))
    tree, exact = np.zeros(levels + 1), np.zeros(levels)
    total, tied_events = 0.0, 0.0
    stratum, stratum_top = -1, n - 1
    s, e = n - 1, entry_key.size - 1
    while s >= 0:
        if key[s] // span != stratum:  # a new stratum: empty the tree
            for m in range(s + 1, stratum_top + 1):
                _clear(tree, exact, rank[m])
            stratum, stratum_top, total = key[s] // span, s, 0.0
        while e >= 0 and entry_key[e] >= key[s]:
            if entry_key[e] // span == stratum:  # joined at its later stop key: leaves now
                _add(tree, exact, entry_rank[e], -entry_weight[e])
                total -= entry_weight[e]
            e -= 1
        first = s
        while first > 0 and key[first - 1] == key[s]:
            first -= 1
        group, squares = 0.0, 0.0
        for i in range(first, s + 1):
            if event[i] == 1:
                below, equal = _below(tree, rank[i]), exact[rank[i]]
                counts[i, 0], counts[i, 1], counts[i, 2] = below, total - below - equal, equal
                group += weight[i]
                squares += weight[i] * weight[i]
        tied_events += (group * group - squares) / 2
        for i in range(first, s + 1):
            _add(tree, exact, rank[i], weight[i])
            total += weight[i]
        s = first - 1
    return counts, tied_events


@compiled
def _earlier(counts, key, rank, weight, event, entry_key, entry_rank, entry_row, span, levels):
    """Add to ``counts`` each row's pairs with the earlier events it was at risk for, by the
    event's predictor: (higher, lower, equal), so that concordant pairs stay in column 0.
    ``entry_row`` is the position of each entry's row in key order.

    Sweeps the keys upwards. At one key: rows stopping there are counted against the events
    before, then the events there join, then rows entering there take off the events up to and
    including it (they were not yet at risk).
    """
    n = rank.size
    tree, exact = np.zeros(levels + 1), np.zeros(levels)
    total = 0.0
    stratum, stratum_first = -1, 0
    s, e = 0, 0
    while s < n or e < entry_key.size:
        now = key[s] if s < n else entry_key[e]
        if e < entry_key.size and entry_key[e] < now:
            now = entry_key[e]
        if now // span != stratum:  # a new stratum: empty the tree
            for m in range(stratum_first, s):
                _clear(tree, exact, rank[m])
            stratum, stratum_first, total = now // span, s, 0.0
        last = s
        while last < n and key[last] == now:
            _count(counts, last, tree, exact, rank[last], total, 1.0)
            last += 1
        for i in range(s, last):
            if event[i] == 1:
                _add(tree, exact, rank[i], weight[i])
                total += weight[i]
        s = last
        while e < entry_key.size and entry_key[e] == now:
            _count(counts, entry_row[e], tree, exact, entry_rank[e], total, -1.0)
            e += 1


@compiled
def _count(counts, row, tree, exact, rank, total, sign):
    """Add ``sign`` times the weights in the tree above / below / at ``rank`` to ``counts[row]``."""
    below, equal = _below(tree, rank), exact[rank]
    counts[row, 0] += sign * (total - below - equal)
    counts[row, 1] += sign * below
    counts[row, 2] += sign * equal


def pair_counts(key, entry_key, entry_row, rank, weight, span):
    """Per row: weighted concordant, discordant and tied-predictor pairs it takes part in.

    Parameters
    ----------
    key : sorted int64 stop keys (events ``2 r``, censored rows ``2 r + 1``, plus
        ``stratum * span``), one per row; the other row arrays are in the same order.
    entry_key : sorted int64 entry keys (``2 r`` of the entry time, plus ``stratum * span``);
        empty without delayed entry.
    entry_row : for each entry key, the position of its row in ``key``.
    rank : int64 predictor ranks 0..levels-1.
    weight : float case weights.
    span : the key offset between strata.

    Returns
    -------
    (counts, tied_events) : float array (n, 3) of concordant, discordant and tied-predictor
    weights of the rows in key order (every pair counted once from each member), and the
    weighted number of pairs of events at one time and stratum (not comparable).
    """
    levels = int(rank.max()) + 1
    event = 1 - (key & 1)
    entry_rank, entry_weight = rank[entry_row], weight[entry_row]
    counts, tied_events = _later(key, rank, weight, event, entry_key, entry_rank, entry_weight,
                                 span, levels)  # fmt: skip
    _earlier(counts, key, rank, weight, event, entry_key, entry_rank, entry_row, span, levels)
    return counts, tied_events
