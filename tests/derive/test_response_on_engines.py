"""The response derivations as table expressions: time-point responses (RECIST 1.1, mRECIST,
iRECIST), best overall response with and without confirmation and the study's ADRS rows compile
for DuckDB, PostgreSQL and Spark, and the time-point and BOR builders give DuckDB's values on a
real PostgreSQL server (the seed twin; floats to 1e-9)."""

from __future__ import annotations

import ibis
import ibis.config
import pandas as pd
import pytest

from engine_twin import DIALECTS, assert_same_rows, load_frame, seed_twin_engine
from oncorwe.cohort import COHORT_SCHEMA
from oncorwe.derive.best_response import best_response
from oncorwe.derive.irecist_bor import recorded_as_irecist
from oncorwe.derive.lesion_checks import usable_lesions
from oncorwe.derive.recist import CRITERIA, SCOPES, time_point_responses
from oncorwe.derive.response import derive_best_response
from oncorwe.engine import connect
from oncorwe.engine.connect import to_sql
from oncorwe.engine.tables import contract_schema, contract_tables
from oncorwe.io.schema import TABLES
from oncorwe.protocol import load_protocol
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


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_response_builder_compiles(name, dialect):
    sql = to_sql(BUILDERS[name](), dialect)
    assert sql.lstrip().upper().startswith(("SELECT", "WITH"))


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """The seed twin's accepted tables, its cohort, and a DuckDB engine holding both."""
    accepted, cohort, engine = seed_twin_engine(tmp_path_factory.mktemp("twin"), PROTOCOL)
    yield accepted, cohort, engine
    engine.close()


@pytest.mark.engines
def test_time_points_and_bor_give_duckdbs_values_on_postgres(twin):
    accepted, cohort, duck = twin
    assert not accepted["lesions"].empty  # the twin has lesion records
    with postgres_url() as url, connect("postgres", url) as pg:
        for name in TABLES:  # a contract table the twin does not fill is there, empty
            frame = accepted.get(name, pd.DataFrame(columns=list(contract_schema(TABLES[name]))))
            load_frame(pg, name, frame, contract_schema(TABLES[name]))
        load_frame(pg, "cohort", cohort, COHORT_SCHEMA)
        pg.execute("ANALYZE")  # planner statistics of the freshly loaded tables
        for name in COMPARED:
            expression = BUILDERS[name]()
            duck_rows = duck.query(expression)
            assert len(duck_rows) > 0, name
            assert_same_rows(duck_rows, pg.query(expression), name, FLOATS)
