"""StudyStore.write_staged (the import ``oncorwe run`` uses, from the staging database): one
transaction, idempotent, and a failed or killed import leaves the store byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from oncorwe.intake import take_in
from oncorwe.io import store as store_module
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables
from oncorwe.io.store import StudyStore


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def stored(tmp_path):
    tables = minimal_tables()
    tables["patients"].loc[0, "sex"] = "X"  # P001 quarantined, with its rows
    data = write_tables(tables, tmp_path / "study")
    path = tmp_path / "study.duckdb"
    take_in(data, store_path=path)
    other = write_tables(minimal_tables(), tmp_path / "other")  # clean: 3 patients accepted
    return data, other, path


def test_staged_import_writes_every_part(stored):
    _data, _other, path = stored
    with StudyStore(path, read_only=True) as store:
        assert len(store.accepted("patients")) == 2
        assert store.quarantined("patients")["_rules"].tolist() == ["column.allowed"]
        assert len(store.raw("tumor_assessments")) == 4
        log = store.import_log()
    row = log.set_index("file").loc["patients.csv"]
    assert (row.rows_read, row.rows_accepted, row.rows_quarantined) == (3, 2, 1)


def test_same_files_again_change_nothing(stored):
    data, _other, path = stored
    before = _digest(path)
    take_in(data, store_path=path)
    assert _digest(path) == before
    with StudyStore(path, read_only=True) as store:
        assert store.import_log()["import_id"].unique().tolist() == [1]


def test_failed_staged_import_is_rolled_back_byte_for_byte(stored, monkeypatch):
    _data, other, path = stored
    before = _digest(path)
    tables = store_module._staged_tables

    def fail_on_quarantine(con, schema):
        if schema == "quarantine":  # raw and accepted already copied in the transaction
            raise RuntimeError("disk full")
        return tables(con, schema)

    monkeypatch.setattr(store_module, "_staged_tables", fail_on_quarantine)
    with pytest.raises(RuntimeError, match="disk full"):
        take_in(other, store_path=path)
    assert _digest(path) == before
    with StudyStore(path, read_only=True) as store:
        assert store.import_log()["import_id"].unique().tolist() == [1]
        assert len(store.accepted("patients")) == 2


KILL_MID_IMPORT = """
import os, signal, sys
from oncorwe.intake import take_in
from oncorwe.io import store

tables = store._staged_tables
def copy_then_die(con, schema):
    if schema == "accepted":  # raw tables copied, accepted next: die without any cleanup
        os.kill(os.getpid(), signal.SIGKILL)
    return tables(con, schema)
store._staged_tables = copy_then_die
take_in(sys.argv[2], store_path=sys.argv[1])
"""


def test_killed_staged_import_leaves_store_byte_for_byte(stored):
    _data, other, path = stored
    before = _digest(path)
    run = subprocess.run(
        [sys.executable, "-c", KILL_MID_IMPORT, str(path), str(other)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == -9, run.stderr
    assert _digest(path) == before
    with StudyStore(path, read_only=True) as store:
        assert store.import_log()["import_id"].unique().tolist() == [1]
        assert len(store.quarantined("patients")) == 1
    assert _digest(path) == before
