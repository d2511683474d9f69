"""Every exported table is declared once, by names that exist, with the analysis's labels; an
undeclared table is refused by name."""

from __future__ import annotations

from importlib import import_module

import pandas as pd
import pytest

from oncorwe.analysis.compare import OVERALL as ANALYSIS_OVERALL
from oncorwe.analysis.describe import TREATMENT_VARIABLES
from oncorwe.analysis.summarize import DISEASE_CONTROL, OBJECTIVE
from oncorwe.derive.irecist_bor import IRECIST_DISEASE_CONTROL, IRECIST_RESPONDER
from oncorwe.privacy import exported
from oncorwe.privacy.exported import (
    CONTROL_CATEGORIES,
    EXPORTED_TABLES,
    OVERALL,
    PATIENT_LEVEL_TABLES,
    RESPONDER_CATEGORIES,
    SBRT,
    UndeclaredTableError,
    additivity_of,
    declared_table,
)
from oncorwe.privacy.suppression import suppress_tables
from oncorwe.report.specs import TableSpec


def resolve(dotted: str):
    """The object a dotted name stands for (module attribute)."""
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


@pytest.mark.parametrize("name", sorted(EXPORTED_TABLES))
def test_builder_and_display_exist(name):
    table = EXPORTED_TABLES[name]
    assert table.name == name
    assert callable(resolve(table.builder))
    display = resolve(table.display)
    if isinstance(display, tuple):  # a registry of specs: one of them shows this table
        assert [s.name for s in display if isinstance(s, TableSpec)].count(name) == 1
    else:
        assert callable(display)


def test_each_table_is_declared_once():
    names = [t.name for t in exported._TABLES]
    assert len(names) == len(set(names)) == len(EXPORTED_TABLES)


def test_patient_level_tables_have_no_sums():
    assert PATIENT_LEVEL_TABLES == ("waterfall", "swimmer")
    assert all(EXPORTED_TABLES[n].sums is None for n in PATIENT_LEVEL_TABLES)
    with pytest.raises(UndeclaredTableError, match="'swimmer' has one row per patient"):
        additivity_of("swimmer")


def test_an_undeclared_table_is_an_error_naming_it():
    with pytest.raises(UndeclaredTableError, match="table 'lesion_sizes' is not declared"):
        declared_table("lesion_sizes")
    tables = {"survival": pd.DataFrame({"n": [3], "events": [1]}), "lesion_sizes": pd.DataFrame()}
    with pytest.raises(UndeclaredTableError, match="lesion_sizes"):
        suppress_tables(tables, 5)


def test_every_table_the_demo_writes_is_declared(demo_output):
    written = sorted(p.stem for p in (demo_output / "tables").glob("*.csv"))
    assert {"os_at_risk", "pfs_at_risk", "failure_cif_at_risk", "methods", "checklist"} <= set(
        written
    )
    for name in written:
        assert declared_table(name).name in EXPORTED_TABLES
    assert (
        declared_table("os_at_risk") is declared_table("pfs_at_risk") is EXPORTED_TABLES["at_risk"]
    )
    assert additivity_of("methods").relations == additivity_of("checklist").relations == ()
    with pytest.raises(UndeclaredTableError, match="'at_risk_os' is not declared"):
        declared_table("at_risk_os")


def test_labels_agree_with_the_analysis():
    assert OVERALL == ANALYSIS_OVERALL
    assert RESPONDER_CATEGORIES == (*OBJECTIVE, *IRECIST_RESPONDER)
    stable = [c for c in DISEASE_CONTROL if c not in OBJECTIVE]
    stable += [c for c in IRECIST_DISEASE_CONTROL if c not in IRECIST_RESPONDER]
    assert CONTROL_CATEGORIES == tuple(stable)
    assert SBRT in {v.label for v in TREATMENT_VARIABLES}
