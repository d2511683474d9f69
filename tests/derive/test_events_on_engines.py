"""The treatment, toxicity, radiobiology and liver derivations as table expressions: each compiles
for DuckDB, PostgreSQL and Spark, and each (lab grading, worst grade, BED/EQD2, sequence, failure
sites, RILD with Child-Pugh and ALBI) gives DuckDB's values on a real PostgreSQL server (the seed
twin, floats to 1e-9)."""

from __future__ import annotations

import ibis
import ibis.config
import pandas as pd
import pytest

from engine_twin import DIALECTS, assert_same_rows, load_frame, seed_twin_engine
from oncorwe.analysis.radiotherapy_outcomes import derive_liver_toxicity
from oncorwe.cohort import COHORT_SCHEMA
from oncorwe.derive.ctcae import derive_ae_soc, derive_lab_grades, soc_table
from oncorwe.derive.local_control import derive_failure_sites
from oncorwe.derive.toxicity import derive_adverse_events, derive_worst_grade
from oncorwe.derive.treatment import derive_rt_summary, derive_sequence
from oncorwe.engine import connect
from oncorwe.engine.connect import to_sql
from oncorwe.engine.tables import contract_schema, contract_tables
from oncorwe.io.schema import TABLES
from oncorwe.protocol import load_protocol
from postgres_server import postgres_url

PROTOCOL = load_protocol("hcc-rt-ici")
T = contract_tables({"cohort": COHORT_SCHEMA})
BUILDERS = {
    "rt_summary": lambda: derive_rt_summary(T, PROTOCOL),
    "sequence": lambda: derive_sequence(T, PROTOCOL),
    "failure_sites": lambda: derive_failure_sites(T),
    "adverse_events": lambda: derive_adverse_events(T, PROTOCOL),
    "worst_grade": lambda: derive_worst_grade(T, PROTOCOL, treatment_emergent_only=False),
    "lab_grades": lambda: derive_lab_grades(T),
    "liver_toxicity": lambda: derive_liver_toxicity(T),
    "ae_soc": lambda: derive_ae_soc(T),
}
# columns compared to 1e-9; the others exactly
FLOATS = {
    "rt_total_dose_gy", "rt_bed_gy", "rt_eqd2_gy", "ctcae_grade", "value", "uln",
    "peak_alp_x_uln", "peak_transaminase_x_uln", "baseline_transaminase_x_uln",
    "albi_baseline", "albi_3m", "albi_change",
}  # fmt: skip


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    """The seed twin's accepted tables, its cohort, and a DuckDB engine holding both."""
    accepted, cohort, engine = seed_twin_engine(tmp_path_factory.mktemp("twin"), PROTOCOL)
    yield accepted, cohort, engine
    engine.close()


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_compiles(name, dialect):
    sql = to_sql(BUILDERS[name](), dialect)
    assert sql.lstrip().upper().startswith(("SELECT", "WITH"))


def test_spark_log_is_base_10():
    # ALBI's log10: Spark's one-argument LOG is the natural logarithm
    table = ibis.table({"x": "float64"}, name="x")
    sql = to_sql(table.select(y=table.x.log10()), "pyspark")
    assert "LOG10(" in sql.upper() or "LOG(10" in sql.upper()


def test_soc_where_the_events_are_is_the_shipped_lookup(twin):
    _, _, duck = twin
    events = duck.query(derive_ae_soc(T))
    assert events["soc"].notna().any()
    # the shipped table read here, by hand: the term, without surrounding blanks, in lower case
    table = soc_table()
    lookup = dict(zip(table["term"].str.lower(), table["soc"], strict=True))
    expected = [lookup.get(str(term).strip().lower()) for term in events["term"]]
    assert [None if pd.isna(v) else v for v in events["soc"]] == [
        None if pd.isna(v) else v for v in expected
    ]


@pytest.mark.engines
def test_every_builder_gives_duckdbs_values_on_postgres(twin):
    accepted, cohort, duck = twin
    with postgres_url() as url, connect("postgres", url) as pg:
        for name, frame in accepted.items():
            load_frame(pg, name, frame, contract_schema(TABLES[name]))
        load_frame(pg, "cohort", cohort, COHORT_SCHEMA)
        for name in BUILDERS:
            expression = BUILDERS[name]()
            assert_same_rows(duck.query(expression), pg.query(expression), name, FLOATS)
