"""One way to compile the few loops of ``oncorwe.stats`` that numpy cannot vectorise well.

Kernels are compiled by numba on first use and cached on disk (next to the module, or in the
user's cache directory when the package folder is read-only); where no cache folder is writable
they are compiled in memory for each process instead. ``error_model="numpy"`` makes a division
by zero give Inf / NaN as numpy does (not an exception), and no fast-math flag is set, so the
kernels follow IEEE 754 operation by operation.

References
----------
Lam SK, Pitrou A, Seibert S. Numba: a LLVM-based Python JIT compiler. Proceedings of the Second
Workshop on the LLVM Compiler Infrastructure in HPC, 2015.
"""

from __future__ import annotations

from collections.abc import Callable

import numba


def compiled(function: Callable) -> Callable:
    """``function`` compiled by numba in nopython mode, with an on-disk cache when possible."""
    try:
        return numba.njit(cache=True, error_model="numpy")(function)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return numba.njit(error_model="numpy")(function)
