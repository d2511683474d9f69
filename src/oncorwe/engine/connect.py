"""Connect to an engine: DuckDB (embedded, the default), PostgreSQL or Spark.

Table expressions are written once with Ibis, compiled to the engine's SQL dialect
(``ibis.to_sql``) and run by the engine's own driver; only their results (per-patient rows,
aggregated counts) come back to Python, as pandas frames. Running the compiled SQL on the
driver, rather than through Ibis's backend objects, keeps oncorwe working with the DuckDB
release it depends on (Ibis 12's DuckDB backend calls ``fetch_arrow_table``, which DuckDB 2
removed). PostgreSQL (psycopg) and Spark (pyspark) are extras of the package:
``pip install oncorwe[postgres]``, ``oncorwe[spark]``.

Notes for expressions: Ibis does not support as-of joins on PySpark, so "the latest record
before a date" is written as a window ``row_number`` over the patient ordered by date.

References
----------
Ibis project, "ibis.to_sql" and "Backends", https://ibis-project.org/reference/
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa

from oncorwe.engine.sql_cache import cached_sql
from oncorwe.errors import InputError

EngineName = Literal["duckdb", "postgres", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "postgres", "spark")
# the SQL dialect Ibis compiles to, per engine
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "spark": "pyspark"}
SQL_TYPES = {
    "int64": "BIGINT",
    "float64": "DOUBLE PRECISION",
    "string": "VARCHAR",
    "date": "DATE",
    "boolean": "BOOLEAN",
}
# a study's tables are small for Spark: few shuffle partitions, no console progress bars,
# Arrow for the per-patient rows coming back to pandas. Adaptive query execution is off: it
# plans each shuffle stage of a query separately, so a relation a query names several times
# is planned and run once per name; without it the planner reuses one exchange for all of them
# (a duration-of-response query fell from 603 exchanges to 71 and a third of its CPU time).
SPARK_SETTINGS = {
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.adaptive.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}
COPY_CHUNK_ROWS = 100_000  # rows per CSV chunk sent to PostgreSQL's COPY
BATCH_ROWS = 100_000  # rows per frame of ``Engine.batches``
DUCKDB_VECTOR = 2_048  # rows of one DuckDB vector, the unit its results are fetched in
# Arrow types that come back as nullable pandas types (not as floats or objects with nulls)
ARROW_DTYPES = {
    pa.int8(): pd.Int64Dtype(),
    pa.int16(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


class Engine:
    """A connection to one engine: run Ibis expressions there, load tables into it."""

    def __init__(self, name: str, url: str | None, connection) -> None:
        self.name = name
        self.url = url
        self.connection = connection

    @property
    def dialect(self) -> str:
        return DIALECTS[self.name]

    def sql(self, expression) -> str:
        """The engine's SQL for an Ibis expression."""
        return to_sql(expression, self.dialect)

    def query(self, expression) -> pd.DataFrame:
        """Run an Ibis expression (or SQL text) on the engine; its rows as a frame.

        The rows of an Ibis expression come back with the same pandas dtypes on every engine
        (``frame_dtypes``): dates as ``datetime64[ns]``, integers as ``Int64``, booleans as
        ``boolean``, floats as ``float64``, text as ``str``.
        """
        if isinstance(expression, str):
            return self._rows(expression)
        text = self.sql(expression)
        frame = self._duckdb_rows(text) if self.name == "duckdb" else self._rows(text)
        return frame_dtypes(frame, expression.schema())

    def _duckdb_rows(self, text: str) -> pd.DataFrame:
        """DuckDB's rows of ``text`` through Arrow: text stays in Arrow buffers (no Python
        object per value) and no second copy of the result is made; with decimals, DuckDB's own
        conversion (its doubles)."""
        table = self.connection.sql(text).to_arrow_table()
        if scaled_decimals(table.schema):
            return self._rows(text)
        return arrow_frame(table)

    def batches(self, expression, rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
        """The rows of an Ibis ``expression``, in order, as frames of at most about ``rows``
        rows each (at least one frame, empty when there are no rows), typed as :meth:`query`
        types them: memory follows one batch, not the whole result (DuckDB and PostgreSQL fetch
        batch by batch; Spark, which holds a study's small tables, returns its rows at once and
        they are cut here)."""
        schema = expression.schema()
        for k, frame in enumerate(self._row_batches(self.sql(expression), rows)):
            if k == 0 or len(frame):
                yield frame_dtypes(frame.reset_index(drop=True), schema)

    def _row_batches(self, text: str, rows: int) -> Iterator[pd.DataFrame]:
        """Untyped frames of the rows of ``text``, ending with an empty one."""
        if self.name == "duckdb":
            reader = self.connection.cursor().sql(text).to_arrow_reader(rows)  # its own stream
            if scaled_decimals(reader.schema):  # DuckDB's own conversion (its doubles)
                reader.close()
                result = self.connection.cursor().execute(text)
                while len(frame := result.fetch_df_chunk(max(1, rows // DUCKDB_VECTOR))):
                    yield frame
                yield frame
                return
            for batch in reader:
                yield arrow_frame(pa.Table.from_batches([batch], reader.schema))
            yield arrow_frame(reader.schema.empty_table())
        elif self.name == "spark":
            frame = self._rows(text)
            for start in range(0, len(frame), rows):
                yield frame.iloc[start : start + rows]
            yield frame.iloc[:0]
        else:
            with self.connection.cursor() as cursor:
                cursor.execute(text)
                names = [d.name for d in cursor.description]
                while chunk := cursor.fetchmany(rows):
                    yield pd.DataFrame(chunk, columns=names)
                yield pd.DataFrame([], columns=names)

    def _rows(self, text: str) -> pd.DataFrame:
        if self.name == "duckdb":
            return self.connection.execute(text).df()
        if self.name == "spark":
            with warnings.catch_warnings():  # pyspark 4 warns about pandas 3 on every call
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                return self.connection.sql(text).toPandas()
        with self.connection.cursor() as cursor:
            cursor.execute(text)
            names = [d.name for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    def materialize(self, name: str, expression) -> None:
        """Create (or replace) table ``name`` in the engine from an Ibis expression; the rows
        never leave the engine (Spark: a cached temporary view; PostgreSQL: a table with its
        planner statistics, so that queries reading it are planned for its real size)."""
        text = self.sql(expression)
        if self.name == "spark":
            self.connection.catalog.dropTempView(name)
            self.connection.sql(f"CACHE TABLE `{name}` AS {text}")
            return
        self.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.execute(f'CREATE TABLE "{name}" AS {text}')
        if self.name == "postgres":
            self.execute(f'ANALYZE "{name}"')

    @contextmanager
    def materialized(self, name: str, expression) -> Iterator:
        """Table ``name`` made once from an Ibis ``expression`` (:meth:`materialize`) and
        dropped on leaving; yields it as an unbound Ibis table of that name.

        A relation that later queries name several times is computed once this way: Spark
        recomputes a relation each time a query names it, and PostgreSQL and DuckDB plan it
        again in every query.
        """
        import ibis

        self.materialize(name, expression)
        try:
            yield ibis.table(expression.schema(), name=name)
        finally:
            self.drop(name)

    @contextmanager
    def loaded(self, name: str, table: pa.Table, types: dict[str, str]) -> Iterator:
        """Table ``name`` of ``table`` (Ibis ``types``) as an unbound Ibis table, dropped on
        leaving: a temporary view on Spark (nothing in its warehouse), else :meth:`load`."""
        import ibis

        if self.name == "spark":
            self.connection.createDataFrame(table).createOrReplaceTempView(name)
        else:
            self.load(name, table, types)
        if self.name == "postgres":
            self.execute(f'ANALYZE "{name}"')
        try:
            yield ibis.table(types, name=name)
        finally:
            self.drop(name)

    def drop(self, name: str) -> None:
        """Drop table ``name`` made by :meth:`materialize` or :meth:`loaded`, if it is there."""
        if self.name == "spark":
            self.connection.catalog.dropTempView(name)  # uncached with it
            return
        self.execute(f'DROP TABLE IF EXISTS "{name}"')

    def execute(self, text: str) -> None:
        """Run a statement that returns no rows."""
        if self.name == "spark":
            self.connection.sql(text)
        elif self.name == "duckdb":
            self.connection.execute(text)
        else:
            with self.connection.cursor() as cursor:
                cursor.execute(text)
            self.connection.commit()

    def load(self, name: str, table: pa.Table, types: dict[str, str]) -> None:
        """Create (or replace) table ``name``: columns of Ibis ``types``, ``table``'s rows."""
        if self.name == "spark":
            frame = self.connection.createDataFrame(table.to_pandas())
            frame.write.mode("overwrite").saveAsTable(name)
            return
        columns = ", ".join(f'"{c}" {SQL_TYPES[t]}' for c, t in types.items())
        self.execute(f'DROP TABLE IF EXISTS "{name}"')
        self.execute(f'CREATE TABLE "{name}" ({columns})')
        if self.name == "duckdb":
            self.connection.register("_oncorwe_load", table)
            self.connection.execute(f'INSERT INTO "{name}" SELECT * FROM _oncorwe_load')
            self.connection.unregister("_oncorwe_load")
            return
        self.copy_in(name, table.to_batches(COPY_CHUNK_ROWS))

    def copy_in(self, name: str, batches) -> None:
        """PostgreSQL: append Arrow record ``batches`` to table ``name`` with COPY, one CSV
        chunk per batch (a null is an unquoted empty field, an empty text a quoted one)."""
        import pyarrow.csv as pacsv

        options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
        with self.connection.cursor() as cursor:
            quoted = None
            for batch in batches:
                if quoted is None:
                    quoted = ", ".join(f'"{c}"' for c in batch.schema.names)
                    copy_sql = f'COPY "{name}" ({quoted}) FROM STDIN (FORMAT csv)'
                sink = pa.BufferOutputStream()
                pacsv.write_csv(pa.Table.from_batches([batch]), sink, options)
                with cursor.copy(copy_sql) as copy:
                    copy.write(sink.getvalue().to_pybytes())
        self.connection.commit()

    def tables(self) -> set[str]:
        """The names of the tables in the engine's current schema."""
        if self.name == "spark":
            return {t.name for t in self.connection.catalog.listTables()}
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return set(self.query(sql)["table_name"])

    def close(self) -> None:
        if self.name == "spark":
            return  # a Spark session is shared by the process
        self.connection.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def to_sql(expression, dialect: str) -> str:
    """An Ibis expression as SQL of one dialect of ``DIALECTS`` (no engine needed), compiled
    once per expression and remembered (``oncorwe.engine.sql_cache``)."""
    import ibis

    if dialect == "pyspark":
        _spark_compiler_options()
    return cached_sql(expression, dialect, lambda: str(ibis.to_sql(expression, dialect=dialect)))


def _spark_compiler_options() -> None:
    """The options Ibis's PySpark compiler reads, which only its backend module (not used
    here) would register: NaN is a number, never NULL, as on DuckDB and PostgreSQL."""
    import ibis
    import ibis.config

    if ibis.options.pyspark is None:

        class SparkOptions(ibis.config.Config):
            treat_nan_as_null: bool = False

        ibis.options.pyspark = SparkOptions()


def scaled_decimals(schema: pa.Schema) -> bool:
    """Whether an Arrow ``schema`` has decimals with digits after the point."""
    return any(pa.types.is_decimal(f.type) and f.type.scale > 0 for f in schema)


def arrow_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of an engine's rows as a frame for ``frame_dtypes``: text as pandas
    strings on the Arrow buffers, integers and booleans as nullable pandas types, dates as
    timestamps; the table's buffers are released column by column as they are converted."""
    return table.to_pandas(
        date_as_object=False,
        types_mapper=ARROW_DTYPES.get,
        self_destruct=True,
        split_blocks=True,
    )


def frame_dtypes(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """``frame`` (rows of an expression of Ibis ``schema``) with one pandas dtype per Ibis type,
    whatever engine and driver produced it."""
    out = {}
    for name, kind in schema.items():
        column = frame[name]
        if kind.is_date() or kind.is_timestamp():
            out[name] = pd.to_datetime(column).astype("datetime64[ns]")
        elif kind.is_integer():
            out[name] = pd.array(column.astype("float64") if column.dtype == object else column,
                                 dtype="Int64")  # fmt: skip
        elif kind.is_floating() or kind.is_decimal():
            out[name] = column.astype("float64")
        elif kind.is_boolean():
            out[name] = column.astype("boolean")
        elif kind.is_string():
            out[name] = column.astype("str")
        else:
            out[name] = column
    return pd.DataFrame(out, index=range(len(frame)))


def connect(engine: EngineName = "duckdb", url: str | Path | None = None) -> Engine:
    """Connect to ``engine``.

    Parameters
    ----------
    engine : "duckdb" (embedded; ``url`` is a database file, None for in-memory),
        "postgres" (``url`` such as ``postgresql://user@host:5432/db``, or
        ``postgresql:///db?host=/socket/folder``) or "spark" (``url`` is a Spark master such
        as ``local[2]`` or ``spark://host:7077``; None: a local session).
    url : where the engine is, as above.

    Raises
    ------
    InputError
        The engine is not one of ``ENGINES``, its extra is not installed, or it cannot be
        reached; the message names the engine, the url and what to do.
    """
    if engine not in ENGINES:
        raise InputError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    text = None if url is None else str(url)
    try:
        return Engine(engine, text, _open(engine, text))
    except ImportError as error:
        raise InputError(
            f"engine {engine} needs its extra: pip install 'oncorwe[{engine}]' ({error})"
        ) from error
    except InputError:
        raise
    except Exception as error:  # each driver raises its own types; name the engine and url
        raise InputError(f"cannot connect to {engine} at {text}: {error}") from error


def _open(engine: str, url: str | None):
    if engine == "duckdb":
        import duckdb

        return duckdb.connect(url if url is not None else ":memory:")
    if engine == "postgres":
        import psycopg

        if url is None:
            raise InputError("engine postgres needs a url: --engine-url postgresql://...")
        connection = psycopg.connect(url)
        # Derivations filter on window functions (row_number() = 0), whose selectivity the
        # planner cannot estimate: it then expects one row and nests loops over subqueries it
        # re-runs per row (minutes instead of milliseconds); hash and merge joins do not.
        with connection.cursor() as cursor:
            cursor.execute("SET enable_nestloop = off")
        connection.commit()
        return connection
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(url or "local[*]").appName("oncorwe")
    for key, value in SPARK_SETTINGS.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
