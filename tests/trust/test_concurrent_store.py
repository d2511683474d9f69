"""Reading the study store while another process imports.

DuckDB lets one process open a database file for writing and then locks the file: while an
import runs, another process cannot open it at all, not even read-only. So a reader either gets
the clear InputError ("cannot be opened as a study store ... no other program has open") or,
between imports, a complete state: the tables of exactly the import the log says was last.
It never sees a partial import. The lock works both ways: while a reader has the file open,
an import gets the same InputError, so an importer retries (or waits for the reader).
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
import time
from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore, fingerprint
from oncorwe.synth import seed_twin_path
from oncorwe.validate import validate_tables

ROUNDS = 12
READER_PAUSE = 0.005  # between reads: the reader polls, it does not take a whole core


def _sources(folder: Path):
    """Two versions of the demo: all patients (A) and the first 40 (B)."""
    a = folder / "a"
    b = folder / "b"
    shutil.copytree(seed_twin_path(), a)
    shutil.copytree(seed_twin_path(), b)
    patients = pd.read_csv(b / "patients.csv", dtype=str, keep_default_na=False)
    patients.head(40).to_csv(b / "patients.csv", index=False)
    return a, b


def _writer(store: str, folders: list[str], done, writer_busy) -> None:
    loaded = [read_source(f) for f in folders]
    checked = [validate_tables(raw) for raw in loaded]
    busy, i = 0, 0
    try:
        while i < ROUNDS:
            try:  # a reader holding the file also locks the writer out: retry
                with StudyStore(store) as s:
                    s.write_import(loaded[i % 2], checked[i % 2])
            except InputError:
                busy += 1
                time.sleep(0.01)
                continue
            i += 1
            time.sleep(0.02)
    finally:
        writer_busy.value = busy
        done.set()


def test_reader_sees_a_whole_import_or_a_clear_error(tmp_path):
    a, b = _sources(tmp_path)
    expected = {}
    for folder in (a, b):
        raw = read_source(folder)
        expected[fingerprint(raw)] = len(validate_tables(raw).accepted["patients"])
    store = tmp_path / "study.duckdb"
    raw = read_source(a)
    with StudyStore(store) as s:  # a first complete state
        s.write_import(raw, validate_tables(raw))
    context = mp.get_context("spawn")
    done, writer_busy = context.Event(), context.Value("i", 0)
    args = (str(store), [str(a), str(b)], done, writer_busy)
    writer = context.Process(target=_writer, args=args)
    writer.start()
    outcomes = {"busy": 0, "complete": 0}
    deadline = time.monotonic() + 300
    while not done.is_set() and time.monotonic() < deadline:
        try:
            with StudyStore(store, read_only=True) as s:
                last = s.last_fingerprint()
                n = len(s.accepted("patients"))
                logged = s.import_log()
        except InputError as exc:
            assert "cannot be opened as a study store" in str(exc)
            outcomes["busy"] += 1
            time.sleep(READER_PAUSE)
            continue
        assert n == expected[last]  # the tables belong to the import the log names last
        assert logged["import_id"].is_monotonic_increasing
        outcomes["complete"] += 1
        time.sleep(READER_PAUSE)
    writer.join(120)
    assert writer.exitcode == 0
    assert outcomes["complete"] > 0 and sum(outcomes.values()) > ROUNDS
    with StudyStore(store, read_only=True) as s:
        # every import arrived (the first round repeats the initial import: a no-op)
        assert s.import_log()["import_id"].nunique() == ROUNDS
    print(outcomes, "writer retries:", writer_busy.value)
