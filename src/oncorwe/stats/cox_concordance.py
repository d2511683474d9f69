"""Harrell's concordance of a Cox model with its standard error, as R's ``concordance(fit)``.

A pair (i, j) is comparable when i has an event at ``t`` and j is still at risk then (``time_j >
t``, or ``time_j = t`` and j censored; with delayed entry also ``entry_j < t``; same stratum).
It is concordant when the earlier event has the larger linear predictor (R's ``reverse = TRUE``
for Cox models); ties in the predictor count one half; pairs of events at one time are not
comparable. Pairs are weighted ``w_i w_j``. The standard error is R's infinitesimal-jackknife
one: per row the (weighted) counts of concordant, discordant and tied pairs it belongs to give
the influence of its weight on Somers' d, summed within clusters when the fit had a cluster.

The pair counts are two-dimensional dominance counts (later time, smaller predictor); they are
done without a loop over rows by splitting the predictor ranks into bits: at bit ``k`` a rank
``q`` with that bit set exceeds every rank that shares its higher bits and has the bit clear, so
one cumulative sum per bit counts them all; the rows are kept grouped by their higher bits by a
stable partition per bit (one sort in all, O(n log n)).

References
----------
Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of medical tests. JAMA
1982;247:2543-2546. Therneau TM, Watson DA. The concordance statistic and the Cox model. Mayo
Clinic technical report 85, 2017. Therneau T. survival package, ``concordancefit``, version 3.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from oncorwe.errors import StatsInputError
from oncorwe.stats._serialise import jsonable


@dataclass(frozen=True)
class Concordance:
    """Concordance (C) and its standard error; pair counts as R's ``concordance`` reports them.

    Attributes: ``estimate``, ``std_err``, ``concordant``, ``discordant``, ``tied_x`` (tied
    predictor), ``tied_y`` (events at one time; not comparable), all weighted.
    """

    estimate: float
    std_err: float
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the method."""
        return jsonable({"method": "harrell concordance (R concordance)", **self.__dict__})


def count_dominated(point_key, point_rank, point_weight, query_key, query_rank) -> np.ndarray:
    """For each query: sum of ``point_weight`` over points with key > query key, rank < query rank.

    Ranks are non-negative integers; keys any sortable numbers.
    """
    n_points = point_key.size
    key = np.concatenate((point_key, query_key))
    rank = np.concatenate((point_rank, query_rank)).astype(np.int64)
    is_point = np.r_[np.ones(n_points, bool), np.zeros(query_key.size, bool)]
    # processing order: key descending; at equal keys queries first (points must be strictly later)
    order = np.lexsort((is_point, -key))
    rank, is_point = rank[order], is_point[order]
    weight = np.concatenate((np.asarray(point_weight, float), np.zeros(query_key.size)))[order]
    total = np.zeros(order.size)
    levels = max(int(rank.max()).bit_length(), 1)
    # rows sorted stably by rank >> (k + 1), from the top bit down; each level refines the last
    # by a stable partition on one bit within each group (no sort per level)
    by_prefix = np.arange(order.size)
    index = np.arange(order.size)
    for k in range(levels - 1, -1, -1):
        ranks = rank[by_prefix]
        prefix, zero = ranks >> (k + 1), ((ranks >> k) & 1) == 0
        new_group = np.empty(ranks.size, bool)
        new_group[0], new_group[1:] = True, prefix[1:] != prefix[:-1]
        group = np.cumsum(new_group) - 1
        start = np.flatnonzero(new_group)[group]
        running = np.cumsum(np.where(zero, weight[by_prefix], 0.0))
        before_group = np.r_[0.0, running][start]
        total[by_prefix] += np.where(zero, 0.0, running - before_group)
        # stable partition: within each group the zero-bit rows first
        zeros_before = np.cumsum(zero) - zero
        zeros_in_group_before = zeros_before - zeros_before[start]
        zeros_in_group = np.bincount(group, weights=zero)[group].astype(np.int64)
        position = np.where(
            zero,
            start + zeros_in_group_before,
            start + zeros_in_group + (index - start - zeros_in_group_before),
        )
        refined = np.empty_like(by_prefix)
        refined[position] = by_prefix
        by_prefix = refined
    result = np.empty(order.size)
    result[order] = total
    return result[n_points:]


def _pair_counts(key_stop, key_event, key_entry, rank, lp_levels, weights, event):
    """Per row: weighted concordant, discordant, tied-predictor pair counts it takes part in.

    ``key_stop``: stratum-offset stop key (events 2r, censored 2r + 1); ``key_event``: 2r;
    ``key_entry``: 2r of the entry time or None; ``rank``: stratum-offset predictor rank.
    """
    dead = np.flatnonzero(event == 1)
    low = rank - rank % lp_levels  # first rank of the row's stratum
    # events as the earlier member: comparators later in time with smaller / equal predictor
    q_key, q_rank = key_event[dead], rank[dead]

    def later(*query_ranks):
        # one pass for several query ranks: the sort and the bit levels are shared
        keys, ranks = np.tile(q_key, len(query_ranks)), np.concatenate(query_ranks)
        counts = count_dominated(key_stop, rank, weights, keys, ranks)
        if key_entry is not None:  # not yet entered at the event time
            counts -= count_dominated(key_entry, rank, weights, keys - 1, ranks)
        return np.split(counts, len(query_ranks))

    below, upto, stratum_all = later(q_rank, q_rank + 1, low[dead] + lp_levels)
    counts = np.zeros((event.size, 3))
    counts[dead, 0] = below
    counts[dead, 1] = stratum_all - upto
    counts[dead, 2] = upto - below
    # rows as the later member: earlier events with a larger / equal predictor
    flip = int(rank.max()) + 1
    e_key, e_rank, e_w = -key_event[dead], flip - rank[dead], weights[dead]

    def earlier(*query_ranks):
        keys, ranks = np.tile(-key_stop, len(query_ranks)), np.concatenate(query_ranks)
        counts = count_dominated(e_key, e_rank, e_w, keys, ranks)
        if key_entry is not None:  # events at or before the row's entry do not see it
            entry_keys = np.tile(-key_entry - 1, len(query_ranks))
            counts -= count_dominated(e_key, e_rank, e_w, entry_keys, ranks)
        return np.split(counts, len(query_ranks))

    above, at_or_above, stratum_all = earlier(flip - rank, flip - rank + 1, flip - low + 1)
    counts[:, 0] += above
    counts[:, 1] += stratum_all - at_or_above
    counts[:, 2] += at_or_above - above
    return counts


def concordance(model) -> Concordance:
    """Harrell's C of a fitted :func:`cox_ph` model with R's standard error.

    Equals ``concordance(fit)`` (and ``fit$concordance``) of R's ``coxph``: same strata, case
    weights, delayed entry and cluster (the standard error sums influences within clusters).

    Returns
    -------
    Concordance

    References
    ----------
    Harrell FE et al. JAMA 1982;247:2543-2546. Therneau TM, Watson DA 2017.
    """
    fit = getattr(model, "fit_data", None)
    if fit is None:
        raise StatsInputError("concordance: a model fitted by oncorwe.stats.cox_ph is needed")
    # step 1: integer keys (time ranks) and predictor ranks, offset by stratum
    times = fit.time if fit.entry is None else np.concatenate((fit.time, fit.entry))
    grid = np.unique(times)
    span = 2 * grid.size + 2
    offset = fit.stratum * span
    key_event = offset + 2 * np.searchsorted(grid, fit.time)
    key_stop = key_event + (1 - fit.event.astype(np.int64))
    key_entry = None if fit.entry is None else offset + 2 * np.searchsorted(grid, fit.entry)
    lp_rank = np.unique(fit.linear_predictor, return_inverse=True)[1].ravel()
    lp_levels = int(lp_rank.max()) + 2
    rank = fit.stratum * lp_levels + lp_rank
    # step 2: influence counts; step 3: Somers' d and its jackknife variance
    counts = _pair_counts(key_stop, key_event, key_entry, rank, lp_levels, fit.weights, fit.event)
    w, dead = fit.weights, fit.event == 1
    # every pair is counted once from its event member; the row-side counts double it
    concordant, discordant, tied = (w @ counts) / 2
    n_pairs = concordant + discordant + tied
    if n_pairs == 0:
        raise StatsInputError("concordance: there are no comparable pairs")
    somers = (concordant - discordant) / n_pairs
    influence = w * ((counts[:, 0] - counts[:, 1]) / n_pairs - somers / n_pairs * counts.sum(1))
    if fit.cluster is not None:
        influence = np.bincount(fit.cluster, weights=influence)
    tied_y = _tied_events(key_event[dead], w[dead])
    return Concordance(
        estimate=float((somers + 1) / 2),
        std_err=float(np.sqrt(influence @ influence / 4)),
        concordant=float(concordant),
        discordant=float(discordant),
        tied_x=float(tied),
        tied_y=float(tied_y),
    )


def _tied_events(key, weights) -> float:
    """Weighted number of pairs of events at the same time (and stratum)."""
    _, group = np.unique(key, return_inverse=True)
    total = np.bincount(group, weights=weights)
    square = np.bincount(group, weights=weights**2)
    return float(((total**2 - square) / 2).sum())
