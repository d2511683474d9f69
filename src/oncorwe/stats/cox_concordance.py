"""Harrell's concordance of a Cox model with its standard error, as R's ``concordance(fit)``.

A pair (i, j) is comparable when i has an event at ``t`` and j is still at risk then (``time_j >
t``, or ``time_j = t`` and j censored; with delayed entry also ``entry_j < t``; same stratum).
It is concordant when the earlier event has the larger linear predictor (R's ``reverse = TRUE``
for Cox models); ties in the predictor count one half; pairs of events at one time are not
comparable. Pairs are weighted ``w_i w_j``. The standard error is R's infinitesimal-jackknife
one: per row the (weighted) counts of concordant, discordant and tied pairs it belongs to give
the influence of its weight on Somers' d, summed within clusters when the fit had a cluster.

The pair counts are two-dimensional dominance counts (later time, smaller predictor): two
sweeps over the rows sorted by time with a Fenwick tree over the predictor ranks
(``stats/_pair_counts.py``), O(n log n).

References
----------
Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA. Evaluating the yield of medical tests. JAMA
1982;247:2543-2546. Therneau TM, Watson DA. The concordance statistic and the Cox model. Mayo
Clinic technical report 85, 2017. Therneau T. survival package, ``concordancefit``, version 3.5.
Fenwick PM. A new data structure for cumulative frequency tables. Softw Pract Exp
1994;24:327-336.
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
    # imported here: numba's import and its cached kernels load only when a concordance is asked
    from oncorwe.stats._pair_counts import pair_counts

    # step 1: integer keys in time order (one sort) and predictor ranks
    key, order, entry_key, entry_row, span = _time_keys(fit.time, fit.event, fit.entry, fit.stratum)
    rank = np.unique(fit.linear_predictor, return_inverse=True)[1].ravel().astype(np.int64)
    # step 2: influence counts of the rows in key order; step 3: Somers' d and its jackknife
    # variance (sums over rows: their order does not matter)
    w = fit.weights[order]
    counts, tied_y = pair_counts(key, entry_key, entry_row, rank[order], w, span)
    # every pair is counted once from its event member; the row-side counts double it
    concordant, discordant, tied = (w @ counts) / 2
    n_pairs = concordant + discordant + tied
    if n_pairs == 0:
        raise StatsInputError("concordance: there are no comparable pairs")
    somers = (concordant - discordant) / n_pairs
    influence = w * ((counts[:, 0] - counts[:, 1]) / n_pairs - somers / n_pairs * counts.sum(1))
    if fit.cluster is not None:
        influence = np.bincount(fit.cluster[order], weights=influence)
    return Concordance(
        estimate=float((somers + 1) / 2),
        std_err=float(np.sqrt(influence @ influence / 4)),
        concordant=float(concordant),
        discordant=float(discordant),
        tied_x=float(tied),
        tied_y=float(tied_y),
    )


def _time_keys(time, event, entry, stratum):
    """Sorted stop keys, the row order that sorts them, and the entry keys, from one sort.

    Returns ``(key, order, entry_key, entry_row, span)``: ``key[i]`` is the stop key of row
    ``order[i]``; ``entry_key`` the sorted entry keys, ``entry_row`` the position in ``key`` of
    each one's row (both empty without entry times). Keys: ``2 r`` for events and entry times,
    ``2 r + 1`` for censored rows (``r`` the rank of the time among all stop and entry times),
    plus ``stratum * span``.
    """
    n = time.size
    # times are >= 0 (checked): their bits order as the numbers (+ 0.0 turns -0.0 into +0.0)
    bits = ((time + 0.0).view(np.uint64) << np.uint64(1)) | (event == 0).astype(np.uint64)
    if entry is not None:
        bits = np.concatenate((bits, (entry + 0.0).view(np.uint64) << np.uint64(1)))
        stratum = np.concatenate((stratum, stratum))
    order = np.argsort(bits)
    many_strata = stratum.max(initial=0) > 0
    if many_strata:  # strata one after another, times in order within each
        order = order[np.argsort(stratum[order], kind="stable")]
    ordered, ordered_stratum = bits[order], stratum[order].astype(np.int64)
    new_time = np.empty(order.size, dtype=bool)
    new_time[0] = True
    np.not_equal(ordered[1:] >> np.uint64(1), ordered[:-1] >> np.uint64(1), out=new_time[1:])
    if many_strata:
        new_time[1:] |= ordered_stratum[1:] != ordered_stratum[:-1]
    span = 2 * order.size + 2
    key = 2 * np.cumsum(new_time) + (ordered & np.uint64(1)).astype(np.int64)
    key += ordered_stratum * span
    if entry is None:
        return key, order, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), span
    is_stop = order < n
    position = np.empty(n, dtype=np.int64)  # row -> its position among the sorted stop keys
    position[order[is_stop]] = np.arange(n)
    return key[is_stop], order[is_stop], key[~is_stop], position[order[~is_stop] - n], span
