"""Exit codes and messages of the CLI: 0 clean, 1 quarantined rows, 2 unreadable; no traceback."""

import shutil

import pytest

from conftest import results_only, run_cli
from oncorwe.synth import seed_twin_path


@pytest.fixture()
def twin_copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(seed_twin_path(), folder)
    return folder


def test_validate_clean_data_exits_0(capsys, twin_copy, tmp_path):
    code, text = run_cli(capsys, "validate", str(twin_copy), "--out", str(tmp_path))
    assert code == 0
    n = sum(1 for line in (twin_copy / "patients.csv").read_text().splitlines()[1:] if line)
    assert f"patients: read {n} = accepted {n} + quarantined 0" in text


def test_validate_quarantine_exits_1_and_names_the_problem(capsys, twin_copy, tmp_path):
    rt = twin_copy / "radiotherapy.csv"
    lines = rt.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("fractions")] = "0"  # rule: fractions >= 1
    lines[1] = ",".join(cells)
    rt.write_text("\n".join(lines) + "\n")
    code, text = run_cli(capsys, "validate", str(twin_copy), "--out", str(tmp_path))
    assert code == 1
    n = len([line for line in lines[1:] if line and not line.startswith("#")])
    assert f"radiotherapy: read {n} = accepted {n - 1} + quarantined 1" in text
    findings = (tmp_path / "validation.csv").read_text()
    assert "radiotherapy" in findings and "fractions" in findings


@pytest.mark.parametrize("command", ["validate", "run"])
def test_missing_input_exits_2(capsys, tmp_path, command):
    args = (
        [command, str(tmp_path / "nope")]
        if command == "validate"
        else [command, "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )
    code, text = run_cli(capsys, *args)
    assert code == 2
    assert "does not exist" in text


def test_missing_required_column_exits_2(capsys, twin_copy, tmp_path):
    (twin_copy / "patients.csv").write_text("patient_id,sex\nA,M\n")
    code, text = run_cli(capsys, "run", "--data", str(twin_copy), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "patients" in text


def test_bad_protocol_exits_2(capsys, twin_copy, tmp_path):
    code, text = run_cli(
        capsys, "run", "--data", str(twin_copy), "--out", str(tmp_path), "--protocol", "nope"
    )
    assert code == 2
    assert "neither a built-in protocol" in text


def test_unknown_command_exits_2(capsys):
    code, _ = run_cli(capsys, "bogus")
    assert code == 2


def test_protocols_lists_builtin(capsys):
    code, text = run_cli(capsys, "protocols")
    assert code == 0 and "hcc-rt-ici" in text
    code, text = run_cli(capsys, "protocols", "hcc-rt-ici")
    assert code == 0 and "concurrency_days_before_rt" in text


def test_run_reports_derivation_findings(capsys, twin_copy, tmp_path):
    ae = twin_copy / "adverse_events.csv"
    lines = ae.read_text().splitlines()
    header = lines[0].split(",")
    at = next(i for i, line in enumerate(lines) if line.startswith("SYN-060,"))  # in the cohort
    cells = lines[at].split(",")
    cells[header.index("term")] = "Radiation skin thing"  # not a CTCAE v5.0 term
    lines[at] = ",".join(cells)
    ae.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    with results_only():  # the report is tested on the demo
        code, _ = run_cli(capsys, "run", "--data", str(twin_copy), "--out", str(out))
    assert code == 0
    found = (out / "validation.csv").read_text()
    assert "ae.term_unknown" in found and "Radiation skin thing" in found
