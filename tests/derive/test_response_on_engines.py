"""The response derivations as table expressions: time-point responses (RECIST 1.1, mRECIST,
iRECIST), best overall response with and without confirmation and the study's ADRS rows compile
for DuckDB, PostgreSQL and Spark, and the time-point and BOR builders give DuckDB's values on a
real PostgreSQL server (the seed twin; floats to 1e-9)."""

from __future__ import annotations

import ibis
import ibis.config
import numpy as np
import pandas as pd
import pytest
from test_events_on_engines import _load, _types

from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.derive.best_response import best_response
from oncorwe.derive.irecist_bor import recorded_as_irecist
from oncorwe.derive.lesion_checks import usable_lesions
from oncorwe.derive.recist import CRITERIA, SCOPES, time_point_responses
from oncorwe.derive.response import derive_best_response
from oncorwe.engine import connect
from oncorwe.engine.tables import contract_tables
from oncorwe.intake import take_in
from oncorwe.io.schema import TABLES
from oncorwe.io.store import StudyStore
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
from postgres_server import postgres_url

PROTOCOL = load_protocol("hcc-rt-ici")
T = contract_tables({"cohort": COHORT_SCHEMA})
KEYS = ("patient_id", "assessment_date")


def _cohort_lesions() -> dict[str, ibis.Table]:
    return {"lesions": T["lesions"].semi_join(T["cohort"], "patient_id")}


def _time_points(criteria: str, scope: str = "all"):
    return time_point_responses(_cohort_lesions(), criteria, scope).order_by(*KEYS)


def _bor_of_time_points(criteria: str, confirm: bool):
    """BOR straight from the lesion-derived time points (the field-response path)."""
    points = time_point_responses(_cohort_lesions(), criteria)
    origin = T["cohort"].select("patient_id", "index_date")
    return best_response(points, origin, criteria, confirm=confirm).order_by("patient_id")


BUILDERS = {
    "usable_lesions": lambda: usable_lesions(T["lesions"]),
    **{f"time_points_{c}_{s}": (lambda c=c, s=s: _time_points(c, s)) for c in CRITERIA
       for s in SCOPES},
    **{f"bor_{c}_{k}": (lambda c=c, k=k: _bor_of_time_points(c, k)) for c in CRITERIA
       for k in (False, True)},
    **{f"adrs_{c}_{k}": (lambda c=c, k=k: derive_best_response(T, PROTOCOL, c, k))
       for c in CRITERIA for k in (False, True)},
    "recorded_as_irecist": lambda: recorded_as_irecist(
        T["tumor_assessments"].select("patient_id", "assessment_date", "overall_response")
    ),
}  # fmt: skip
# run on PostgreSQL and compared with DuckDB
COMPARED = [n for n in BUILDERS if n.startswith(("time_points_", "bor_", "adrs_"))]
FLOATS = {"sum_mm", "baseline_sum_mm", "nadir_mm", "new_sum_mm"}


class _SparkOptions(ibis.config.Config):
    """Ibis's PySpark options (registered when its PySpark backend is imported, which needs
    pyspark installed); compiling to the Spark dialect reads them."""

    treat_nan_as_null: bool = False


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_response_builder_compiles(name, dialect, monkeypatch):
    if dialect == "pyspark" and ibis.options.pyspark is None:
        monkeypatch.setattr(ibis.options, "pyspark", _SparkOptions())
    sql = str(ibis.to_sql(BUILDERS[name](), dialect=dialect))
    assert sql.lstrip().upper().startswith(("SELECT", "WITH"))


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """The seed twin's accepted tables, its cohort, and a DuckDB engine holding both."""
    store = tmp_path_factory.mktemp("twin") / "study.duckdb"
    take_in(seed_twin_path(), store_path=store)
    with StudyStore(store, read_only=True) as s:
        accepted = {name: s.accepted(name) for name in TABLES if name in s.table_names("accepted")}
    engine, _ = cohort_engine(accepted, PROTOCOL)
    cohort = engine.query(ibis.table(COHORT_SCHEMA, name="cohort"))
    yield accepted, cohort, engine
    engine.close()


def _same(duck: pd.DataFrame, pg: pd.DataFrame, name: str) -> None:
    assert list(duck.columns) == list(pg.columns), name
    assert len(duck) == len(pg), name
    for column in duck.columns:
        a, b = duck[column], pg[column]
        if column in FLOATS:
            x, y = pd.to_numeric(a).to_numpy(float), pd.to_numeric(b).to_numpy(float)
            assert np.allclose(x, y, rtol=0, atol=1e-9, equal_nan=True), (name, column)
        elif column.endswith("_date"):
            assert pd.to_datetime(a).tolist() == pd.to_datetime(b).tolist(), (name, column)
        else:
            left = [None if pd.isna(v) else v for v in a.astype(object)]
            right = [None if pd.isna(v) else v for v in b.astype(object)]
            assert left == right, (name, column)


def test_time_points_and_bor_give_duckdbs_values_on_postgres(twin):
    accepted, cohort, duck = twin
    assert not accepted["lesions"].empty  # the twin has lesion records
    with postgres_url() as url, connect("postgres", url) as pg:
        for name in TABLES:  # a contract table the twin does not fill is there, empty
            frame = accepted.get(name, pd.DataFrame(columns=list(_types(name))))
            _load(pg, name, frame, _types(name))
        _load(pg, "cohort", cohort, COHORT_SCHEMA)
        pg.execute("ANALYZE")  # planner statistics of the freshly loaded tables
        for name in COMPARED:
            expression = BUILDERS[name]()
            duck_rows = duck.query(expression)
            assert len(duck_rows) > 0, name
            _same(duck_rows, pg.query(expression), name)
