"""Kaplan-Meier survival and Greenwood standard error in one pass over the distinct times.

As numpy expressions, ``cumprod(1 - d / n)`` and ``sqrt(cumsum(d / (n (n - d))))`` take about
ten passes over arrays with one entry per distinct time (1e6 at N = 1e6 continuous times). Here
each time is visited once (compiled by numba, ``stats/_compiled.py``) with the same operations
in the same order, so the values are the same to the last bit
(``tests/stats/test_kaplan_meier_steps.py`` checks this against the expressions).

References
----------
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc
1958;53:457-481. Greenwood M. The natural duration of cancer. Reports on Public Health and
Medical Subjects 1926;33:1-26.
"""

from __future__ import annotations

import math

import numpy as np

from oncorwe.stats._compiled import compiled


@compiled
def survival_steps(n_event, n_risk):
    """``surv = cumprod(1 - d / n)`` and R's ``std.err``, ``sqrt(cumsum(d / (n (n - d))))``
    (the Greenwood standard error of the cumulative hazard; Inf once ``d = n``)."""
    surv, std_err = np.empty(n_risk.size), np.empty(n_risk.size)
    product, greenwood = 1.0, 0.0
    for k in range(n_risk.size):
        d, n = n_event[k], n_risk[k]
        step = 1.0 - d / n
        product = step if k == 0 else product * step
        if d > 0:
            greenwood += d / (n * (n - d))
        else:
            greenwood += 0.0
        surv[k], std_err[k] = product, math.sqrt(greenwood)
    return surv, std_err
