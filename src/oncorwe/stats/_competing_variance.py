"""The two variances of the Aalen-Johansen cumulative incidence, in one pass over the times.

Both are cumulative sums of products of the per-time counts. Written as numpy expressions they
take about 60 passes over arrays with one entry per distinct time (1e6 at N = 1e6 continuous
times), and that memory traffic, not the arithmetic, set the time (docs/benchmarks.md). Here
each time is visited once (compiled by numba), with the same operations in the same order as
those expressions, so the values are the same to the last bit: numba follows IEEE 754 without
fast-math and without fused multiply-add, and ``error_model="numpy"`` gives Inf / NaN for a
division by zero, as numpy does.

References
----------
Therneau T. survival package, ``survfitCI`` (infinitesimal jackknife variance of the state
probabilities), version 3.5. Gray RJ. cmprsk package, ``cuminc`` (Fortran ``cinc``), version
2.2.
"""

from __future__ import annotations

import math

import numpy as np

from oncorwe.stats._compiled import compiled


@compiled
def ij_std_err(d_all, d_cause, censored, after, n_risk, surv_left, estimate, inv_nd):
    """Standard error of the estimate: the root of the sum over subjects of their squared
    influence on it (R ``survfit``'s infinitesimal jackknife).

    The influence of subject i on F(t) is ``F(t) a_i(t) + b_i(t)``; ``a_i`` and ``b_i`` depend
    on t only through ``min(t, t_i)``, so subjects still at risk after t share one value and
    those who left at u one value per (u, type), and the sum of squares is a set of cumulative
    sums over the distinct times (no loop over subjects)::

        c1 = cumsum(d_all / n_risk * inv_nd)
        c2 = cumsum(estimate * d_all / n_risk * inv_nd + surv_left * d_cause / n_risk**2)
        a_event = c1 - inv_nd; b_other = estimate * inv_nd - c2
        cause_step = surv_left / n_risk; b_cause = b_other + cause_step
        aa = cumsum(censored * c1 * c1 + d_all * a_event * a_event)
        ab = cumsum(a_event * (d_all * b_other + d_cause * cause_step) - censored * c1 * c2)
        bb = cumsum(censored * c2 * c2 + (d_all - d_cause) * b_other**2 + d_cause * b_cause**2)
        variance = estimate**2 * (aa + after * c1**2) + 2 * estimate * (ab - after * c1 * c2)
                   + (bb + after * c2**2)

    (who left at u: censored (c1, -c2); an event of the cause (a_event, b_other + S(u-)/n); a
    competing event (a_event, b_other)).
    """
    std_err = np.empty(estimate.size)
    c1 = c2 = aa = ab = bb = 0.0
    for k in range(estimate.size):
        n, f, nd = n_risk[k], estimate[k], inv_nd[k]
        c1 += d_all[k] / n * nd
        c2 += f * d_all[k] / n * nd + surv_left[k] * d_cause[k] / (n * n)
        a_event = c1 - nd
        b_other = f * nd - c2
        cause_step = surv_left[k] / n
        aa += censored[k] * c1 * c1 + d_all[k] * a_event * a_event
        ab += a_event * (d_all[k] * b_other + d_cause[k] * cause_step) - censored[k] * c1 * c2
        b_cause = b_other + cause_step
        bb += (
            censored[k] * c2 * c2
            + (d_all[k] - d_cause[k]) * (b_other * b_other)
            + d_cause[k] * (b_cause * b_cause)
        )
        variance = (
            f * f * (aa + after[k] * (c1 * c1))
            + 2 * f * (ab - after[k] * c1 * c2)
            + (bb + after[k] * (c2 * c2))
        )
        if variance < 0:  # rounding; NaN stays NaN (as np.maximum)
            variance = 0.0
        std_err[k] = math.sqrt(variance)
    return std_err


@compiled
def cmprsk_variance(d_all, d_cause, n_risk, surv_left, surv, estimate):
    """The variance that ``cmprsk::cuminc`` reports (Fortran ``cinc``): a step function that
    changes only at events of the cause (0 before the first)::

        inv_surv = 1 / S(t) (0 where S(t) = 0)
        t6(d) = S(t-)**2 * t5 * d / n_risk**2, t5 = 1 - (d - 1) / (n_risk - 1) when d > 1
        t4_other = F * inv_surv; t4_cause = 1 + inv_surv * F
        v1 = cumsum(t4_other**2 t6(d_other) + t4_cause**2 t6(d_cause))
        v2 = cumsum(inv_surv t4_other t6(d_other) + inv_surv t4_cause t6(d_cause))
        v3 = cumsum(inv_surv**2 (t6(d_other) + t6(d_cause)))
        variance = v1 + F**2 v3 - 2 F v2

    ``t6(d_other)`` is 0 where S(t) = 0.
    """
    out = np.empty(estimate.size)
    v1 = v2 = v3 = 0.0
    recorded = 0.0
    for k in range(estimate.size):
        n, f = n_risk[k], estimate[k]
        d_other = d_all[k] - d_cause[k]
        inv_surv = 1.0 / surv[k] if surv[k] > 0 else 0.0
        left_squared, risk_squared = surv_left[k] * surv_left[k], n * n
        t6_other = _t6(left_squared, d_other, n, risk_squared) if surv[k] > 0 else 0.0
        t6_cause = _t6(left_squared, d_cause[k], n, risk_squared)
        t4_other, t4_cause = f * inv_surv, 1 + inv_surv * f
        v1 += t4_other * t4_other * t6_other + t4_cause * t4_cause * t6_cause
        v2 += inv_surv * t4_other * t6_other + inv_surv * t4_cause * t6_cause
        v3 += inv_surv * inv_surv * (t6_other + t6_cause)
        if d_cause[k] > 0:  # recorded at events of the cause only, carried forward
            recorded = v1 + f * f * v3 - 2 * f * v2
        out[k] = recorded
    return out


@compiled
def _t6(left_squared, d, n, risk_squared):
    """cinc's t6 = S(t-)**2 * t5 * d / n**2 with the tie correction t5 (1 without ties)."""
    if d > 1:
        return left_squared * (1 - (d - 1) / (n - 1)) * d / risk_squared
    return left_squared * d / risk_squared
