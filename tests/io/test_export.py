"""safe_cell / write_tables: formula injection neutralised in CSV and XLSX, data round-trips."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.io.export import safe_cell, safe_frame, write_tables
from oncorwe.io.sample import minimal_tables
from oncorwe.io.sources import read_source


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("1e-3", "1e-3"),
        ("Dermatitis radiation", "Dermatitis radiation"),
        ("", ""),
        (None, None),
        (42, 42),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_frame_covers_cells_and_headers():
    frame = pd.DataFrame({"=bad": pd.array(["=1+1", None, "ok"], dtype="string"), "n": [1, 2, 3]})
    safe = safe_frame(frame)
    assert list(safe.columns) == ["'=bad", "n"]
    assert safe["'=bad"].tolist()[0] == "'=1+1" and pd.isna(safe["'=bad"][1])
    assert safe["n"].tolist() == [1, 2, 3]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_written_files_hold_no_formula(tmp_path, fmt):
    tables = minimal_tables()
    tables["systemic_therapy"].loc[0, "agent"] = '=HYPERLINK("http://x","click")'
    dest = write_tables(tables, tmp_path / ("s.xlsx" if fmt == "xlsx" else "s"), fmt)
    if fmt == "xlsx":
        from openpyxl import load_workbook

        cell = load_workbook(dest)["systemic_therapy"]["B2"]
        assert cell.data_type == "s" and cell.value.startswith("'=")
    else:
        agent = pd.read_csv(dest / "systemic_therapy.csv", dtype=str)["agent"][0]
        assert agent.startswith("'=HYPERLINK")


def test_round_trip_without_neutralising(tmp_path):
    dest = write_tables(minimal_tables(), tmp_path / "s", "parquet")
    raw = read_source(dest)
    assert raw.tables["radiotherapy"]["total_dose_gy"].tolist() == ["40", "50", "45.5"]
