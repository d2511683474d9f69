"""Compile the numba kernels of ``oncorwe.stats`` into their on-disk cache, on a small example
with the argument types the package passes: ``tests/conftest.py`` runs this once, in the
background, when a parallel test session starts, so that the workers load the kernels instead of
each compiling them (seconds of CPU per worker on a fresh clone)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe import stats


def compile_kernels() -> None:
    """Call each estimator that runs a kernel, plain and with its options."""
    rng = np.random.default_rng(1)
    n = 60
    data = pd.DataFrame(
        {
            "time": rng.integers(1, 40, n).astype(float),
            "event": rng.integers(0, 2, n),
            "cause": rng.integers(0, 3, n),
            "group": np.repeat(["a", "b"], n // 2),
            "x": rng.normal(size=n),
            "stratum": np.tile([1, 2, 3], n // 3),
            "weight": rng.uniform(0.5, 2, n),
            "entry": np.zeros(n),
        }
    )
    time, event = data["time"], data["event"]
    stats.kaplan_meier(time, event)
    stats.kaplan_meier(time, event, entry=data["entry"], weights=data["weight"])
    stats.cumulative_incidence(time, data["cause"], 1)
    stats.cumulative_incidence(time, data["cause"], 1, group=data["group"])
    stats.logrank(time, event, data["group"])
    stats.logrank(time, event, data["group"], strata=data["stratum"])
    for options in ({}, {"strata": "stratum"}, {"weights": "weight"}, {"ties": "breslow"}):
        stats.concordance(stats.cox_ph(data, "time", "event", ["x"], **options))


if __name__ == "__main__":
    compile_kernels()
