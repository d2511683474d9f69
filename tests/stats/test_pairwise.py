"""Compiled sums in numpy's order: the same bits as ``np.add.reduceat``."""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._pairwise import segment_sums


@pytest.mark.parametrize("layout", ["contiguous", "gathered columns"])
def test_segment_sums_equal_reduceat(layout):
    rng = np.random.default_rng(5)
    values = rng.random(60_000) * np.exp(rng.normal(0.0, 6.0, 60_000))  # sums lose bits
    # segments of 1, 2, 7, 8, 9, 128, 129, 1000 and 50,000 values: every branch of the order
    starts = np.cumsum([0, 1, 2, 7, 8, 9, 128, 129, 1000, 50_000])
    if layout == "gathered columns":  # as a row of a column gather (not contiguous)
        table = np.vstack((values, values * 2))[:, np.arange(values.size)]
        expected = np.add.reduceat(table, starts, axis=1)[0]
    else:
        expected = np.add.reduceat(values, starts)
    got = segment_sums(values, starts)
    assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))
