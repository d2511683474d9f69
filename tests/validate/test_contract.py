"""Every range and requirement of the input contract is enforced: tests generated from
``oncorwe.io.schema``.

For each ranged column and each closed end, a value just outside the range quarantines the row under
the column's range rule, and the end itself (when included) does not. Each case is one row (a copy
of the table's first row with that value), so one validation per table checks them all. The cases
are read from the schema, so a column added there is tested here without a change to this file; the
committed data dictionary is generated from the same schema (tests/cli/test_template_cmd.py).
Each required column (and each condition under which a column is required) is tested the same
way: a copy of the first row without it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from oncorwe.io.sample import minimal_tables
from oncorwe.io.schema import TABLES, Column
from oncorwe.validate import validate_tables

DICTIONARY = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"
PATIENT = "P001"  # alive, diagnosed 2020-01-15, assessed on 2020-04-01 in the sample study
DAY = "2020-04-01"


def _number(col: Column, value: float) -> str:
    return str(int(value)) if col.type == "int" else f"{value:.10g}"


def _valid_text(col: Column) -> str | None:
    """A value of ``col`` that every rule accepts (for tables the sample study lacks)."""
    if col.name == "patient_id":
        return PATIENT
    if col.allowed:
        return col.allowed[0]
    if col.type in ("int", "num"):
        low = col.minimum if col.minimum is not None else 0.0
        high = col.maximum if col.maximum is not None else low + 2
        return _number(col, round((low + high) / 2))
    return {"date": DAY, "bool": "false"}.get(col.type, "x")


def _study(table: str) -> dict[str, pd.DataFrame]:
    """The valid sample study, with one generated valid row for a table it does not have."""
    tables = minimal_tables()
    if table not in tables:
        row = {c.name: _valid_text(c) for c in TABLES[table].columns}
        tables[table] = pd.DataFrame([row], dtype="string")
    return tables


def _step(col: Column) -> float:
    return 1.0 if col.type == "int" else 0.01


def _cases():
    """(table, column, value, outside) for both ends of every ranged column."""
    for table in TABLES.values():
        for col in table.columns:
            if col.minimum is not None:
                end = col.minimum
                if col.minimum_exclusive:
                    yield table.name, col, end, True
                    yield table.name, col, end + _step(col), False
                else:
                    yield table.name, col, end - _step(col), True
                    yield table.name, col, end, False
            if col.maximum is not None:
                yield table.name, col, col.maximum + _step(col), True
                yield table.name, col, col.maximum, False


CASES = [
    pytest.param(t, c, v, out, id=f"{t}.{c.name}={_number(c, v)}-{'out' if out else 'in'}")
    for t, c, v, out in _cases()
]


def test_the_contract_has_ranges_and_each_named_range_rule_is_one_column():
    ranged = [c for t in TABLES.values() for c in t.columns if c.has_range]
    assert len(ranged) >= 19
    named = [c.range_rule for c in ranged if c.range_rule]
    assert len(named) == len(set(named))
    fractions = TABLES["radiotherapy"].column("fractions")
    assert (fractions.minimum, fractions.maximum) == (1, 100)


def _dictionary_ranges() -> dict[tuple[str, str], str]:
    """(table, column) -> the range cell of every column of docs/data_dictionary.md that has one,
    read from the committed Markdown itself."""
    ranges, table, header = {}, None, []
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            table, header = line[3:].split()[0], []
        elif line.startswith("| column |"):
            header = [cell.strip() for cell in line.strip("|").split("|")]
        elif header and line.startswith("| ") and not line.startswith("|---"):
            row = dict(
                zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True)
            )
            if row["range"]:
                ranges[(table, row["column"])] = row["range"]
    return ranges


def test_every_range_of_the_data_dictionary_is_tested_just_outside_each_end():
    ranges = _dictionary_ranges()
    assert len(ranges) == sum(c.has_range for t in TABLES.values() for c in t.columns)
    tested = {(t, c.name, round(v, 6)) for t, c, v, outside in _cases() if outside}
    for (table, column), text in ranges.items():
        found = re.fullmatch(r"(>?)(-?[\d.]+)?\.\.(-?[\d.]+)?", text)
        assert found, f"{table}.{column}: range {text!r}"
        exclusive, low, high = found.groups()
        step = 1.0 if TABLES[table].column(column).type == "int" else 0.01
        if low is not None:
            just_outside = float(low) if exclusive else float(low) - step
            assert (table, column, round(just_outside, 6)) in tested, (table, column, text)
        if high is not None:
            assert (table, column, round(float(high) + step, 6)) in tested, (table, column, text)


@cache
def _validated(table: str):
    """One validation per table: the study plus one copy of the table's first row per case,
    carrying that case's value (row number = position + 1, as the first row's)."""
    tables = _study(table)
    frame = tables[table]
    mine = [(col, value) for t, col, value, _ in _cases() if t == table]
    copies = pd.concat([frame.iloc[[0]]] * len(mine), ignore_index=True)
    for position, (col, value) in enumerate(mine):
        if col.name not in copies.columns:
            copies[col.name] = pd.Series(pd.NA, index=copies.index, dtype="string")
        copies.loc[position, col.name] = _number(col, value)
    tables[table] = pd.concat([frame, copies], ignore_index=True)
    rows = {(c.name, v): len(frame) + 1 + i for i, (c, v) in enumerate(mine)}
    return validate_tables(tables), rows


@pytest.mark.parametrize(("table", "col", "value", "outside"), CASES)
def test_a_value_just_outside_a_range_is_quarantined(table, col, value, outside):
    result, rows = _validated(table)
    row = rows[(col.name, value)]
    rule_id = col.range_rule or "column.range"
    findings = result.findings
    hits = findings[
        (findings["table"] == table)
        & (findings["row"] == row)
        & findings["rule"].isin(["column.range", rule_id])
    ]
    if not outside:
        assert hits.empty, hits["message"].tolist()
        return
    assert hits["rule"].tolist() == [rule_id]
    hit = hits.iloc[0]
    assert hit["column"] == col.name and hit["value"] == _number(col, value)
    assert col.range_text in hit["message"] and f"{table} row {row}" in hit["message"]
    assert row in result.quarantined[table]["_row"].tolist()


def test_fractions_above_the_contract_maximum_are_quarantined():
    tables = minimal_tables()
    tables["radiotherapy"].loc[0, "fractions"] = "500"
    result = validate_tables(tables)
    rules = set(result.findings.loc[result.findings["column"] == "fractions", "rule"])
    assert rules == {"radiotherapy.fractions_range"}
    assert 1 in result.quarantined["radiotherapy"]["_row"].tolist()


def _requirement_cases():
    """(table, column, condition column, condition value) for every required column: always
    required ("yes", condition None) or required where another column has a value."""
    for table in TABLES.values():
        for col in table.columns:
            if col.required == "yes":
                yield table.name, col, None, None
            elif col.required_when is not None:
                for value in col.required_when.values:
                    yield table.name, col, col.required_when.column, value


REQUIRED = [
    pytest.param(t, c, w, v, id=f"{t}.{c.name}" + (f"-if-{w}={v}" if w else ""))
    for t, c, w, v in _requirement_cases()
]


@cache
def _validated_without(table: str):
    """One validation per table: the study plus one copy of the table's first row per
    requirement case, with that case's column missing (and its condition met)."""
    tables = _study(table)
    frame = tables[table]
    mine = [(col.name, when, value) for t, col, when, value in _requirement_cases() if t == table]
    copies = pd.concat([frame.iloc[[0]]] * len(mine), ignore_index=True)
    for position, (name, when, value) in enumerate(mine):
        if when is not None:
            copies.loc[position, when] = value
        copies.loc[position, name] = pd.NA
    tables[table] = pd.concat([frame, copies], ignore_index=True)
    rows = {case: len(frame) + 1 + i for i, case in enumerate(mine)}
    return validate_tables(tables), rows


@pytest.mark.parametrize(("table", "col", "when", "value"), REQUIRED)
def test_a_missing_required_value_is_quarantined(table, col, when, value):
    result, rows = _validated_without(table)
    row = rows[(col.name, when, value)]
    rule_id = "column.required" if when is None else col.required_when.rule
    findings = result.findings
    hits = findings[(findings["table"] == table) & (findings["rule"] == rule_id)]
    # the rows missing this column (this case's, and another condition's of the same column)
    # and only they are found; nothing else is missing in this case's row
    missing = sorted(r for (name, *_), r in rows.items() if name == col.name)
    assert row in missing
    assert hits.loc[hits["column"] == col.name, "row"].tolist() == missing
    assert hits.loc[hits["row"] == row, "column"].tolist() == [col.name]
    assert row in result.quarantined[table]["_row"].tolist()


def test_a_one_of_group_needs_one_of_its_columns():
    groups = {c.one_of for t in TABLES.values() for c in t.columns if c.one_of}
    assert ("age_at_index", "birth_date") in groups
    tables = minimal_tables()
    tables["patients"].loc[0, "age_at_index"] = pd.NA  # the sample study has no birth_date
    result = validate_tables(tables)
    rules = result.findings.loc[result.findings["row"] == 1, "rule"]
    assert "patients.age_or_birth_date" in set(rules)
