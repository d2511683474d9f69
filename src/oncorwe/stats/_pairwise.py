"""Sums in numpy's order, for compiled loops that must give numpy's values to the last bit.

``np.add.reduce`` and ``np.add.reduceat`` over float64 do not add from left to right: they add
the first value to the pairwise sum of the rest (eight running sums for blocks of up to 128
values, halves above). A compiled loop that replaces such an expression adds in the same order
here; ``tests/stats/test_pairwise.py`` checks the bits against numpy.

References
----------
Higham NJ. The accuracy of floating point summation. SIAM J Sci Comput 1993;14:783-799.
numpy ``pairwise_sum`` (``numpy/_core/src/umath/loops_utils.h.src``).
"""

from __future__ import annotations

import numpy as np

from oncorwe.stats._compiled import compiled

PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE


@compiled
def pairwise_sum(values, lo, n):
    """numpy's pairwise sum of ``values[lo:lo + n]`` (8 partial sums, halves above 128)."""
    if n < 8:
        total = 0.0
        for i in range(lo, lo + n):
            total += values[i]
        return total
    if n <= PAIRWISE_BLOCK:
        r0, r1, r2, r3 = values[lo], values[lo + 1], values[lo + 2], values[lo + 3]
        r4, r5, r6, r7 = values[lo + 4], values[lo + 5], values[lo + 6], values[lo + 7]
        i = lo + 8
        while i < lo + n - n % 8:
            r0, r1, r2 = r0 + values[i], r1 + values[i + 1], r2 + values[i + 2]
            r3, r4, r5 = r3 + values[i + 3], r4 + values[i + 4], r5 + values[i + 5]
            r6, r7 = r6 + values[i + 6], r7 + values[i + 7]
            i += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < lo + n:
            total += values[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(values, lo, half) + pairwise_sum(values, lo + half, n - half)


@compiled
def segment_sum(values, lo, hi):
    """The sum of ``values[lo:hi]`` in ``np.add.reduceat``'s order: first + pairwise(rest)."""
    if hi - lo == 1:
        return values[lo]
    return values[lo] + pairwise_sum(values, lo + 1, hi - lo - 1)


@compiled
def segment_sums(values, starts):
    """``np.add.reduceat(values, starts)`` for increasing ``starts``."""
    out = np.empty(starts.size)
    for g in range(starts.size):
        stop = starts[g + 1] if g + 1 < starts.size else values.size
        out[g] = segment_sum(values, starts[g], stop)
    return out
