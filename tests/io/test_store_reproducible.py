"""The study store file is byte-reproducible under SOURCE_DATE_EPOCH, and never damaged."""

import subprocess
import sys

import pytest

from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore, _header_checksum, make_store_reproducible
from oncorwe.validate import validate_tables


@pytest.fixture
def source(tmp_path):
    return read_source(write_tables(minimal_tables(), tmp_path / "study"))


def _write(path, source):
    with StudyStore(path) as store:
        store.write_import(source, validate_tables(source))


WRITE_ONE = """
import sys
from oncorwe.io.sources import read_source
from oncorwe.io.store import StudyStore, make_store_reproducible
from oncorwe.validate import validate_tables
source = read_source(sys.argv[1])
with StudyStore(sys.argv[2]) as store:
    store.write_import(source, validate_tables(source))
sys.exit(0 if make_store_reproducible(sys.argv[2]) else 1)
"""


def test_two_imports_identical_bytes(tmp_path, monkeypatch, source):
    # one process per import, as two runs of oncorwe are; the same file name, as DuckDB writes
    # the database name (the file's stem) into its catalog
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a, b = tmp_path / "a" / "study.duckdb", tmp_path / "b" / "study.duckdb"
    for path in (a, b):
        path.parent.mkdir()
        run = subprocess.run([sys.executable, "-c", WRITE_ONE, str(source.path), str(path)])
        assert run.returncode == 0
    assert a.read_bytes() == b.read_bytes()
    header = a.read_bytes()[:4096]
    assert int.from_bytes(header[:8], "little") == _header_checksum(header)


def test_untouched_without_epoch_or_valid_header(tmp_path, monkeypatch, source):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    path = tmp_path / "s.duckdb"
    _write(path, source)
    before = path.read_bytes()
    assert make_store_reproducible(path) is False
    assert path.read_bytes() == before
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a duckdb file" * 300)
    assert make_store_reproducible(broken) is False
    assert broken.read_bytes() == b"not a duckdb file" * 300
