"""Validation in chunks (``oncorwe.intake.take_in``) gives exactly what validation in memory
(``validate_tables(read_source(...))``) gives on the seed twin: the same findings in the same
order, the same accepted and quarantined rows, the same reconciliation (``streamed_check``).

Every hostile input of ``test_hostile_inputs`` is compared the same way there, with chunks of
three rows, on the intake its ``oncorwe validate`` run makes. Both paths run the one set of rules
(``oncorwe.validate.streamed``): the intake stages the files and checks the values in chunks,
``validate_tables`` stages the DataFrames into an in-memory database; ``test_hostile_inputs``
and ``tests/validate`` hold the expected findings themselves.
"""

from __future__ import annotations

from oncorwe.intake import take_in
from oncorwe.synth import seed_twin_path
from streamed_check import assert_same_as_in_memory


def test_streamed_equals_in_memory_on_the_seed_twin(tmp_path):
    # chunks of 100 rows: every table of more than 100 rows (patients too) spans several chunks
    data, store, findings = seed_twin_path(), tmp_path / "store.duckdb", tmp_path / "validation.csv"
    intake = take_in(
        data, store_path=store, findings_path=findings, work_dir=tmp_path, chunk_rows=100
    )
    assert_same_as_in_memory(data, intake, None, store, findings)
