"""The seed twin on a DuckDB engine, loading its tables into another engine, and comparing the
rows an expression gives on two engines — shared by the builders' engine tests."""

from __future__ import annotations

import datetime
from collections.abc import Collection

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from oncorwe.cohort import COHORT_SCHEMA, cohort_engine
from oncorwe.engine import Engine
from oncorwe.intake import take_in
from oncorwe.io.schema import TABLES
from oncorwe.io.store import StudyStore
from oncorwe.synth import seed_twin_path

# the dialects an expression is compiled for: DuckDB's with every `make test`; PostgreSQL's and
# Spark's with the comparisons on those engines (`make check-engines`, run by CI), whose SQL
# takes most of the compile time (about 1-2.5 s of CPU an expression without the SQL cache)
DIALECTS = [
    "duckdb",
    pytest.param("postgres", marks=pytest.mark.engines),
    pytest.param("pyspark", marks=pytest.mark.engines),
]


def seed_twin_engine(folder, protocol):
    """The seed twin's accepted tables, its cohort, and a DuckDB engine holding both."""
    store = folder / "study.duckdb"
    take_in(seed_twin_path(), store_path=store)
    with StudyStore(store, read_only=True) as s:
        accepted = {name: s.accepted(name) for name in TABLES if name in s.table_names("accepted")}
    engine, _ = cohort_engine(accepted, protocol)
    cohort = engine.query(ibis.table(COHORT_SCHEMA, name="cohort"))
    return accepted, cohort, engine


def load_frame(engine: Engine, name: str, frame: pd.DataFrame, schema: dict[str, str]) -> None:
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


def assert_same_rows(
    duck: pd.DataFrame, other: pd.DataFrame, name: str, floats: Collection[str]
) -> None:
    """Same columns and rows; ``floats`` to 1e-9 (NaN where the other has NaN), dates as dates,
    everything else exactly."""
    assert list(duck.columns) == list(other.columns), name
    assert len(duck) == len(other), name
    for column in duck.columns:
        a, b = duck[column], other[column]
        if column in floats:
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
