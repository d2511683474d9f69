"""Compare two study results (``results.json`` as nested dicts): the proof that a study gives
the same numbers on every engine."""

from __future__ import annotations

import math
from typing import Any

FLOAT_TOLERANCE = 1e-9  # relative and absolute; every other value must be equal


def result_differences(a: Any, b: Any, tolerance: float = FLOAT_TOLERANCE, path: str = ""):
    """The paths at which ``a`` and ``b`` differ (an empty list: the same results); floats are
    equal within ``tolerance`` (``math.isclose``, relative and absolute)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [
            d for k in sorted(a) for d in result_differences(a[k], b[k], tolerance, f"{path}/{k}")
        ]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        pairs = zip(a, b, strict=True)
        return [
            d
            for i, (x, y) in enumerate(pairs)
            for d in result_differences(x, y, tolerance, f"{path}/{i}")
        ]
    if isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        if math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance):
            return []
        return [f"{path}: {a!r} vs {b!r}"]
    if isinstance(b, float) and isinstance(a, int) and not isinstance(a, bool):
        return result_differences(b, a, tolerance, path)
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]
