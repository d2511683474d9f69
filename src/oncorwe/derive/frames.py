"""Run a derivation's table expression over pandas frames (the notebook API and the tests).

A derivation is written once, as an Ibis expression over named tables; in a study it runs on
the study's engine. Given frames instead (a notebook, a test's worked example), the same
expression runs on a throwaway in-memory DuckDB where each frame is a view of that name, with
its columns cast to the declared types (so that an all-empty column keeps its type).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import duckdb
import pandas as pd

from oncorwe.engine import Engine
from oncorwe.engine.connect import SQL_TYPES

Frames = Mapping[str, tuple[pd.DataFrame, Mapping[str, str]]]


@contextmanager
def frames_engine(frames: Frames) -> Iterator[Engine]:
    """A throwaway in-memory DuckDB engine where each name of ``frames`` is its frame, to run
    several expressions over the same frames (closed on leaving).

    ``frames``: table name -> (frame, column -> Ibis type). A declared column the frame lacks
    is empty (NULL).
    """
    con = duckdb.connect(":memory:")
    try:
        for name, (frame, types) in frames.items():
            con.register(f"_{name}_frame", frame)
            columns = ", ".join(
                f"CAST({_quote(c) if c in frame.columns else 'NULL'} AS {SQL_TYPES[t]})"
                f" AS {_quote(c)}"
                for c, t in types.items()
            )
            con.execute(f'CREATE VIEW {_quote(name)} AS SELECT {columns} FROM "_{name}_frame"')
        yield Engine("duckdb", None, con)
    finally:
        con.close()


def query_frames(expression: str | object, frames: Frames) -> pd.DataFrame:
    """Run ``expression`` (Ibis, or DuckDB SQL) where each name of ``frames`` is its frame
    (:func:`frames_engine`). Date columns come back as ``datetime64[ns]``."""
    with frames_engine(frames) as engine:
        return query(engine, expression)


def query(engine: Engine, expression: str | object) -> pd.DataFrame:
    """``engine.query(expression)`` with date columns as ``datetime64[ns]``."""
    out = engine.query(expression)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].astype("datetime64[ns]")
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
