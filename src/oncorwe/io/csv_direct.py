"""A plain CSV file read by DuckDB's CSV reader: the same chunks as ``oncorwe.io.readers``, faster.

Python's ``csv`` module reads about 100,000 rows a second; DuckDB's reader is an order of
magnitude faster. It gives no line numbers, though, so it is used only for files where every
line after the header is one record and each record's line number therefore follows from its
position (``_row`` = position + 1, the header being line 1):

- the file is UTF-8 (checked by ``oncorwe.io.text.decode_stream`` before);
- it holds no quote character (no field can span lines) and no blank line (no line is skipped);
- every line has exactly the header's number of fields (no ragged row to report);
- no record is empty (only delimiters and whitespace: such a row is skipped and reported);
- it has at most ``MAX_COLUMNS`` columns.

Any other file, or any error of DuckDB's reader, falls back to the ``csv`` module, so the rows,
their numbers and the read findings are the same whichever reader ran. A value that is empty or
only whitespace (``str.isspace``) is missing, as in ``readers._frame``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from oncorwe.io.coerce import WHITESPACE

BLOCK_BYTES = 1 << 24
MEMORY_LIMIT = "256MB"  # DuckDB's buffer for one file; the rows are streamed, never all held
SPACES = "'" + WHITESPACE + "'"
MAX_COLUMNS = 200  # DuckDB's reader buffers every column: a wider file goes to the csv module
# a value made only of characters Python's str.strip() removes (str.isspace), as an RE2 pattern
BLANK = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]*"


def plain_lines(path: Path) -> bool:
    """True when ``path`` has no quote character, no blank line and no lone carriage return
    (one pass over the bytes, ``BLOCK_BYTES`` at a time)."""
    previous = b"\n"  # a blank first line counts as a blank line
    carriage = feeds = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            seam = previous + block[:2]  # a blank line or CR LF split between two blocks
            if b'"' in block or any(b"\n\n" in t or b"\n\r\n" in t for t in (block, seam)):
                return False
            carriage += block.count(b"\r")
            feeds += block.count(b"\r\n") + (previous[-1:] == b"\r" and block[:1] == b"\n")
            previous = block[-2:]
    return carriage == feeds


def _blank(k: int) -> str:
    """SQL: column ``c<k>`` is empty or whitespace only. The pattern runs only on the values
    that start with such a character (or are empty): a regular expression per value is slow."""
    first = f"contains({SPACES}, left(c{k}, 1))"
    return (
        f"CASE WHEN {first} THEN regexp_full_match(c{k}, $blank) "
        f"WHEN c{k} IS NOT NULL THEN false END"
    )


def _query(path: Path, width: int, delimiter: str) -> tuple[str, list]:
    columns = ", ".join(f"'c{k}': 'VARCHAR'" for k in range(width))
    values = ", ".join(
        f"CASE WHEN {_blank(k)} THEN NULL ELSE c{k} END AS c{k}" for k in range(width)
    )
    source = (
        f"read_csv($path, delim = $delim, quote = '', escape = '', header = true, "
        f"auto_detect = false, strict_mode = true, null_padding = false, columns = {{{columns}}})"
    )
    return f"SELECT {values} FROM {source}", source


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    # an in-memory database would spill into the working folder; the system's temp folder
    con.execute("SET temp_directory = ?", [tempfile.gettempdir()])
    con.execute("SET preserve_insertion_order = true")
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.InvalidInputException:  # Jupyter: see staging.without_progress_bar
        pass
    return con


def direct_chunks(
    path: Path, header: list[str], delimiter: str, chunk_rows: int | None
) -> Iterator[pd.DataFrame] | None:
    """The rows of ``path`` after its header as ``readers``' text chunks (``_row`` first, string
    columns named ``header``), read by DuckDB; None when the file does not qualify (see the
    module docstring) and must be read by the ``csv`` module."""
    if not header or len(header) > MAX_COLUMNS or not plain_lines(path):
        return None
    con = _connect()
    read = _read_query(con, path, len(header), delimiter)
    if read is None:
        con.close()
        return None
    return _stream(con, *read, header, chunk_rows)


def _read_query(con, path: Path, width: int, delimiter: str) -> tuple[str, dict] | None:
    """The query reading ``path``'s rows and its arguments, or None when DuckDB cannot read the
    file or a row is blank in every column (the ``csv`` module then reads and reports it)."""
    query, source = _query(path, width, delimiter)
    blank = " AND ".join(f"coalesce({_blank(k)}, true)" for k in range(width))
    arguments = {"path": str(path), "delim": delimiter, "blank": BLANK}
    try:
        ((empty,),) = con.execute(
            f"SELECT count(*) FILTER (WHERE {blank}) FROM {source}", arguments
        ).fetchall()
    except duckdb.Error:  # ragged rows, an over-long line, ...: the csv module reports them
        return None
    return None if empty else (query, arguments)


def _stream(con, query: str, arguments: dict, header: list[str], chunk_rows: int | None):
    string = pd.StringDtype("pyarrow")
    start, yielded = 2, False
    try:
        reader = con.sql(query, params=arguments).to_arrow_reader(chunk_rows or 1_000_000)
        for batch in reader:
            if batch.num_rows == 0:
                continue
            frame = pd.DataFrame(
                {k: pd.array(batch.column(k), dtype=string) for k in range(batch.num_columns)},
                index=pd.RangeIndex(batch.num_rows),
            )
            frame.columns = header
            rows = range(start, start + batch.num_rows)
            frame.insert(0, "_row", pd.array(rows, dtype="Int64"))
            start += batch.num_rows
            yielded = True
            yield frame
        if not yielded:
            empty = pa.array([], type=pa.string())
            frame = pd.DataFrame({k: pd.array(empty, dtype=string) for k in range(len(header))})
            frame.columns = header
            frame.insert(0, "_row", pd.array([], dtype="Int64"))
            yield frame
    finally:
        con.close()


def stage_direct(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    path: Path,
    header: list[str],
    delimiter: str,
) -> int | None:
    """Create the table ``schema.table`` with the rows of ``path`` as
    ``direct_chunks`` yields them (``_row`` first, text columns named ``header``), read by
    DuckDB straight into the staging database ``con``; return the rows staged, or None (and
    nothing created) when the file does not qualify (see the module docstring)."""
    if not header or len(header) > MAX_COLUMNS or not plain_lines(path):
        return None
    query, _ = _query(path, len(header), delimiter)
    arguments = {"path": str(path), "delim": delimiter, "blank": BLANK}
    names = ", ".join(f"{_quote(f'c{k}')} AS {_quote(h)}" for k, h in enumerate(header))
    # the file's order is the table's (insertion order kept); rowid then numbers the lines
    target, loaded = (
        f"{_quote(schema)}.{_quote(table)}",
        f"{_quote(schema)}.{_quote(table + ':read')}",
    )
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
    # the file is read once: the blank rows are counted on the rows loaded, where a value
    # empty or whitespace only is already NULL (as ``_read_query`` counts them on the file)
    try:
        con.execute(f"CREATE TABLE {loaded} AS SELECT * FROM ({query})", arguments)
    except duckdb.Error:  # ragged rows, an over-long line, ...: the csv module reports them
        return None
    blank = " AND ".join(f"c{k} IS NULL" for k in range(len(header)))
    rows, empty = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {blank}) FROM {loaded}"
    ).fetchone()
    if empty:
        con.execute(f"DROP TABLE {loaded}")
        return None
    con.execute(
        f"CREATE TABLE {target} AS SELECT CAST(rowid + 2 AS BIGINT) AS _row, {names} "
        f"FROM (SELECT rowid, * FROM {loaded}) ORDER BY rowid"
    )
    con.execute(f"DROP TABLE {loaded}")
    return rows


def _quote(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'
