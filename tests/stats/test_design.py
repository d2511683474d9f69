"""Design matrices: dummy coding, and the rank check with its cross-product shortcut."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oncorwe.errors import StatsInputError
from oncorwe.stats._design import _clearly_full_rank, build_design

RNG = np.random.default_rng(2)
N = 100_000


def test_dummy_columns_named_as_r():
    data = pd.DataFrame({"sex": ["M", "F", "F", "M"], "age": [50.0, 61, 47, 70]})
    design = build_design(data, ["sex", "age"], {"sex": "M"})
    assert design.terms == ("sexF", "age") and design.references == {"sex": "M"}
    assert design.matrix[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_exact_dependence_is_found_in_a_large_design():
    x = RNG.standard_normal(N)
    data = pd.DataFrame({"x": x, "z": RNG.standard_normal(N), "y": 3 * x - 0.5})
    with pytest.raises(StatsInputError, match="'y' is a linear combination of \\['x', 'z'\\]"):
        build_design(data, ["x", "z", "y"])


def test_near_dependence_goes_to_the_svd_and_passes():
    x = RNG.standard_normal(N)
    near = 2 * x + 1e-7 * RNG.standard_normal(N)  # singular values 1e-8 apart: full rank
    centred = np.column_stack((x, near)) - np.column_stack((x, near)).mean(axis=0)
    assert not _clearly_full_rank(centred)
    assert np.linalg.matrix_rank(centred) == 2
    build_design(pd.DataFrame({"x": x, "near": near}), ["x", "near"])


def test_well_conditioned_design_needs_no_svd():
    centred = RNG.standard_normal((N, 4))
    centred -= centred.mean(axis=0)
    assert _clearly_full_rank(centred)
