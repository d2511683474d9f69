"""The study's accepted tables on an engine, under their contract names and types.

DuckDB (the embedded default) works on the study store itself: an in-memory connection attaches
``study.duckdb`` read only and shows each accepted table as a view named as the contract table
(``patients``, ``tumor_assessments``, ...), its columns cast to the contract's types, plus
``_row`` (the source row, which findings name). A contract table the study did not supply is an
empty view of the same columns. Nothing is copied and the store file is never written. The
connection works within ``MEMORY_LIMIT`` (DuckDB's default is 80 % of the machine's memory):
beyond it, the tables the analysis makes (the cohort, checked rows) and the operators' state
spill to a temporary directory, which DuckDB removes when the connection closes.

PostgreSQL and Spark get the same tables from the store: DuckDB writes each view as Parquet
(``COPY ... TO ... (FORMAT parquet)``); Spark registers the files as temporary views; PostgreSQL
receives them with ``COPY FROM STDIN`` in CSV chunks, into the schema ``oncorwe`` of the
database (or uses them as they are when that schema already holds the same import).

References
----------
DuckDB, "ATTACH", "COPY ... TO ... (FORMAT parquet)" and "Configuration" (memory_limit,
temp_directory), https://duckdb.org/docs/
PostgreSQL 15, "COPY", https://www.postgresql.org/docs/15/sql-copy.html
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from pathlib import Path

import duckdb

from oncorwe.engine.connect import SQL_TYPES, Engine
from oncorwe.engine.tables import contract_schema
from oncorwe.io.schema import TABLES

ROW = "_row"  # the source row of each accepted record, kept so that findings can name it
POSTGRES_SCHEMA = "oncorwe"
FINGERPRINT_TABLE = "_oncorwe_import"
PARQUET_BATCH_ROWS = 100_000
# what the analysis engine may hold in memory before it spills to disk. The per-event analysis
# datasets live here as tables (oncorwe.analysis.datasets), ~1.3 GB at 1,000,000 patients: beyond
# this limit they spill, and the statistics' frames beside them keep the study within 4 GB
# (3.6 GB peak measured at 1e6 with 768 MB, the same results as with 1 GB)
MEMORY_LIMIT = "768MB"


def table_types(name: str) -> dict[str, str]:
    """Column -> Ibis type of a contract table as it is on an engine: ``_row`` and the
    contract's columns."""
    return {ROW: "int64", **contract_schema(TABLES[name])}


def _stored_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_catalog = 'store' AND table_schema = 'accepted'"
    ).fetchall()
    stored: dict[str, set[str]] = {}
    for table, column in rows:
        stored.setdefault(table, set()).add(column)
    return stored


def _view_sql(name: str, stored: set[str] | None) -> str:
    columns = []
    for column, kind in table_types(name).items():
        source = f'"{column}"' if stored is not None and column in stored else "NULL"
        columns.append(f'CAST({source} AS {SQL_TYPES[kind]}) AS "{column}"')
    if stored is None:
        return f"SELECT {', '.join(columns)} WHERE FALSE"
    return f'SELECT {", ".join(columns)} FROM store.accepted."{name}"'


def engine_count(engine: Engine, table) -> int:
    """The number of rows of an Ibis table expression on ``engine``."""
    return int(engine.query(table.aggregate(n=table.count()))["n"].iloc[0])


def store_engine(store_path: str | Path, memory_limit: str = MEMORY_LIMIT) -> Engine:
    """An embedded DuckDB engine over the study store's accepted tables (see the module
    docstring); tables the study derives (the cohort) live in its in-memory catalogue, spilled
    to a temporary directory beyond ``memory_limit``."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    # a folder of its own, made by DuckDB on the first spill and removed when it closes
    spill = Path(tempfile.gettempdir()) / f"oncorwe-engine-{uuid.uuid4().hex}"
    spill_text = str(spill).replace("'", "''")
    con.execute(f"SET temp_directory = '{spill_text}'")
    path = str(Path(store_path)).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS store (READ_ONLY)")
    stored = _stored_columns(con)
    for name in TABLES:
        con.execute(f'CREATE VIEW "{name}" AS {_view_sql(name, stored.get(name))}')
    return Engine("duckdb", None, con)


def import_fingerprint(source: Engine) -> str:
    """The fingerprint of the import the store holds (its latest import log row)."""
    row = source.connection.execute(
        "SELECT fingerprint FROM store.main.import_log ORDER BY import_id DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else hashlib.sha256(b"empty").hexdigest()


def write_parquet(source: Engine, folder: Path) -> dict[str, Path]:
    """Each contract table of ``source`` (a ``store_engine``) as ``<folder>/<name>.parquet``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in TABLES:
        files[name] = folder / f"{name}.parquet"
        target = str(files[name]).replace("'", "''")
        source.execute(f"COPY (SELECT * FROM \"{name}\") TO '{target}' (FORMAT parquet)")
    return files


def open_engine(store_path: str | Path, target: Engine | None = None) -> Engine:
    """An engine holding the study store's accepted tables under their contract names: the
    store itself (DuckDB, ``target`` None), or ``target`` (PostgreSQL or Spark, from
    ``oncorwe.engine.connect``) with the tables loaded from the store."""
    if target is None or target.name == "duckdb":
        return store_engine(store_path)
    with store_engine(store_path) as source:
        if target.name == "spark":
            _register_spark(target, source)
        else:
            _load_postgres(target, source)
    return target


def _register_spark(engine: Engine, source: Engine) -> None:
    folder = Path(tempfile.mkdtemp(prefix="oncorwe-spark-"))
    for name, path in write_parquet(source, folder).items():
        frame = engine.connection.read.parquet(str(path))
        frame.createOrReplaceTempView(name)


def _load_postgres(engine: Engine, source: Engine) -> None:
    fingerprint = import_fingerprint(source)
    engine.execute(f'CREATE SCHEMA IF NOT EXISTS "{POSTGRES_SCHEMA}"')
    engine.execute(f'SET search_path TO "{POSTGRES_SCHEMA}"')
    if FINGERPRINT_TABLE in engine.tables():
        held = engine.query(f'SELECT fingerprint FROM "{FINGERPRINT_TABLE}"')["fingerprint"]
        if list(held) == [fingerprint] and set(TABLES) <= engine.tables():
            return  # this import is there already: use it as it is
    engine.execute(f'DROP TABLE IF EXISTS "{FINGERPRINT_TABLE}"')
    for name in TABLES:
        columns = ", ".join(f'"{c}" {SQL_TYPES[t]}' for c, t in table_types(name).items())
        engine.execute(f'DROP TABLE IF EXISTS "{name}"')
        engine.execute(f'CREATE TABLE "{name}" ({columns})')
        with source.connection.cursor() as cursor:  # its own result stream per table
            rows = cursor.sql(f'SELECT * FROM "{name}"').to_arrow_reader(PARQUET_BATCH_ROWS)
            engine.copy_in(name, rows)
    engine.execute(f'CREATE TABLE "{FINGERPRINT_TABLE}" (fingerprint VARCHAR)')
    engine.execute(f"INSERT INTO \"{FINGERPRINT_TABLE}\" VALUES ('{fingerprint}')")
