"""Validation in chunks (``oncorwe.intake.take_in``) gives exactly what validation in memory
(``validate_tables(read_source(...))``) gives: the same findings in the same order, the same
accepted and quarantined rows, the same reconciliation, the same error for unreadable input.

Every hostile input of ``test_hostile_inputs`` and the seed twin run through both, with chunks of
three rows, so that every chunk boundary, duplicate across chunks and cross-table rule is hit.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_hostile_inputs import CASES

from oncorwe.errors import OncorweError
from oncorwe.intake import take_in
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore
from oncorwe.synth import seed_twin_path
from oncorwe.validate import validate_tables

CHUNK = 3
BIG_CHUNK = {"20 000 rows": 1_500}  # still 14 chunks, at a fraction of the time


def _options(options: list[str]) -> dict:
    pairs = dict(zip(options[::2], options[1::2], strict=False))
    return {"encoding": pairs.get("--encoding"), "synonyms": pairs.get("--synonyms")}


def _in_memory(data, encoding, synonyms):
    try:
        return validate_tables(read_source(data, encoding=encoding), synonyms=synonyms), None
    except OncorweError as exc:
        return None, str(exc)


def _streamed(data, tmp_path, encoding, synonyms, chunk_rows):
    store = tmp_path / "store.duckdb"
    try:
        intake = take_in(
            data,
            store_path=store,
            findings_path=tmp_path / "validation.csv",
            encoding=encoding,
            synonyms=synonyms,
            work_dir=tmp_path,
            chunk_rows=chunk_rows,
        )
    except OncorweError as exc:
        return None, None, str(exc)
    with StudyStore(store, read_only=True) as s:
        tables = {
            "findings": pd.concat(list(s.findings_chunks()), ignore_index=True),
            "accepted": {t: s.accepted(t) for t in s.table_names("accepted")},
            "quarantined": {t: s.quarantined(t) for t in s.table_names("quarantine")},
        }
    return intake, tables, None


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(str).reset_index(drop=True)


def assert_same(data, tmp_path, encoding=None, synonyms=None, chunk_rows=CHUNK):
    memory, memory_error = _in_memory(data, encoding, synonyms)
    intake, stored, stream_error = _streamed(data, tmp_path, encoding, synonyms, chunk_rows)
    assert stream_error == memory_error
    if memory is None:
        return
    pd.testing.assert_frame_equal(_text(stored["findings"]), _text(memory.findings))
    pd.testing.assert_frame_equal(intake.validation.reconciliation, memory.reconciliation)
    assert list(stored["accepted"]) == sorted(memory.accepted)
    for name, frame in memory.accepted.items():
        pd.testing.assert_frame_equal(stored["accepted"][name], frame, obj=f"accepted {name}")
    for name, frame in memory.quarantined.items():
        pd.testing.assert_frame_equal(stored["quarantined"][name], frame, obj=f"quarantine {name}")
    written = pd.read_csv(tmp_path / "validation.csv", dtype=str, keep_default_na=False)
    assert len(written) == len(memory.findings) == intake.validation.n_findings
    assert intake.validation.ok == memory.ok


@pytest.mark.parametrize("name", list(CASES))
def test_streamed_equals_in_memory_on_hostile_input(tmp_path, name):
    build, _code, _expected, options = CASES[name]
    (tmp_path / "in").mkdir()
    data = build(tmp_path / "in")
    assert_same(data, tmp_path, **_options(options), chunk_rows=BIG_CHUNK.get(name, CHUNK))


def test_streamed_equals_in_memory_on_the_seed_twin(tmp_path):
    # chunks of 100 rows: every table of more than 100 rows (patients too) spans several chunks
    assert_same(seed_twin_path(), tmp_path, chunk_rows=100)
