"""The one input gate of ``oncorwe.stats``: every statistic checks its arrays here.

Each check raises :class:`oncorwe.errors.StatsInputError` with a message that names the argument,
the first offending row (0-based position in the array handed in), its value and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from oncorwe.errors import StatsInputError

CONF_TYPES = ("log-log", "log", "plain")


@dataclass(frozen=True, eq=False)
class SurvivalData:
    """Checked right-censored (optionally left-truncated, weighted) survival data.

    Attributes
    ----------
    time : float array, >= 0.
    event : float array of 0.0 / 1.0.
    entry : float array of entry (left-truncation) times, ``entry < time``; or None.
    weights : float array of positive case weights; or None.
    """

    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray | None = None
    weights: np.ndarray | None = None


def _first_bad(name: str, values: np.ndarray, bad: np.ndarray, rule: str) -> None:
    """Raise naming the count and the first offending row when any ``bad`` is True."""
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise StatsInputError(
            f"{name}: {int(bad.sum())} value(s) break the rule '{rule}' "
            f"(first at row {row}: {_plain(values[row])})"
        )


def _plain(value: Any) -> str:
    """A value as a reader writes it: ``-1.0``, ``nan``, ``'x'`` (not ``np.float64(-1.0)``)."""
    return repr(value.item()) if isinstance(value, np.generic) else repr(value)


def as_float_array(name: str, values: Any) -> np.ndarray:
    """Return ``values`` as a 1-d float array; reject non-numeric, empty, NaN and infinite."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise StatsInputError(f"{name}: values must be numeric ({error})") from None
    if array.ndim != 1:
        raise StatsInputError(f"{name}: expected a 1-d array, got shape {array.shape}")
    if array.size == 0:
        raise StatsInputError(f"{name}: empty input; at least one observation is needed")
    if not np.isfinite(array).all():  # one pass when the input is clean (the usual case)
        _first_bad(name, array, np.isnan(array), "no missing values (NaN)")
        _first_bad(name, array, np.isinf(array), "finite values")
    return array


def check_same_length(**arrays: np.ndarray) -> None:
    """Raise when the named arrays do not all have the same length."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}={length}" for name, length in lengths.items())
        raise StatsInputError(f"length mismatch: {detail}; all arrays must have one row each")


def check_event(name: str, values: Any) -> np.ndarray:
    """Return event indicators as a float array of 0/1 (bool accepted)."""
    if isinstance(values, np.ndarray | pd.Series) and values.dtype == bool and values.ndim == 1:
        return np.asarray(values, dtype=float)  # booleans are 0/1 already
    event = as_float_array(name, values)
    # one pass when clean: event * (event - 1) is 0 exactly for 0 and 1 (and never 0 otherwise)
    with np.errstate(over="ignore"):
        not_binary = (event * (event - 1)).any()
    if not_binary:
        _first_bad(name, event, (event != 0) & (event != 1), "event indicator is 0 or 1")
    return event


def check_survival_data(
    time: Any, event: Any, entry: Any = None, weights: Any = None
) -> SurvivalData:
    """Check time/event (and optional entry times and case weights) for a survival statistic.

    Rules: same length, non-empty, no NaN or infinity, ``time >= 0``, ``event`` in {0, 1},
    ``0 <= entry < time`` (R's ``Surv(start, stop)`` needs start < stop), ``weights > 0``.
    """
    time_array = as_float_array("time", time)
    event_array = check_event("event", event)
    check_same_length(time=time_array, event=event_array)
    _first_bad("time", time_array, time_array < 0, "time >= 0")
    entry_array = None
    if entry is not None:
        entry_array = as_float_array("entry", entry)
        check_same_length(time=time_array, entry=entry_array)
        _first_bad("entry", entry_array, entry_array < 0, "entry >= 0")
        _first_bad("entry", entry_array, entry_array >= time_array, "entry < time")
    weight_array = None
    if weights is not None:
        weight_array = as_float_array("weights", weights)
        check_same_length(time=time_array, weights=weight_array)
        _first_bad("weights", weight_array, weight_array <= 0, "weights > 0")
    return SurvivalData(time_array, event_array, entry_array, weight_array)


def check_conf(conf_type: str, conf_level: float) -> None:
    """Check a confidence-interval type (``log-log``, ``log``, ``plain``) and level in (0, 1)."""
    if conf_type not in CONF_TYPES:
        raise StatsInputError(f"conf_type: {conf_type!r} is not one of {', '.join(CONF_TYPES)}")
    if not (isinstance(conf_level, int | float) and 0 < float(conf_level) < 1):
        raise StatsInputError(f"conf_level: {conf_level!r} must be a number strictly in (0, 1)")


def check_probability(name: str, value: Any) -> float:
    """Return ``value`` as a float in [0, 1]."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise StatsInputError(f"{name}: {value!r} is not a number") from None
    if not 0 <= number <= 1:
        raise StatsInputError(f"{name}: {value!r} must lie in [0, 1]")
    return number


def check_labels(name: str, values: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 and sorted levels of a grouping variable of length ``n`` (no missing)."""
    fast = _numeric_labels(values, n)
    if fast is not None:
        return fast
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if array.ndim != 1:
        raise StatsInputError(f"{name}: expected a 1-d array, got shape {array.shape}")
    if len(array) != n:
        raise StatsInputError(f"length mismatch: time={n}, {name}={len(array)}")
    missing = pd.isna(pd.Series(array)).to_numpy()
    _first_bad(name, array, missing, "no missing values")
    codes, levels = pd.factorize(pd.Series(array), sort=True)
    return codes.astype(np.int64), np.asarray(levels)


def _numeric_labels(values: Any, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``check_labels`` for a clean 1-d numeric array or Series, without object arrays.

    Returns None when ``values`` need the general path (other types, wrong shape or length,
    missing values), which then raises the usual message. Levels of a Series are returned as
    Python objects, as the general path gives them.
    """
    is_series = isinstance(values, pd.Series)
    if not (isinstance(values, np.ndarray) or is_series):
        return None
    if not isinstance(values.dtype, np.dtype) or values.dtype.kind not in "biuf":
        return None
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != n:
        return None
    if array.dtype.kind == "f" and np.isnan(array).any():
        return None
    codes, levels = pd.factorize(array, sort=True)
    levels = np.asarray(levels)
    return codes.astype(np.int64), levels.astype(object) if is_series else levels
