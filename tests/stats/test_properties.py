"""Property tests on random data: invariants any Kaplan-Meier estimate must satisfy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oncorwe.stats import follow_up, kaplan_meier

samples = st.lists(
    st.tuples(st.integers(min_value=0, max_value=30), st.booleans()), min_size=1, max_size=60
)


@settings(max_examples=150, deadline=None)
@given(samples, st.sampled_from(["log-log", "log", "plain"]))
def test_curve_in_unit_interval_and_non_increasing(rows, conf_type):
    time, event = zip(*rows, strict=True)
    table = kaplan_meier(time, event, conf_type=conf_type).table
    surv = table["surv"].to_numpy()
    assert np.all((surv >= 0) & (surv <= 1))
    assert np.all(np.diff(surv) <= 1e-15)
    lower, upper = table["lower"].to_numpy(), table["upper"].to_numpy()
    ok = ~np.isnan(lower)
    assert np.all(lower[ok] >= 0) and np.all(lower[ok] <= surv[ok] + 1e-12)
    ok = ~np.isnan(upper)
    assert np.all(upper[ok] <= 1) and np.all(upper[ok] >= surv[ok] - 1e-12)
    assert table["n_event"].sum() == sum(event)
    assert table["n_risk"].iloc[0] == len(time)


@settings(max_examples=100, deadline=None)
@given(samples, st.randoms(use_true_random=False))
def test_permutation_invariance(rows, random):
    time, event = zip(*rows, strict=True)
    shuffled = list(rows)
    random.shuffle(shuffled)
    time2, event2 = zip(*shuffled, strict=True)
    a, b = kaplan_meier(time, event), kaplan_meier(time2, event2)
    pd.testing.assert_frame_equal(a.table, b.table)
    np.testing.assert_equal(tuple(a.median), tuple(b.median))


@settings(max_examples=100, deadline=None)
@given(samples)
def test_integer_weights_equal_repeated_rows(rows):
    time, event = (np.array(v) for v in zip(*rows, strict=True))
    weights = np.arange(len(time)) % 3 + 1
    weighted = kaplan_meier(time, event, weights=weights).table
    repeated = kaplan_meier(np.repeat(time, weights), np.repeat(event, weights)).table
    for column in ["n_risk", "n_event", "surv", "std_err"]:
        np.testing.assert_allclose(weighted[column], repeated[column], rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(samples)
def test_follow_up_is_km_of_flipped_event(rows):
    time, event = (np.array(v) for v in zip(*rows, strict=True))
    reverse = follow_up(time, event).table
    pd.testing.assert_frame_equal(reverse, kaplan_meier(time, ~event).table)
