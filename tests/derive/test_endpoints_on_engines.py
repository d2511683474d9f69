"""The endpoint family and the lesion-level response as table expressions: every endpoint's
time-to-event rows (with and without censoring at a new therapy), the new-therapy dates, the
field-response counts, the waterfall's best change and the duration of response compile for
DuckDB, PostgreSQL and Spark, and give DuckDB's values on a real PostgreSQL server (the seed
twin; floats to 1e-9)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from engine_twin import DIALECTS, assert_same_rows, load_frame, seed_twin_engine
from oncorwe.analysis.lesion_response import (
    SCOPE_ORDER,
    best_target_change,
    field_response_counts,
    response_duration,
)
from oncorwe.cohort import COHORT_SCHEMA
from oncorwe.derive.endpoints import ENDPOINTS, endpoint_time_to_event
from oncorwe.derive.new_therapy import derive_new_therapy
from oncorwe.engine import connect
from oncorwe.engine.connect import to_sql
from oncorwe.engine.tables import contract_schema, contract_tables
from oncorwe.io.schema import TABLES
from oncorwe.protocol import load_protocol
from postgres_server import postgres_url

PROTOCOL = load_protocol("hcc-rt-ici")
# PFS censored at a new anticancer therapy, with a short grace so that the twin has some
NACT = dataclasses.replace(
    PROTOCOL,
    survival=dataclasses.replace(
        PROTOCOL.survival, censor_pfs_at_new_therapy=True, new_therapy_grace_days=7
    ),
)
T = contract_tables({"cohort": COHORT_SCHEMA})
CRITERIA = PROTOCOL.response.criteria
BUILDERS = {
    **{f"tte_{e.key}": (lambda e=e: endpoint_time_to_event(T, e, PROTOCOL)) for e in ENDPOINTS},
    "tte_pfs_nact": lambda: endpoint_time_to_event(T, ENDPOINTS[1], NACT),
    "new_therapy": lambda: derive_new_therapy(T, NACT),
    **{f"field_{s}": (lambda s=s: field_response_counts(T, CRITERIA, s, 42)) for s in SCOPE_ORDER},
    "waterfall": lambda: best_target_change(T, CRITERIA),
    "duration_of_response": lambda: response_duration(T, PROTOCOL, CRITERIA),
}
FLOATS = {"aval_months", "best_pct_change"}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_compiles(name, dialect):
    sql = to_sql(BUILDERS[name](), dialect)
    assert sql.lstrip().upper().startswith(("SELECT", "WITH"))


def test_the_twin_has_what_the_builders_count(tmp_path):
    _, _, duck = seed_twin_engine(tmp_path, PROTOCOL)
    with duck:
        assert len(duck.query(BUILDERS["new_therapy"]())) > 0
        pfs = duck.query(BUILDERS["tte_pfs"]()).set_index("patient_id")
        censored = duck.query(BUILDERS["tte_pfs_nact"]()).set_index("patient_id")
        assert (censored["aval"] <= pfs["aval"]).all()
        assert (censored["aval"] < pfs["aval"]).any()  # some PFS ends at the new therapy
        assert duck.query(BUILDERS["field_abscopal"]())["n"].sum() > 0


def test_every_builder_gives_duckdbs_values_on_postgres(tmp_path):
    accepted, cohort, duck = seed_twin_engine(tmp_path, PROTOCOL)
    with duck, postgres_url() as url, connect("postgres", url) as pg:
        for name in TABLES:  # every contract table, empty where the twin has none
            schema = contract_schema(TABLES[name])
            empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in schema})
            load_frame(pg, name, accepted.get(name, empty), schema)
        load_frame(pg, "cohort", cohort, COHORT_SCHEMA)
        for name in BUILDERS:
            expression = BUILDERS[name]()
            assert_same_rows(duck.query(expression), pg.query(expression), name, FLOATS)
