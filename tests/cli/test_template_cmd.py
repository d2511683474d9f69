"""oncorwe template: header-only CSVs and the data dictionary; never overwrites data."""

from __future__ import annotations

import pandas as pd
import typer
from typer.testing import CliRunner

from oncorwe.cli import template_cmd
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import read_source
from oncorwe.validate import RULES, validate_tables


def _app():
    app = typer.Typer()
    template_cmd.register(app)

    @app.command()
    def other() -> None:
        pass

    return app


def test_templates_and_dictionary(tmp_path):
    out = tmp_path / "t"
    result = CliRunner().invoke(_app(), ["template", str(out)])
    assert result.exit_code == 0, result.output
    for name, table in TABLES.items():
        header = (out / f"{name}.csv").read_text().strip().split(",")
        assert header == list(table.column_names)
    dictionary = pd.read_csv(out / "data_dictionary.csv", keep_default_na=False)
    assert len(dictionary) == sum(len(t.columns) for t in TABLES.values())
    assert list(dictionary.columns) == [
        "table",
        "column",
        "type",
        "required",
        "allowed_values",
        "partial_date_allowed",
        "range",
        "description",
    ]
    sex = dictionary[(dictionary["table"] == "patients") & (dictionary["column"] == "sex")]
    assert sex["allowed_values"].item() == "M, F"
    markdown = (out / "data_dictionary.md").read_text()
    assert all(rule_id in markdown for rule_id in RULES)
    # the empty templates are a valid (empty) study
    result = validate_tables(read_source(out))
    assert result.ok and result.reconciliation["read"].sum() == 0


def test_template_refuses_to_overwrite(tmp_path):
    (tmp_path / "patients.csv").write_text("my data")
    result = CliRunner().invoke(_app(), ["template", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (tmp_path / "patients.csv").read_text() == "my data"


def test_committed_data_dictionary_is_current():
    from pathlib import Path

    from oncorwe.validate.dictionary import data_dictionary_markdown

    committed = Path(__file__).parents[2] / "docs" / "data_dictionary.md"
    assert committed.read_text(encoding="utf-8") == data_dictionary_markdown()
