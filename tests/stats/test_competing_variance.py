"""The one-pass Aalen-Johansen variances against the same formulas as numpy array expressions.

The expressions below are the numpy form the compiled pass replaced (same operations, same
order): the two must agree to the last bit, which also shows that the compiler did not fuse
multiplications and additions on this platform.
"""

from __future__ import annotations

import numpy as np
import pytest

from oncorwe.stats._competing_variance import cmprsk_variance, ij_std_err
from oncorwe.stats._counting import count_causes_by_time


def ij_by_arrays(counts: dict, n_risk, surv_left, estimate, inv_nd) -> np.ndarray:
    """Sum over subjects of the squared influence of each on the estimate (R's IJ variance).

    The influence of subject i on F(t) is ``F(t) a_i(t) + b_i(t)``, where ``a_i`` and ``b_i``
    depend on t only through ``min(t, t_i)``; subjects still at risk after t share one value,
    those who left at u share one value per (u, type), so the sum of squares is a cumulative
    sum over distinct times (no loop over subjects).
    """
    # The products go into three reused buffers (``out=``): with one entry per distinct time
    # (1e6 at N = 1e6), fresh temporaries cost more than the arithmetic. Each line computes the
    # formula in its comment with the same operations in the same order: the same bits.
    d_all, d_cause, censored, after = (counts[k] for k in ("d_all", "d_cause", "n_censor", "after"))
    x, y, z = np.empty_like(estimate), np.empty_like(estimate), np.empty_like(estimate)
    # c1 = cumsum(d_all / n_risk * inv_nd)
    np.divide(d_all, n_risk, out=x)
    c1 = np.cumsum(np.multiply(x, inv_nd, out=x))
    # c2 = cumsum(estimate * d_all / n_risk * inv_nd + surv_left * d_cause / n_risk**2)
    np.multiply(estimate, d_all, out=x)
    np.divide(x, n_risk, out=x)
    np.multiply(x, inv_nd, out=x)
    np.multiply(surv_left, d_cause, out=y)
    np.divide(y, np.square(n_risk, out=z), out=y)
    c2 = np.cumsum(np.add(x, y, out=x))
    # (a, b) of those who left at u, by type: censored (c1, -c2); an event of the cause
    # (a_event, b_other + S(u-)/n); a competing event (a_event, b_other). Both event types share
    # a_event, so their terms are summed before the cumulative sums.
    a_event = c1 - inv_nd
    b_other = np.subtract(estimate * inv_nd, c2)
    cause_step = surv_left / n_risk
    # aa = cumsum(censored * c1 * c1 + d_all * a_event * a_event)
    np.multiply(np.multiply(censored, c1, out=x), c1, out=x)
    np.multiply(np.multiply(d_all, a_event, out=y), a_event, out=y)
    aa = np.cumsum(np.add(x, y, out=x))
    # ab = cumsum(a_event * (d_all * b_other + d_cause * cause_step) - censored * c1 * c2)
    np.multiply(d_all, b_other, out=x)
    np.add(x, np.multiply(d_cause, cause_step, out=y), out=x)
    np.multiply(a_event, x, out=x)
    np.multiply(np.multiply(censored, c1, out=y), c2, out=y)
    ab = np.cumsum(np.subtract(x, y, out=x))
    # b_cause = b_other + cause_step
    b_cause = np.add(b_other, cause_step, out=cause_step)
    # bb = cumsum(censored * c2 * c2 + (d_all - d_cause) * b_other**2 + d_cause * b_cause**2)
    np.multiply(np.multiply(censored, c2, out=x), c2, out=x)
    np.multiply(np.subtract(d_all, d_cause, out=y), np.square(b_other, out=z), out=y)
    np.add(x, y, out=x)
    np.multiply(d_cause, np.square(b_cause, out=y), out=y)
    bb = np.cumsum(np.add(x, y, out=x))
    # variance = estimate**2 * (aa + after * c1**2) + 2 * estimate * (ab - after * c1 * c2)
    #            + (bb + after * c2**2)
    np.add(aa, np.multiply(after, np.square(c1, out=x), out=x), out=x)
    np.multiply(np.square(estimate, out=y), x, out=x)
    np.multiply(np.multiply(after, c1, out=y), c2, out=y)
    np.multiply(np.multiply(2, estimate, out=z), np.subtract(ab, y, out=y), out=y)
    np.add(x, y, out=x)
    np.add(bb, np.multiply(after, np.square(c2, out=y), out=y), out=y)
    variance = np.add(x, y, out=x)
    return np.sqrt(np.maximum(variance, 0.0, out=variance), out=variance)


def cmprsk_by_arrays(counts: dict, n_risk, surv_left, surv, estimate) -> np.ndarray:
    """The variance of ``cmprsk::cuminc`` (Fortran ``cinc``), a step function that changes
    only at events of the cause of interest (0 before the first)."""
    d_cause = counts["d_cause"]
    d_other = counts["d_all"] - d_cause
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_surv = np.where(surv > 0, 1.0 / surv, 0.0)
        left_squared, risk_squared = np.square(surv_left), np.square(n_risk)
        tied = counts["d_all"].max(initial=0) > 1

        def term(d):  # cinc's t6, surv_left**2 * t5 * d / n_risk**2, with the tie correction t5
            if not tied:  # t5 = 1 everywhere, and x * 1.0 is x: the same value, fewer passes
                return np.divide(left_squared * d, risk_squared)
            t5 = np.where(d > 1, 1 - (d - 1) / (n_risk - 1), 1.0)
            return left_squared * t5 * d / risk_squared

        # term(d) is finite and 0 where d = 0, so only S(t) = 0 needs its own zero
        t6_other = np.where(surv > 0, term(d_other), 0.0)
        t6_cause = term(d_cause)
    t4_other, t4_cause = estimate * inv_surv, 1 + inv_surv * estimate
    x, y = np.empty_like(estimate), np.empty_like(estimate)
    # v1 = cumsum(t4_other**2 * t6_other + t4_cause**2 * t6_cause), as v2 and v3 in buffers
    np.multiply(np.square(t4_other, out=x), t6_other, out=x)
    np.add(x, np.multiply(np.square(t4_cause, out=y), t6_cause, out=y), out=x)
    v1 = np.cumsum(x)
    # v2 = cumsum(inv_surv * t4_other * t6_other + inv_surv * t4_cause * t6_cause)
    np.multiply(np.multiply(inv_surv, t4_other, out=x), t6_other, out=x)
    np.multiply(np.multiply(inv_surv, t4_cause, out=y), t6_cause, out=y)
    v2 = np.cumsum(np.add(x, y, out=x))
    # v3 = cumsum(inv_surv**2 * (t6_other + t6_cause))
    np.multiply(np.square(inv_surv, out=x), np.add(t6_other, t6_cause, out=y), out=x)
    v3 = np.cumsum(x)
    # variance = v1 + estimate**2 * v3 - 2 * estimate * v2
    np.add(v1, np.multiply(np.square(estimate, out=x), v3, out=x), out=x)
    variance = np.subtract(x, np.multiply(np.multiply(2, estimate, out=y), v2, out=y), out=x)
    # recorded at events of the cause only: carry the last recorded value forward
    recorded = np.where(d_cause > 0, np.arange(d_cause.size), -1)
    last = np.maximum.accumulate(recorded)
    return np.where(last >= 0, variance[np.maximum(last, 0)], 0.0)


def curve_inputs(time, status):
    times, leaving, d_all, d_cause = count_causes_by_time(time, status, 1.0)
    n_risk = np.cumsum(leaving[::-1])[::-1]
    counts = {"d_all": d_all, "d_cause": d_cause, "n_censor": leaving - d_all}
    counts["after"] = n_risk - leaving
    surv = np.cumprod(1 - d_all / n_risk)
    surv_left = np.concatenate(([1.0], surv[:-1]))
    estimate = np.cumsum(surv_left * d_cause / n_risk)
    remaining = n_risk - d_all
    inv_nd = np.divide(1.0, remaining, out=np.zeros(times.size), where=remaining > 0)
    return counts, n_risk, surv, surv_left, estimate, inv_nd


def same_bits(a, b):
    return np.array_equal(np.asarray(a).view(np.uint64), np.asarray(b).view(np.uint64))


CASES = {
    "continuous": lambda rng, n: (rng.exponential(1, n), rng.choice([0.0, 1, 2], n)),
    "ties": lambda rng, n: (rng.integers(1, 30, n).astype(float), rng.choice([0.0, 1, 2], n)),
    # everyone left at the last time has an event: S(t) reaches 0
    "ends_at_zero": lambda rng, n: (
        np.r_[rng.integers(1, 9, n - 2), 10, 10].astype(float),
        np.r_[rng.choice([0.0, 1, 2], n - 2), 1, 2],
    ),  # fmt: skip
    "no_competing": lambda rng, n: (rng.exponential(1, n), rng.choice([0.0, 1], n)),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", range(3))
def test_same_bits_as_array_expressions(case, seed):
    rng = np.random.default_rng(seed)
    time, status = CASES[case](rng, int(rng.integers(5, 400)))
    status[0] = 1.0  # at least one event of the cause
    counts, n_risk, surv, surv_left, estimate, inv_nd = curve_inputs(time, status)
    d_all, d_cause = counts["d_all"], counts["d_cause"]
    std_err = ij_std_err(d_all, d_cause, counts["n_censor"], counts["after"], n_risk, surv_left,
                         estimate, inv_nd)  # fmt: skip
    assert same_bits(std_err, ij_by_arrays(counts, n_risk, surv_left, estimate, inv_nd))
    variance = cmprsk_variance(d_all, d_cause, n_risk, surv_left, surv, estimate)
    assert same_bits(variance, cmprsk_by_arrays(counts, n_risk, surv_left, surv, estimate))
