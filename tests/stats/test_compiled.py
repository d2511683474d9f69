"""The numba decorator: numpy's division semantics, and compiling without a cache folder."""

from __future__ import annotations

import numba
import numpy as np

from oncorwe.stats import _compiled


def divide(a, b):
    return a / b


def test_division_by_zero_gives_inf_and_nan_as_numpy():
    kernel = _compiled.compiled(divide)
    assert kernel(1.0, 0.0) == np.inf
    assert np.isnan(kernel(0.0, 0.0))


def test_compiles_in_memory_when_no_cache_folder_is_writable(monkeypatch):
    real_njit = numba.njit

    def njit_without_cache(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'divide': no locator available")
        return real_njit(**options)

    monkeypatch.setattr(_compiled.numba, "njit", njit_without_cache)
    assert _compiled.compiled(divide)(3.0, 2.0) == 1.5
