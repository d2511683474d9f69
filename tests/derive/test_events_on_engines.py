"""The treatment, toxicity, radiobiology and liver derivations as table expressions: each compiles
for DuckDB, PostgreSQL and Spark, and each (lab grading, worst grade, BED/EQD2, sequence, failure
sites, RILD with Child-Pugh and ALBI) gives DuckDB's values on a real PostgreSQL server (the seed
twin, floats to 1e-9)."""

from __future__ import annotations

import datetime

import ibis
import ibis.config
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from oncorwe.analysis.radiotherapy_outcomes import derive_liver_toxicity
from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.derive.ctcae import ctcae_soc, derive_ae_soc, derive_lab_grades
from oncorwe.derive.local_control import derive_failure_sites
from oncorwe.derive.toxicity import derive_adverse_events, derive_worst_grade
from oncorwe.derive.treatment import derive_rt_summary, derive_sequence
from oncorwe.engine import Engine, connect
from oncorwe.engine.tables import contract_tables
from oncorwe.intake import take_in
from oncorwe.io.schema import TABLES
from oncorwe.io.store import StudyStore
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
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


class _SparkOptions(ibis.config.Config):
    """Ibis's PySpark options, registered when its PySpark backend is imported (which needs
    pyspark installed); compiling to the Spark dialect reads them."""

    treat_nan_as_null: bool = False


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


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_compiles(name, dialect, monkeypatch):
    if dialect == "pyspark" and ibis.options.pyspark is None:
        monkeypatch.setattr(ibis.options, "pyspark", _SparkOptions())
    sql = str(ibis.to_sql(BUILDERS[name](), dialect=dialect))
    assert sql.lstrip().upper().startswith(("SELECT", "WITH"))


def test_spark_log_is_base_10(monkeypatch):
    # ALBI's log10: Spark's one-argument LOG is the natural logarithm
    if ibis.options.pyspark is None:
        monkeypatch.setattr(ibis.options, "pyspark", _SparkOptions())
    table = ibis.table({"x": "float64"}, name="x")
    sql = str(ibis.to_sql(table.select(y=table.x.log10()), dialect="pyspark"))
    assert "LOG10(" in sql.upper() or "LOG(10" in sql.upper()


def test_soc_where_the_events_are_is_the_shipped_lookup(twin):
    _, _, duck = twin
    events = duck.query(derive_ae_soc(T))
    assert events["soc"].notna().any()
    expected = ctcae_soc(events["term"]).tolist()
    assert [None if pd.isna(v) else v for v in events["soc"]] == [
        None if pd.isna(v) else v for v in expected
    ]


def _load(engine: Engine, name: str, frame: pd.DataFrame, schema: dict[str, str]) -> None:
    """Load ``frame`` as table ``name``, dates as dates."""
    types = {c: t for c, t in schema.items() if c in frame.columns}
    data = {}
    for column, kind in types.items():
        values = frame[column]
        if kind == "date":
            values = pd.to_datetime(values).map(
                lambda v: None if pd.isna(v) else datetime.date(v.year, v.month, v.day)
            )
        data[column] = pa.array(values.astype(object).where(values.notna(), None).tolist())
    engine.load(name, pa.table(data), types)


def _same(duck: pd.DataFrame, pg: pd.DataFrame, name: str) -> None:
    assert list(duck.columns) == list(pg.columns), name
    assert len(duck) == len(pg), name
    for column in duck.columns:
        a, b = duck[column], pg[column]
        if column in FLOATS:
            x = pd.to_numeric(a).to_numpy(float)
            y = pd.to_numeric(b).to_numpy(float)
            assert np.array_equal(np.isnan(x), np.isnan(y)), (name, column)
            assert np.allclose(x, y, rtol=0, atol=1e-9, equal_nan=True), (name, column)
        elif column.endswith("_date"):
            assert pd.to_datetime(a).tolist() == pd.to_datetime(b).tolist(), (name, column)
        else:
            left = [None if pd.isna(v) else v for v in a.astype(object)]
            right = [None if pd.isna(v) else v for v in b.astype(object)]
            assert left == right, (name, column)


def test_every_builder_gives_duckdbs_values_on_postgres(twin):
    accepted, cohort, duck = twin
    with postgres_url() as url, connect("postgres", url) as pg:
        for name, frame in accepted.items():
            _load(pg, name, frame, _types(name))
        _load(pg, "cohort", cohort, COHORT_SCHEMA)
        for name in BUILDERS:
            expression = BUILDERS[name]()
            _same(duck.query(expression), pg.query(expression), name)


def _types(name: str) -> dict[str, str]:
    return {c: str(t) for c, t in T[name].schema().items()}
