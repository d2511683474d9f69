"""Property-based fuzzing (hypothesis) of the CSV reader and the validator: whatever the bytes or
values, the result is an InputError or a validation whose counts reconcile."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncorwe.errors import InputError
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables
from oncorwe.io.sources import read_source
from oncorwe.validate import validate_tables

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "NA",
            "=cmd|' /C calc'!A0",
            "\x00",
            "{0}",
            "2020-02-30",
            "1e400",
            "-0",
            "９",
            "Ⅳ",
            "\u200b",
            "M\u0301",
            "nan",
            "inf",
            "44377",
            "2020年1月",
            ";;",
            '"',
        ]
    ),
)
# each example reads and validates every contract table (about 0.4 s of CPU): 12 examples per
# property in every run, hypothesis' database keeping and replaying any failing one
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _reconciles(result) -> None:
    rec = result.reconciliation
    assert (rec["read"] == rec["accepted"] + rec["quarantined"]).all()
    for row in rec.itertuples():
        assert len(result.accepted[row.table]) + len(result.quarantined[row.table]) == row.read


@FUZZ
@given(
    table=st.sampled_from(["patients", "radiotherapy", "adverse_events", "tumor_assessments"]),
    cells=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 20), HOSTILE_TEXT), max_size=8),
)
def test_random_values_always_reconcile(table, cells):
    tables = minimal_tables()
    frame = tables[table]
    for row, col, value in cells:
        frame.iloc[row, col % frame.shape[1]] = value
    _reconciles(validate_tables(tables))


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_a_csv_file(tmp_path_factory, data):
    folder = write_tables(minimal_tables(), tmp_path_factory.mktemp("fuzz"))
    (folder / "radiotherapy.csv").write_bytes(data)
    try:
        raw = read_source(folder)
    except InputError as exc:
        assert str(exc)
        return
    _reconciles(validate_tables(raw))


@FUZZ
@given(
    lines=st.lists(st.text(alphabet=st.sampled_from('ab,;"\n\r\t 1-'), max_size=30), max_size=10)
)
def test_random_csv_lines_after_a_valid_header(tmp_path_factory, lines):
    folder = write_tables(minimal_tables(), tmp_path_factory.mktemp("fuzz"))
    header = (folder / "adverse_events.csv").read_text().split("\n")[0]
    (folder / "adverse_events.csv").write_text(header + "\n" + "\n".join(lines))
    try:
        raw = read_source(folder)
    except InputError:
        return
    result = validate_tables(raw)
    _reconciles(result)
    assert isinstance(result.findings, pd.DataFrame)
