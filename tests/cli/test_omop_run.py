"""``oncorwe run --omop``: a study read from an OMOP CDM, through the normal intake."""

from __future__ import annotations

import json

from conftest import results_only, run_cli
from oncorwe.synth import seed_twin_path
from oncorwe.synth.omop import write_omop_duckdb


def test_run_omop_duckdb_file(capsys, tmp_path):
    cdm = write_omop_duckdb(tmp_path / "cdm.duckdb")
    with results_only():  # the report is tested on the demo
        code, text = run_cli(capsys, "run", "--omop", str(cdm), "--out", str(tmp_path / "out"))
    assert code == 0, text
    # every patient of the seed twin is read and accepted (the reconciliation table's row)
    n = sum(1 for line in (seed_twin_path() / "patients.csv").read_text().splitlines()[1:] if line)
    cells = " ".join(text.replace("\u2502", " ").replace("\u2503", " ").split())
    assert f"patients {n} {n} 0" in cells
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["cohort"]["n"] == 108  # the demo's cohort, as from the contract-format twin
    assert "Cohort: 108 patients" in text


def test_run_needs_exactly_one_source(capsys, tmp_path):
    code, text = run_cli(capsys, "run", "--out", str(tmp_path))
    assert code == 2
    assert "either --data FOLDER or --omop SOURCE" in text


def test_run_omop_names_a_missing_file(capsys, tmp_path):
    missing = tmp_path / "none.duckdb"
    code, text = run_cli(capsys, "run", "--omop", str(missing), "--out", str(tmp_path / "out"))
    assert code == 2
    assert f"OMOP CDM {missing}: no such DuckDB file" in text
