"""oncorwe quarantine: the quarantined rows with their findings, ready to correct, formulas
neutralised; clear errors, never a traceback."""

from __future__ import annotations

import pandas as pd
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from oncorwe.cli import quarantine_cmd
from oncorwe.intake import take_in
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables

INJECTION = "=cmd|' /C calc'!A0"


def _app():
    app = typer.Typer()
    quarantine_cmd.register(app)

    @app.command()
    def other() -> None:
        pass

    return app


def _store(tmp_path):
    tables = minimal_tables()
    tables["adverse_events"].loc[2, ["term", "grade"]] = [INJECTION, "9"]  # P002: grade 9
    tables["patients"].loc[0, "sex"] = "X"  # P001 quarantined, and its rows with it
    store = tmp_path / "study.duckdb"
    take_in(write_tables(tables, tmp_path / "data", neutralise=False), store_path=store)
    return store


def test_quarantined_rows_and_findings_as_csv(tmp_path):
    store = _store(tmp_path)
    run = CliRunner().invoke(_app(), ["quarantine", str(store), "--out", str(tmp_path / "fix")])
    assert run.exit_code == 0, run.output
    assert "patients: 1 quarantined row(s)" in run.output
    patients = pd.read_csv(tmp_path / "fix" / "patients.csv", dtype=str)
    assert patients[["patient_id", "sex", "_row", "_rules"]].values.tolist() == [
        ["P001", "X", "2", "column.allowed"]
    ]
    events = pd.read_csv(tmp_path / "fix" / "adverse_events.csv", dtype=str)
    # P001's event (cascade) and P002's grade-9 event, whose formula-like term is neutralised
    assert events["_rules"].tolist() == ["cross.patient_quarantined", "adverse_events.grade_range"]
    assert events["term"].tolist()[1] == "'" + INJECTION
    findings = pd.read_csv(tmp_path / "fix" / "findings.csv", dtype=str)
    grade = findings[findings["rule"] == "adverse_events.grade_range"]
    assert grade[["table", "row", "column", "value"]].values.tolist() == [
        ["adverse_events", "4", "grade", "9"]
    ]


def test_xlsx_workbook(tmp_path):
    store = _store(tmp_path)
    book = tmp_path / "fix.xlsx"
    run = CliRunner().invoke(
        _app(), ["quarantine", str(store), "--out", str(book), "--format", "xlsx"]
    )
    assert run.exit_code == 0, run.output
    sheets = load_workbook(book).sheetnames
    assert {"patients", "adverse_events", "findings"} <= set(sheets)


def test_errors_are_one_paragraph(tmp_path):
    run = CliRunner().invoke(_app(), ["quarantine", str(tmp_path / "none.duckdb"), "--out", "x"])
    assert run.exit_code == 2
    assert "is not a study store" in " ".join(run.output.split())
    store = _store(tmp_path)
    run = CliRunner().invoke(_app(), ["quarantine", str(store), "--out", "x", "--format", "pdf"])
    assert run.exit_code == 2
    assert "--format must be csv or xlsx" in run.output
    assert "Traceback" not in run.output
