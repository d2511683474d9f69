"""The whole study on every engine: the seed twin's results are the same on DuckDB (the study
store itself), PostgreSQL (a real server) and Spark (a local session), every value equal and
floats to 1e-9."""

from __future__ import annotations

import importlib.util
import os

import pytest

from conftest import require_tool
from oncorwe.analysis.findings import derivation_findings
from oncorwe.analysis.study import analyse_study
from oncorwe.engine import connect
from oncorwe.engine.compare import result_differences
from oncorwe.engine.study_store import open_engine, store_engine
from oncorwe.intake import take_in
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
from postgres_server import postgres_url

PROTOCOL = load_protocol("hcc-rt-ici")
pytestmark = pytest.mark.engines  # a Spark session and a PostgreSQL server: `make check-engines`


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engines")
    path = folder / "study.duckdb"
    take_in(seed_twin_path(), store_path=path, findings_path=folder / "validation.csv")
    return path


def study(engine) -> tuple[dict, list]:
    """The study's results and its derivation findings on ``engine``."""
    outputs, _, cohort = analyse_study(engine, PROTOCOL, synthetic=True)
    findings = derivation_findings(engine).astype(str).values.tolist()
    return outputs.results.to_dict(), findings


@pytest.fixture(scope="module")
def on_duckdb(store):
    with store_engine(store) as engine:
        return study(engine)


def same_as_duckdb(on_duckdb, other) -> None:
    results, findings = other
    assert result_differences(on_duckdb[0], results) == []
    assert findings == on_duckdb[1]


def test_duckdb_runs_on_the_store_itself(on_duckdb, store):
    results, findings = on_duckdb
    assert results["cohort"]["n"] == 108
    assert results["attrition"][0]["n_remaining"] == 122
    with store_engine(store) as engine:  # the accepted tables, typed, under contract names
        kinds = engine.query("DESCRIBE radiotherapy").set_index("column_name")["column_type"]
        assert kinds["start_date"] == "DATE" and kinds["total_dose_gy"] == "DOUBLE"


def test_postgres_gives_the_same_results(on_duckdb, store):
    with postgres_url() as url:
        with open_engine(store, connect("postgres", url)) as engine:
            same_as_duckdb(on_duckdb, study(engine))
        # a second run finds the same import in the schema and uses it as it is
        with open_engine(store, connect("postgres", url)) as engine:
            assert "oncorwe" == engine.query("SELECT current_schema() AS s")["s"].iloc[0]
            assert engine.query("SELECT count(*) AS n FROM patients")["n"].iloc[0] == 122


def test_spark_local_gives_the_same_results(on_duckdb, store):
    require_tool("java")
    if importlib.util.find_spec("pyspark") is None:
        message = "pyspark is not installed; pip install 'oncorwe[spark]'"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    with open_engine(store, connect("spark", "local[2]")) as engine:
        same_as_duckdb(on_duckdb, study(engine))
