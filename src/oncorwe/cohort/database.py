"""An in-process DuckDB connection over the accepted tables, where derivations run as SQL.

Per-patient aggregations over event tables (first dates, worst grades, counts) run as relational
queries inside DuckDB, so they scale to registry-sized tables; only per-patient results come back
to pandas. Tables of the contract that a study does not supply are present and empty.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from oncorwe.io.schema import PANDAS_DTYPES, TABLES, Table


def empty_table(table: Table) -> pd.DataFrame:
    """A zero-row DataFrame with the contract's columns and analysis dtypes."""
    return pd.DataFrame({c.name: pd.Series(dtype=PANDAS_DTYPES[c.type]) for c in table.columns})


def analysis_connection(accepted: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """Register every contract table (accepted rows only) as a DuckDB table of that name.

    Each table has ``_row``, the source row that findings name: the frame's own column, or
    its index when it has none (frames made in code).
    """
    con = duckdb.connect(database=":memory:")
    for name, table in TABLES.items():
        frame = accepted.get(name)
        if frame is None:
            frame = empty_table(table)
        if "_row" not in frame.columns:
            frame = frame.copy()
            frame.insert(0, "_row", pd.array(frame.index, dtype="Int64"))
        missing = [c.name for c in table.columns if c.name not in frame.columns]
        if missing:
            frame = frame.copy()
            for col in missing:
                dtype = PANDAS_DTYPES[table.column(col).type]
                frame[col] = pd.Series(dtype=dtype, index=frame.index)
        con.register(f"_{name}_frame", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "_{name}_frame"')
        con.unregister(f"_{name}_frame")
    return con
