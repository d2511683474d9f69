"""StudyStore: one transaction per import, read-back dtypes, import log, idempotent re-import."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe import __version__
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore
from oncorwe.validate import validate_tables


@pytest.fixture
def imported(tmp_path):
    tables = minimal_tables()
    tables["patients"].loc[0, "sex"] = "X"  # P001 quarantined, with its rows
    source = read_source(write_tables(tables, tmp_path / "study"))
    return source, validate_tables(source), tmp_path / "study.duckdb"


def test_import_writes_every_part(imported):
    source, result, path = imported
    with StudyStore(path) as store:
        assert store.write_import(source, result) == 1
        accepted = store.accepted("patients")
        pd.testing.assert_frame_equal(accepted, result.accepted["patients"])
        assert store.quarantined("patients")["_rules"].tolist() == ["column.allowed"]
        assert len(store.raw("tumor_assessments")) == 4
        assert len(store.findings()) == len(result.findings)
        log = store.import_log()
    assert sorted(log["file"]) == sorted(f.name for f in source.files)
    patients = log.set_index("file").loc["patients.csv"]
    assert (patients.rows_read, patients.rows_accepted, patients.rows_quarantined) == (3, 2, 1)
    assert patients.oncorwe_version == __version__
    assert patients.sha256 == next(f.sha256 for f in source.files if f.name == "patients.csv")


def test_reimport_of_same_files_is_a_no_op(imported):
    source, result, path = imported
    with StudyStore(path) as store:
        assert store.write_import(source, result) == 1
        assert store.write_import(source, result) is None
        assert store.import_log()["import_id"].unique().tolist() == [1]


def test_failed_import_leaves_store_unchanged(imported, tmp_path):
    source, result, path = imported
    with StudyStore(path) as store:
        store.write_import(source, result)
    tables = minimal_tables()
    other = read_source(write_tables(tables, tmp_path / "other"))
    broken = validate_tables(other)
    broken.accepted["patients"] = object()  # not a frame: fails inside the transaction
    with StudyStore(path) as store:
        with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
            store.write_import(other, broken)
        assert store.import_log()["import_id"].unique().tolist() == [1]
        assert len(store.accepted("patients")) == 2
        assert len(store.quarantined("patients")) == 1


def test_second_import_replaces_tables(imported, tmp_path):
    source, result, path = imported
    clean = read_source(write_tables(minimal_tables(), tmp_path / "fixed"))
    with StudyStore(path) as store:
        store.write_import(source, result)
        assert store.write_import(clean, validate_tables(clean)) == 2
        assert len(store.accepted("patients")) == 3
        assert store.quarantined("patients").empty


def test_unknown_table_and_empty_store(tmp_path):
    from oncorwe.errors import InputError

    with StudyStore(tmp_path / "s.duckdb") as store:
        assert store.findings().empty
        with pytest.raises(InputError, match="nothing imported yet"):
            store.accepted("patients")


KILL_MID_IMPORT = """
import os, signal, sys
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore
from oncorwe.validate import validate_tables

source = read_source(sys.argv[2])
result = validate_tables(source)
store = StudyStore(sys.argv[1])
original = StudyStore._write
def write_then_die(self, schema, table, frame):
    original(self, schema, table, frame)
    if schema == "accepted":  # raw tables written, accepted started: die without cleanup
        os.kill(os.getpid(), signal.SIGKILL)
StudyStore._write = write_then_die
store.write_import(source, result)
"""


def _digest(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_import_leaves_store_byte_for_byte_unchanged(imported, tmp_path):
    import subprocess
    import sys

    source, result, path = imported
    with StudyStore(path) as store:
        store.write_import(source, result)
    before = _digest(path)
    other = write_tables(minimal_tables(), tmp_path / "other")
    run = subprocess.run(
        [sys.executable, "-c", KILL_MID_IMPORT, str(path), str(other)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == -9, run.stderr
    assert _digest(path) == before
    with StudyStore(path) as store:
        assert store.import_log()["import_id"].unique().tolist() == [1]
        assert len(store.quarantined("patients")) == 1
    assert _digest(path) == before


def test_failed_import_is_byte_for_byte(imported, tmp_path):
    source, result, path = imported
    with StudyStore(path) as store:
        store.write_import(source, result)
    before = _digest(path)
    other = read_source(write_tables(minimal_tables(), tmp_path / "other"))
    broken = validate_tables(other)
    broken.quarantined["patients"] = object()
    with StudyStore(path) as store:
        with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
            store.write_import(other, broken)
        assert store.write_import(source, result) is None  # same files again: no-op
    assert _digest(path) == before


def test_export_quarantine_with_findings(imported, tmp_path):
    source, result, path = imported
    with StudyStore(path) as store:
        store.write_import(source, result)
        out = store.export_quarantine(tmp_path / "q")
    patients = pd.read_csv(out / "patients.csv", dtype=str)
    assert patients["sex"].tolist() == ["X"] and patients["_rules"].tolist() == ["column.allowed"]
    findings = pd.read_csv(out / "findings.csv", dtype=str)
    row = patients["_row"][0]
    assert "column.allowed" in set(
        findings[(findings["table"] == "patients") & (findings["row"] == row)]["rule"]
    )


HOLD_STORE = """
import sys, time
from oncorwe.io.store import StudyStore
store = StudyStore(sys.argv[1])
print("ready", flush=True)
time.sleep(30)
"""


def test_second_process_gets_a_clear_error_while_the_store_is_busy(imported):
    import subprocess
    import sys

    from oncorwe.errors import InputError

    source, result, path = imported
    with StudyStore(path) as store:
        store.write_import(source, result)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_STORE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(InputError, match="no other program has open"):
            StudyStore(path, read_only=True)
    finally:
        holder.kill()
        holder.wait()
    with StudyStore(path, read_only=True) as store:  # free again
        assert len(store.accepted("patients")) == 2
