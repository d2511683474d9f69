"""Live cross-check: re-run the R reference script and compare with the committed fixtures.

Proves the committed fixtures are what R's survival computes today (they can never drift), and
that oncorwe matches the freshly computed values too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from stats_fixtures import FIXTURES, assert_close, fit_case, read_fixture

from conftest import require_tool

SCRIPT = Path(__file__).resolve().parents[1] / "reference" / "make_reference.R"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    rscript = require_tool("Rscript")
    out = tmp_path_factory.mktemp("reference")
    subprocess.run([rscript, str(SCRIPT), str(out)], check=True, capture_output=True, timeout=600)
    return out


def test_fixtures_reproduce(fresh):
    committed = sorted(p.name for p in FIXTURES.glob("*.csv"))
    regenerated = sorted(p.name for p in fresh.glob("*.csv"))
    assert committed == regenerated
    for name in committed:
        old, new = read_fixture(name), read_fixture(name, fresh)
        assert list(old.columns) == list(new.columns), name
        assert old.shape == new.shape, name
        for column in old.columns:
            if old[column].dtype.kind in "fiu":
                assert_close(new[column], old[column], f"{name}:{column}", rtol=1e-9)
            else:
                assert old[column].astype(str).tolist() == new[column].astype(str).tolist()


def test_oncorwe_matches_fresh_r_tables(fresh):
    tables = read_fixture("km_tables.csv", fresh)
    for (case, conf_type), expected in tables.groupby(["case", "conf_type"]):
        fit = fit_case(case, conf_type, folder=fresh)
        for column in ["surv", "std_err", "lower", "upper"]:
            assert_close(fit.table[column], expected[column], f"{case} {conf_type} {column}")
