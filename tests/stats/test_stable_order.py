"""The packed-key sort order against numpy's stable argsort."""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._stable_order import stable_order

RNG = np.random.default_rng(11)
ARRAYS = {
    "continuous": RNG.exponential(365.0, 5000),
    "days": np.ceil(RNG.exponential(365.0, 5000)),
    "integer keys": RNG.integers(0, 40, 3000),
    # values equal in their high bits, different in the bits that carry the index
    "close": 1.0 + RNG.integers(0, 4, 4000) * 2.0**-45,
    "signed zeros": np.array([0.0, -0.0, 5e-324, 0.0, -0.0, 1.0, 1e-300]),
    "one": np.array([3.0]),
    "empty": np.array([], dtype=float),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_equals_numpy_stable_argsort(name):
    values = ARRAYS[name]
    assert np.array_equal(stable_order(values), np.argsort(values, kind="stable"))


def test_ties_keep_input_order():
    assert stable_order(np.array([2.0, 1.0, 2.0, 1.0, 0.0])).tolist() == [4, 1, 3, 0, 2]
