"""The staging database: a study's tables streamed from their files into DuckDB, chunk by chunk.

A big input is never held in memory as a whole: ``stage_source`` writes every chunk a reader
yields (``oncorwe.io.readers``) into ``raw.<table>`` of a DuckDB file, and ``table_chunks`` reads
a staged table back in chunks of a given size, in source row order. DuckDB keeps its own memory
below ``memory_limit()`` and spills to disk beyond it, so the memory an import needs depends on the
chunk size, not on the size of the files.

The limit is a fraction of the machine's memory between a floor and a ceiling. The floor is what
the widest contract table needs: DuckDB cannot spill the hash tables of a chain of joins (one per
looked-up column, 26 for ``patients``) while rows stream through them, and at registry scale
(150,000 to 1,000,000 patients) that chain alone needed up to 192 MB; the former fixed 128 MB
failed intermittently there with "Out of Memory Error". The ceiling keeps the buffer pool, which
DuckDB fills with cached blocks up to the limit, from growing with the input.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd

from oncorwe.io.csv_direct import stage_direct
from oncorwe.io.readers import CHUNK_ROWS
from oncorwe.io.sources import SourceStreams

# DuckDB's buffer limit for imports (it spills to disk beyond it): a fraction of the machine's
# memory, within a floor and a ceiling in MB (see the module docstring)
MEMORY_FRACTION, MEMORY_FLOOR_MB, MEMORY_CEILING_MB = 1 / 16, 384, 512
# the order of validate_tables' findings: rule order, then table and row, then arrival
FINDINGS_ORDER = 'ORDER BY _order, "table" NULLS LAST, row NULLS LAST, _seq'
Progress = Callable[[str], None]


def quote(name: str) -> str:
    """A DuckDB identifier, quoted (``"`` doubled), for any column or table name."""
    return '"' + str(name).replace('"', '""') + '"'


def memory_limit() -> str:
    """DuckDB's memory limit for imports: ``MEMORY_FRACTION`` of the machine's physical memory,
    at least ``MEMORY_FLOOR_MB`` and at most ``MEMORY_CEILING_MB`` (the floor when the memory
    cannot be read)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        total = 0
    share = int(total * MEMORY_FRACTION) >> 20
    return f"{min(max(share, MEMORY_FLOOR_MB), MEMORY_CEILING_MB)}MB"


def connect(path: str | Path, limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (create) a staging database with a bounded buffer pool (``limit``, default
    ``memory_limit()``); it spills into a folder next to the database file (``<path>.spill``),
    which DuckDB removes when the connection closes."""
    con = duckdb.connect(str(path))
    con.execute(f"SET memory_limit = '{limit or memory_limit()}'")
    con.execute("SET temp_directory = ?", [f"{path}.spill"])
    con.execute("SET preserve_insertion_order = true")
    without_progress_bar(con)
    return con


def without_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """No DuckDB progress bar on stderr. Inside Jupyter DuckDB refuses to change the setting
    at all (it wants ipywidgets for its notebook bar), so there the setting is left as is."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:
        pass


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """True when ``schema.table`` exists."""
    # DuckDB's own catalogue functions answer several times faster than information_schema
    found = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchone()[0]
    return bool(found)


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """Column names of ``schema.table`` in table order."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def append_frame(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame):
    """Append ``frame`` to ``schema.table`` (created from the first frame); a column the table
    lacks is added (e.g. ``_extra`` first seen in a later chunk) and matched by name."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    target = f"{quote(schema)}.{quote(table)}"
    con.register("_chunk", frame)
    try:
        if not table_exists(con, schema, table):
            con.execute(f"CREATE TABLE {target} AS SELECT * FROM _chunk")
            return
        have = set(columns_of(con, schema, table))
        for column in frame.columns:
            if column not in have:
                kind = con.execute(f"SELECT typeof({quote(column)}) FROM _chunk LIMIT 1").fetchone()
                con.execute(
                    f"ALTER TABLE {target} ADD COLUMN {quote(column)} "
                    f"{kind[0] if kind else 'VARCHAR'}"
                )
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _chunk")
    finally:
        con.unregister("_chunk")


def insert_frame(con: duckdb.DuckDBPyConnection, target: str, frame: pd.DataFrame) -> None:
    """Insert ``frame`` into the existing table ``target`` (quoted ``schema.table``), its
    columns matched by name: ``append_frame`` without the catalogue look-ups, for a table whose
    columns are known."""
    con.register("_chunk", frame)
    try:
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _chunk")
    finally:
        con.unregister("_chunk")


def query_chunks(
    con: duckdb.DuckDBPyConnection, query: str, chunk_rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """The rows of ``query`` in chunks of ``chunk_rows`` (a lazy Arrow reader on a cursor of
    its own, so ``con`` stays free for writes); at least one (empty) frame."""
    cursor = con.cursor()
    try:
        reader = cursor.sql(query).to_arrow_reader(chunk_rows)
        yielded = False
        for batch in reader:
            if batch.num_rows == 0:
                continue
            yielded = True
            yield batch.to_pandas()
        if not yielded:
            yield reader.schema.empty_table().to_pandas()
    finally:
        cursor.close()


def table_chunks(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    chunk_rows: int = CHUNK_ROWS,
    columns: list[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """``schema.table`` in chunks of ``chunk_rows`` rows, ordered by ``_row``; at least one
    (empty) frame. ``columns`` limits the columns read."""
    wanted = ", ".join(quote(c) for c in columns) if columns else "*"
    query = f"SELECT {wanted} FROM {quote(schema)}.{quote(table)} ORDER BY _row"
    yield from query_chunks(con, query, chunk_rows)


def stage_source(
    source: SourceStreams, con: duckdb.DuckDBPyConnection, progress: Progress = lambda s: None
) -> dict[str, int]:
    """Write every table of ``source`` into ``raw.<table>``; return rows staged per table."""
    counts = {}
    for name, stream in source.streams.items():
        progress(f"reading {name}")
        if stream.plain_csv is not None:
            path, delimiter, close = stream.plain_csv
            counts[name] = stage_direct(con, "raw", name, path, stream.header, delimiter)
            if counts[name] is not None:
                close()
                progress(f"reading {name}: {counts[name]:,} rows")
                continue
        counts[name] = 0
        for chunk in stream.chunks:
            append_frame(con, "raw", name, chunk)
            counts[name] += len(chunk)
            if counts[name]:
                progress(f"reading {name}: {counts[name]:,} rows")
    return counts
