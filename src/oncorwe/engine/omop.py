"""An OMOP CDM, named by a DuckDB file or a database URL, as a folder of contract tables."""

from __future__ import annotations

from pathlib import Path

from oncorwe.engine.connect import connect
from oncorwe.errors import InputError
from oncorwe.io.omop.concepts import load_concept_sets
from oncorwe.io.omop.source import read_omop, write_contract_folder


def engine_of(source: str, engine: str | None) -> str:
    """The engine a source names: ``postgres(ql)://`` -> postgres, otherwise a DuckDB file."""
    if engine is not None:
        return engine
    return "postgres" if source.startswith(("postgres://", "postgresql://")) else "duckdb"


def omop_to_contract(
    source: str,
    folder: str | Path,
    engine: str | None = None,
    engine_url: str | None = None,
    concepts: str | Path | None = None,
) -> Path:
    """Map the OMOP CDM at ``source`` onto the contract and write it into ``folder`` as CSV.

    Parameters
    ----------
    source : a DuckDB file, or a database URL (``postgresql://...``).
    folder : where the contract tables go; it holds patient records, so it belongs in a
        temporary folder, never next to the outputs.
    engine : "duckdb", "postgres" or "spark"; default from ``source`` (``engine_of``).
    engine_url : where the engine is when it is not ``source`` itself (a Spark master).
    concepts : a concept set file replacing shipped rows (``load_concept_sets``).

    Raises
    ------
    InputError
        The DuckDB file does not exist, the engine cannot be reached, or the CDM lacks a table.
    """
    name = engine_of(source, engine)
    if name == "duckdb" and engine_url is None and not Path(source).is_file():
        raise InputError(f"OMOP CDM {source}: no such DuckDB file")
    sets = load_concept_sets(concepts)
    with connect(name, engine_url or source) as connected:
        tables = read_omop(connected, sets)
    return write_contract_folder(tables, folder)
