"""Counting subjects per distinct time, the inner step of every nonparametric survival statistic.

Kaplan-Meier, log-rank and Aalen-Johansen all need, per distinct follow-up time, how many
subjects leave the risk set and how many of them had an event. This module computes those counts
with as little work as the data allow:

* whole-number times in a small range (times in days): one ``np.bincount`` over the times
  themselves, no sort at all;
* other times without weights: one ``np.sort`` of a 64-bit key that carries the time and the
  event flag together (a value sort is several times faster than ``np.argsort`` plus a gather);
* weighted times: ``np.unique(return_inverse=True)`` and ``np.bincount``, summing the weights in
  input order as before.

References
----------
Therneau T. survival package, ``survfit.formula`` (counts per distinct time), version 3.5.
IEEE 754-2008, section 3.4: for non-negative binary64 values the bit patterns, read as unsigned
integers, order exactly as the numbers do.
"""

from __future__ import annotations

import numpy as np

# largest whole-number time counted directly, as a multiple of n (keeps bincount memory O(n))
WHOLE_TIME_RANGE = 4
WHOLE_TIME_MINIMUM = 1 << 16
# values tried first: a cheap rejection of continuous times before a full pass
WHOLE_TIME_PROBE = 256


def whole_times(time: np.ndarray) -> np.ndarray | None:
    """``time`` as int64 when every value is a whole number small enough to count directly.

    ``time`` must be checked (finite, >= 0). Returns None for other times.
    """
    probe = time[:WHOLE_TIME_PROBE]
    if not np.array_equal(probe, np.floor(probe)):
        return None
    if time.max() > max(WHOLE_TIME_RANGE * time.size, WHOLE_TIME_MINIMUM):
        return None
    as_int = time.astype(np.int64)
    return as_int if np.array_equal(as_int, time) else None


def sorted_with_flag(time: np.ndarray, flag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Time bits sorted ascending and the 0/1 ``flag`` carried along, from one value sort.

    ``time`` must be checked (finite, >= 0). Returns ``(bits, flag)``: ``bits`` are the uint64
    patterns of the sorted times (equal times have equal bits once -0.0 is made +0.0; view as
    float64 to read them), ``flag`` a uint64 array of 0/1.
    """
    # + 0.0 turns -0.0 into +0.0; the sign bit is then 0, so shifting left by one loses nothing
    key = (time + 0.0).view(np.uint64) << np.uint64(1)
    key |= (flag != 0).view(np.uint8).astype(np.uint64)
    key.sort()
    return key >> np.uint64(1), key & np.uint64(1)


def distinct_starts(bits: np.ndarray) -> np.ndarray:
    """Positions in sorted ``bits`` where a new distinct value starts."""
    new = np.empty(bits.size, dtype=bool)
    new[0] = True
    np.not_equal(bits[1:], bits[:-1], out=new[1:])
    return np.flatnonzero(new)


def count_by_time(
    time: np.ndarray, event: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct times with the (weighted) numbers of events and of subjects leaving at each.

    Parameters
    ----------
    time : checked follow-up times (finite, >= 0).
    event : 0/1 event indicators (float).
    weights : optional positive case weights.

    Returns
    -------
    (times, n_event, leaving) : float arrays, ``times`` sorted ascending.
    """
    whole = whole_times(time)
    if whole is not None:
        event_weight = event if weights is None else weights * event
        leaving = np.bincount(whole, weights=weights).astype(float)
        n_event = np.bincount(whole, weights=event_weight, minlength=leaving.size)
        present = np.flatnonzero(leaving)
        return present.astype(float), n_event[present], leaving[present]
    if weights is None:
        bits, flag = sorted_with_flag(time, event)
        start = distinct_starts(bits)
        if start.size == bits.size:  # no tied times (continuous): one subject per time
            return bits.view(np.float64), flag.astype(float), np.ones(bits.size)
        leaving = np.diff(np.append(start, bits.size)).astype(float)
        n_event = np.add.reduceat(flag, start).astype(float)
        return bits[start].view(np.float64), n_event, leaving
    times, position = np.unique(time, return_inverse=True)
    n_event = np.bincount(position, weights=weights * event, minlength=times.size)
    leaving = np.bincount(position, weights=weights, minlength=times.size)
    return times, n_event, leaving


def count_causes_by_time(
    time: np.ndarray, status: np.ndarray, cause: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct times with the numbers leaving, with an event of any type, and with ``cause``.

    Parameters
    ----------
    time : checked follow-up times (finite, >= 0).
    status : event codes, 0 = censored.
    cause : the event code of interest.

    Returns
    -------
    (times, leaving, d_all, d_cause) : float arrays, ``times`` sorted ascending.
    """
    any_event = status != 0
    is_cause = status == cause
    whole = whole_times(time)
    if whole is not None:
        leaving = np.bincount(whole).astype(float)
        d_all = np.bincount(whole, weights=any_event, minlength=leaving.size)
        d_cause = np.bincount(whole, weights=is_cause, minlength=leaving.size)
        present = np.flatnonzero(leaving)
        return present.astype(float), leaving[present], d_all[present], d_cause[present]
    bits, flag = sorted_with_flag(time, any_event)
    start = distinct_starts(bits)
    if start.size == bits.size:  # no tied times (continuous): one subject per time
        leaving, d_all, times = np.ones(bits.size), flag.astype(float), bits
    else:
        leaving = np.diff(np.append(start, bits.size)).astype(float)
        d_all = np.add.reduceat(flag, start).astype(float)
        times = bits[start]
    if np.array_equal(any_event, is_cause):  # no competing events: every event is of cause
        return times.view(np.float64), leaving, d_all, d_all.copy()
    # events of cause: a value sort of that subset, matched to the distinct times
    cause_bits = np.sort((time[is_cause] + 0.0).view(np.uint64))
    d_cause = np.zeros(times.size)
    if cause_bits.size:
        cause_start = distinct_starts(cause_bits)
        counts = np.diff(np.append(cause_start, cause_bits.size))
        d_cause[np.searchsorted(times, cause_bits[cause_start])] = counts
    return times.view(np.float64), leaving, d_all, d_cause
