"""Validation in chunks (``oncorwe.intake.take_in``) compared with validation in memory
(``validate_tables(read_source(...))``): the same findings in the same order, the same accepted
and quarantined rows, the same reconciliation, the same error for unreadable input.

``tests/robustness/test_hostile_inputs.py`` compares the two on every hostile input, on the very
intake its ``oncorwe validate`` run makes (``chunked_intake``), so each input is taken in once;
``tests/robustness/test_streamed_equivalence.py`` compares them on the seed twin.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from oncorwe.errors import OncorweError
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore
from oncorwe.validate import validate_tables

CHUNK = 3
"""Rows per chunk: every chunk boundary, duplicate across chunks and cross-table rule is hit."""

VALUE_CHUNK = 40
"""Distinct values per chunk of the value rules in a chunked intake. Each distinct value is
checked on its own, whatever its neighbours in the chunk; the sample study's looked-up columns
hold 88 distinct values, so its values still span three chunks, at a tenth of the
chunks (each chunk costs a fixed ~0.1 s of CPU). ``tests/io/test_intake_streaming.py`` checks
that the value rules see at most ``chunk_rows`` values at a time, and
``tests/robustness/test_streamed_equivalence.py`` compares the seed twin's intake with its
values in chunks of 100 (many chunks) to validation in memory."""


@dataclass
class Intake:
    """What one ``take_in`` call gave: its result or its error, and where it kept its store."""

    store: Path
    called: bool = False
    result: object = None
    error: str | None = None
    options: dict = field(default_factory=dict)


def chunked_intake(
    monkeypatch: pytest.MonkeyPatch, folder: Path, chunk_rows: int, value_chunk_rows: int
) -> Intake:
    """Have ``oncorwe validate`` take its study in with chunks of ``chunk_rows`` rows (the value
    rules with chunks of ``value_chunk_rows`` distinct values) and keep the study store in
    ``folder``; return the record of that intake."""
    from oncorwe import intake
    from oncorwe.validate import streamed

    real_lookups = streamed.build_lookups
    signature = inspect.signature(real_lookups)
    assert "chunk_rows" in signature.parameters, signature

    def build_lookups(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.arguments["chunk_rows"] = value_chunk_rows
        return real_lookups(*bound.args, **bound.kwargs)

    monkeypatch.setattr(streamed, "build_lookups", build_lookups)
    real = intake.take_in
    record = Intake(store=folder / "store.duckdb")

    def take_in(data, **options):
        record.called, record.options = True, options
        try:
            record.result = real(
                data, store_path=record.store, work_dir=folder, chunk_rows=chunk_rows, **options
            )
        except OncorweError as exc:
            record.error = str(exc)
            raise
        return record.result

    monkeypatch.setattr(intake, "take_in", take_in)
    return record


def in_memory(data, encoding=None, synonyms=None):
    """``validate_tables(read_source(data))``, or the error it raises."""
    try:
        return validate_tables(read_source(data, encoding=encoding), synonyms=synonyms), None
    except OncorweError as exc:
        return None, str(exc)


def stored_tables(store: Path) -> dict:
    """The findings, accepted and quarantined tables of a study store."""
    with StudyStore(store, read_only=True) as s:
        return {
            "findings": pd.concat(list(s.findings_chunks()), ignore_index=True),
            "accepted": {t: s.accepted(t) for t in s.table_names("accepted")},
            "quarantined": {t: s.quarantined(t) for t in s.table_names("quarantine")},
        }


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(str).reset_index(drop=True)


def assert_same_as_in_memory(
    data, intake, stream_error, store: Path, findings_csv: Path, encoding=None, synonyms=None
) -> None:
    """Assert that a streamed intake (its result or error, its store and its validation.csv)
    equals validation in memory."""
    memory, memory_error = in_memory(data, encoding, synonyms)
    assert stream_error == memory_error
    if memory is None:
        return
    stored = stored_tables(store)
    pd.testing.assert_frame_equal(_text(stored["findings"]), _text(memory.findings))
    pd.testing.assert_frame_equal(intake.validation.reconciliation, memory.reconciliation)
    assert list(stored["accepted"]) == sorted(memory.accepted)
    for name, frame in memory.accepted.items():
        pd.testing.assert_frame_equal(stored["accepted"][name], frame, obj=f"accepted {name}")
    for name, frame in memory.quarantined.items():
        pd.testing.assert_frame_equal(stored["quarantined"][name], frame, obj=f"quarantine {name}")
    written = pd.read_csv(findings_csv, dtype=str, keep_default_na=False)
    assert len(written) == len(memory.findings) == intake.validation.n_findings
    assert intake.validation.ok == memory.ok
