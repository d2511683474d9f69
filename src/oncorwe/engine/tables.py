"""The contract's tables as Ibis table expressions, for derivations written once for every engine.

A derivation is a function from these tables (and the protocol) to an Ibis expression; it runs
nothing. ``Engine.query`` compiles the expression to the engine's SQL and runs it where the
tables are (the study store in DuckDB, a PostgreSQL schema, Spark). The tables are unbound: each
is named as the contract table and typed from the contract (``oncorwe.io.schema``).

References
----------
Ibis project, "ibis.table" (unbound tables), https://ibis-project.org/reference/
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from oncorwe.io.schema import TABLES, Table

# contract column type -> Ibis type (lists are ';'-separated text, as in the contract)
IBIS_TYPES = {
    "text": "string",
    "list": "string",
    "int": "int64",
    "num": "float64",
    "date": "date",
    "bool": "boolean",
}


def contract_schema(table: Table) -> dict[str, str]:
    """Column name -> Ibis type of one contract table."""
    return {c.name: IBIS_TYPES[c.type] for c in table.columns}


def contract_table(name: str) -> ir.Table:
    """Contract table ``name`` as an unbound Ibis table of that name."""
    return ibis.table(contract_schema(TABLES[name]), name=name)


def contract_tables(extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, ir.Table]:
    """Every contract table as an unbound Ibis table, plus ``extra`` tables (name -> schema),
    such as the cohort a study derives from."""
    tables = {name: contract_table(name) for name in TABLES}
    for name, schema in (extra or {}).items():
        tables[name] = ibis.table(dict(schema), name=name)
    return tables
