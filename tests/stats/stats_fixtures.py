"""Read the R reference fixtures (tests/reference/fixtures) and compare numbers to them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from oncorwe.stats import kaplan_meier

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
RTOL = 1e-6


def read_fixture(name: str, folder: Path = FIXTURES) -> pd.DataFrame:
    """A fixture CSV written by R (NA -> NaN, Inf -> inf)."""
    return pd.read_csv(folder / name, na_values=["NA"], keep_default_na=False)


def assert_close(actual, expected, label: str = "", rtol: float = RTOL) -> float:
    """Equal to a relative ``rtol`` (NaN matches NaN, inf matches inf); return max rel. error."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{label}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=1e-12, err_msg=label)
    finite = np.isfinite(expected) & (expected != 0)
    if not finite.any():
        return 0.0
    return float(np.max(np.abs(actual[finite] / expected[finite] - 1)))


def fit_case(case: str, conf_type: str, reverse: bool = False, folder: Path = FIXTURES):
    """Fit oncorwe's Kaplan-Meier on the data set that R used for ``case``."""
    data = read_fixture(f"data_{case}.csv", folder)
    event = data["event"].to_numpy()
    return kaplan_meier(
        data["time"],
        1 - event if reverse else event,
        conf_type=conf_type,
        entry=data["entry"] if "entry" in data else None,
        weights=data["weight"] if "weight" in data else None,
    )
