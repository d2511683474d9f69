"""oncorwe validate: exit codes 0/1/2, reconciliation lines, validation.csv, no traceback."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from oncorwe.cli import validate_cmd
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables


@pytest.fixture
def app():
    app = typer.Typer()
    validate_cmd.register(app)

    @app.command()
    def other() -> None:  # a second command keeps typer in multi-command mode
        pass

    return app


def _run(app, *args):
    result = CliRunner().invoke(app, ["validate", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def test_clean_data_exits_0(app, tmp_path):
    data = write_tables(minimal_tables(), tmp_path / "data")
    result = _run(app, data, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "patients: read 3 = accepted 3 + quarantined 0" in result.output
    findings = pd.read_csv(tmp_path / "out" / "validation.csv")
    assert list(findings.columns) == [
        "table",
        "row",
        "column",
        "value",
        "rule",
        "severity",
        "message",
    ]
    assert set(findings["severity"]) == {"warning"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["validation.csv"]


def test_quarantined_rows_exit_1(app, tmp_path):
    tables = minimal_tables()
    tables["patients"].loc[0, "sex"] = "=cmd|' /C calc'!A0"
    tables["radiotherapy"].loc[1, "total_dose_gy"] = "500"
    data = write_tables(tables, tmp_path / "data", neutralise=False)
    result = _run(app, data, "--out", tmp_path)
    assert result.exit_code == 1
    assert "patients: read 3 = accepted 2 + quarantined 1" in result.output
    assert "radiotherapy: read 3 = accepted 1 + quarantined 2" in result.output
    findings = pd.read_csv(tmp_path / "validation.csv")
    assert "radiotherapy.dose_range" in set(findings["rule"])
    # formula injection neutralised in the findings file
    assert findings.loc[findings["rule"] == "column.allowed", "value"].iloc[0].startswith("'=")


def test_strict_reports_first_error_class(app, tmp_path):
    tables = minimal_tables()
    tables["patients"].loc[0, "ecog"] = "x"
    tables["radiotherapy"].loc[1, "total_dose_gy"] = "500"
    data = write_tables(tables, tmp_path / "data")
    result = _run(app, data, "--strict", "--out", tmp_path)
    assert result.exit_code == 1
    assert set(pd.read_csv(tmp_path / "validation.csv")["rule"]) == {"column.type"}


@pytest.mark.parametrize(
    "breakage",
    ["empty", "binary", "missing_column", "missing_table", "bad_encoding_name", "no_path"],
)
def test_unreadable_input_exits_2_without_traceback(app, tmp_path, breakage):
    data = write_tables(minimal_tables(), tmp_path / "data")
    extra = []
    if breakage == "empty":
        (data / "patients.csv").write_bytes(b"")
    elif breakage == "binary":
        (data / "patients.csv").write_bytes(b"\x00\xff\x00\xfe" * 100)
    elif breakage == "missing_column":
        (data / "patients.csv").write_text("patient_id\nP001\n")
    elif breakage == "missing_table":
        (data / "adverse_events.csv").unlink()
    elif breakage == "bad_encoding_name":
        extra = ["--encoding", "no-such-codec"]
    else:
        data = tmp_path / "missing"
    result = _run(app, data, "--out", tmp_path / "out", *extra)
    assert result.exit_code == 2
    assert "Error:" in result.output
    assert not (tmp_path / "out" / "validation.csv").exists()
