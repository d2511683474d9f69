"""oncorwe.engine.connect: Ibis expressions compiled to the engine's SQL and run there."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from oncorwe.engine import connect
from oncorwe.engine.connect import frame_dtypes
from oncorwe.errors import InputError
from postgres_server import postgres_url

TYPES = {"person_id": "int64", "visit": "date", "value": "float64"}
ROWS = pa.table(
    {
        "person_id": pa.array([1, 1, 1, 2], pa.int64()),
        "visit": pa.array([dt.date(2020, 1, d) for d in (1, 5, 9, 3)], pa.date32()),
        "value": pa.array([1.5, 2.5, None, 4.0], pa.float64()),
    }
)


def latest_before(cutoff: dt.date):
    """The latest visit of each person before ``cutoff``: a window row_number, which every
    engine supports (Ibis has no as-of join on PySpark)."""
    t = ibis.table(TYPES, name="visits")
    before = t.filter(t.visit < cutoff)
    order = ibis.row_number().over(group_by=before.person_id, order_by=ibis.desc(before.visit))
    return before.mutate(n=order).filter(lambda r: r.n == 0).select("person_id", "visit")


def check_engine(engine) -> None:
    engine.load("visits", ROWS, TYPES)
    latest = engine.query(latest_before(dt.date(2020, 1, 8))).sort_values("person_id")
    # by hand: person 1's visits before 8 January are 1 and 5 January; person 2's is 3 January
    assert latest["person_id"].tolist() == [1, 2]
    assert [str(v)[:10] for v in latest["visit"]] == ["2020-01-05", "2020-01-03"]
    t = ibis.table(TYPES, name="visits")
    counts = engine.query(t.group_by("person_id").agg(n=t.count(), total=t.value.sum()))
    assert dict(zip(counts["person_id"], counts["total"], strict=True)) == {1: 4.0, 2: 4.0}
    assert "visits" in engine.tables()
    # a relation made once and read by two queries, dropped on leaving
    with engine.materialized("latest", latest_before(dt.date(2020, 1, 8))) as made:
        assert "latest" in engine.tables()
        assert engine.query(made.order_by("person_id"))["person_id"].tolist() == [1, 2]
        both = made.join(t, [made.person_id == t.person_id, made.visit == t.visit])
        values = engine.query(both.select(t.value).order_by("value"))["value"]
        assert values.tolist() == [2.5, 4.0]  # 5 January (person 1), 3 January (person 2)
    assert "latest" not in engine.tables()
    # rows loaded for the queries inside, dropped on leaving
    with engine.loaded("visits_for_now", ROWS, TYPES) as loaded:
        assert "visits_for_now" in engine.tables()
        assert engine.query(loaded.aggregate(n=loaded.count()))["n"].tolist() == [4]
    assert "visits_for_now" not in engine.tables()


def test_duckdb_is_the_embedded_default(tmp_path):
    with connect(url=tmp_path / "e.duckdb") as engine:
        assert engine.name == "duckdb"
        check_engine(engine)


@pytest.mark.engines
def test_postgres_runs_the_same_expressions():
    with postgres_url() as url, connect("postgres", url) as engine:
        check_engine(engine)


def test_unknown_engine_and_unreachable_server_are_named():
    with pytest.raises(InputError, match="engine 'oracle' is not one of duckdb, postgres, spark"):
        connect("oracle")
    with pytest.raises(InputError, match="cannot connect to postgres at postgresql://"):
        connect("postgres", "postgresql://nobody@/none?host=/nonexistent-oncorwe")
    with pytest.raises(InputError, match="engine postgres needs a url"):
        connect("postgres")


def test_batches_are_the_query_in_order():
    with connect() as engine:
        engine.execute("CREATE TABLE n AS SELECT i, CAST(i % 7 AS VARCHAR) s FROM range(5000) t(i)")
        t = ibis.table({"i": "int64", "s": "string"}, name="n").order_by("i")
        batches = list(engine.batches(t, 2048))
        assert len(batches) >= 3 and all(len(b) <= 2048 for b in batches)
        whole = engine.query(t)
        joined = pd.concat(batches, ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole)
        none = list(engine.batches(t.filter(t.i < 0)))
        assert len(none) == 1 and none[0].empty and none[0].dtypes.equals(whole.dtypes)


def test_duckdb_rows_through_arrow_are_those_of_its_own_conversion():
    # every type a derivation returns, with missing values; DuckDB's own conversion (fetch_df)
    # typed by frame_dtypes is what Engine.query returned before it read Arrow
    types = {"s": "string", "d": "date", "i": "int64", "b": "boolean", "f": "float64",
             "ts": "timestamp", "i32": "int64", "big": "int64", "dec": "float64"}  # fmt: skip
    sql = """SELECT * FROM (VALUES
        ('a', DATE '2020-01-02', 1, true, 1.5, TIMESTAMP '2020-01-01 10:00:00', 7::INTEGER,
         3::HUGEINT, 0.1::DECIMAL(9, 3)),
        (NULL, NULL, NULL, NULL, 'NaN'::DOUBLE, NULL, NULL, 1::HUGEINT, NULL),
        ('ü', DATE '1999-12-31', -5, false, NULL, TIMESTAMP '1999-01-01', -1, 2, 2.675)
    ) t(s, d, i, b, f, ts, i32, big, dec)"""
    with connect() as engine:
        engine.execute(f"CREATE TABLE v AS {sql}")
        t = ibis.table(types, name="v")
        ours = engine.query(t.select(*types))
        theirs = frame_dtypes(engine.connection.execute(engine.sql(t.select(*types))).df(),
                              t.schema())  # fmt: skip
        pd.testing.assert_frame_equal(ours, theirs)
        for name in ("s", "d", "i", "b", "f"):  # without the decimal column, through Arrow
            pd.testing.assert_frame_equal(engine.query(t.select(name)), theirs[[name]])
        joined = pd.concat(list(engine.batches(t.select(*types), 2)), ignore_index=True)
        pd.testing.assert_frame_equal(joined, theirs)
