"""DuckDB reads a plain CSV file into the same chunks as the csv module; other files fall back."""

import sys

import duckdb
import pandas as pd
import pytest

from oncorwe.io import readers
from oncorwe.io.coerce import WHITESPACE
from oncorwe.io.csv_direct import direct_chunks, plain_lines, stage_direct

HEADER = "patient_id,term,grade\n"
PLAIN = HEADER + "P1,Fatigue,2\nP2, ,3\nP3,\u00a0\t,\nP4,Rash,1"


def _chunks(path, monkeypatch, direct: bool) -> tuple[pd.DataFrame, list]:
    if not direct:
        monkeypatch.setattr(readers, "direct_chunks", lambda *args: None)
    stream, _ = readers.stream_csv_file(path, "adverse_events", None, chunk_rows=2)
    frames = list(stream.chunks)
    return pd.concat(frames, ignore_index=True), stream.notes


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_plain_file_is_read_by_duckdb_with_the_csv_modules_rows(tmp_path, monkeypatch, newline):
    path = tmp_path / "adverse_events.csv"
    path.write_bytes(PLAIN.replace("\n", newline).encode())
    assert direct_chunks(path, ["patient_id", "term", "grade"], ",", 2) is not None
    fast, fast_notes = _chunks(path, monkeypatch, direct=True)
    slow, slow_notes = _chunks(path, monkeypatch, direct=False)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_notes == slow_notes == []
    # line numbers: the header is line 1; blank values (any whitespace) are missing
    assert fast["_row"].tolist() == [2, 3, 4, 5]
    assert fast["term"].isna().tolist() == [False, True, True, False]
    assert fast["grade"].tolist()[:2] == ["2", "3"]


@pytest.mark.parametrize(
    "body",
    [
        'P1,"Rash, mild",2\n',  # a quoted field
        "P1,Rash,2\n\nP2,Rash,3\n",  # a blank line (skipped, so numbers shift)
        "P1,Rash,2\r\n\r\nP2,Rash,3\r\n",  # a blank line with CR LF
        "P1,Rash\n",  # a ragged row (reported as structure.field_count)
        "P1,Rash,2,extra\n",
        ",,\nP2,Rash,3\n",  # an empty record (skipped and reported)
        "P1,Rash,2\rP2,Rash,3\r",  # old Mac line ends
        "P1,Rash,2\r\nP2,Rash,3\n",  # mixed line ends (DuckDB refuses them)
    ],
)
def test_other_files_fall_back_to_the_csv_module(tmp_path, monkeypatch, body):
    path = tmp_path / "adverse_events.csv"
    path.write_bytes((HEADER + body).encode())
    assert direct_chunks(path, ["patient_id", "term", "grade"], ",", 2) is None
    fast, fast_notes = _chunks(path, monkeypatch, direct=True)
    slow, slow_notes = _chunks(path, monkeypatch, direct=False)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_notes == slow_notes


def test_plain_lines_sees_a_blank_line_across_a_block_boundary(tmp_path, monkeypatch):
    monkeypatch.setattr("oncorwe.io.csv_direct.BLOCK_BYTES", 4)
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n\n3,4\n")
    assert not plain_lines(path)
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n")
    assert plain_lines(path)


def test_a_header_only_file_gives_one_empty_chunk(tmp_path, monkeypatch):
    path = tmp_path / "adverse_events.csv"
    path.write_bytes(HEADER.encode())
    fast, _ = _chunks(path, monkeypatch, direct=True)
    slow, _ = _chunks(path, monkeypatch, direct=False)
    pd.testing.assert_frame_equal(fast, slow)
    assert len(fast) == 0


@pytest.mark.parametrize("body", ["", ",,\nP2,Rash,3\n", 'P1,"Rash, mild",2\n'])
def test_staged_by_duckdb_as_the_csv_module_reads_it(tmp_path, monkeypatch, body):
    path = tmp_path / "adverse_events.csv"
    path.write_bytes((PLAIN + "\n" + body).encode())
    header = ["patient_id", "term", "grade"]
    con = duckdb.connect()
    staged = stage_direct(con, "raw", "adverse_events", path, header, ",")
    if body:  # an empty record or a quoted field: the csv module reads the file
        assert staged is None
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
        return
    slow, _ = _chunks(path, monkeypatch, direct=False)
    assert staged == len(slow) == 4
    fast = con.execute('SELECT * FROM raw."adverse_events" ORDER BY _row').df()
    assert list(fast.columns) == ["_row", *header]
    assert fast["_row"].tolist() == slow["_row"].tolist() == [2, 3, 4, 5]
    for column in header:
        assert fast[column].isna().tolist() == slow[column].isna().tolist()
        assert fast[column].dropna().tolist() == slow[column].dropna().tolist()


def test_whitespace_is_every_character_str_strip_removes():
    """The whitespace the SQL strips (``WHITESPACE``, scanned up to U+3000) is exactly the set of
    characters ``str.isspace`` names among all of Unicode."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert WHITESPACE == everything
