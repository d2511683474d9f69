"""The contract's tables as Ibis expressions, run on an engine holding the contract tables."""

import pandas as pd

from oncorwe.cohort import analysis_connection
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_table, contract_tables
from oncorwe.io.schema import TABLES


def test_every_contract_table_and_column_is_typed_from_the_contract():
    tables = contract_tables({"cohort": {"patient_id": "string", "index_date": "date"}})
    assert set(tables) == set(TABLES) | {"cohort"}
    for name, table in TABLES.items():
        assert list(tables[name].columns) == [c.name for c in table.columns]
    assert str(contract_table("radiotherapy").schema()["total_dose_gy"]) == "float64"


def test_an_expression_runs_where_the_tables_are():
    patients = pd.DataFrame(
        {"patient_id": ["P1", "P2", "P3"], "age_at_index": [50, 61, 72], "sex": ["M", "F", "M"]}
    )
    engine = Engine("duckdb", None, analysis_connection({"patients": patients}))
    t = contract_table("patients")
    counts = engine.query(t.group_by("sex").aggregate(n=t.count(), oldest=t.age_at_index.max()))
    counts = counts.sort_values("sex").reset_index(drop=True)
    assert counts["sex"].tolist() == ["F", "M"]
    assert counts["n"].tolist() == [1, 2]
    assert counts["oldest"].tolist() == [61, 72]
