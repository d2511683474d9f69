"""With SOURCE_DATE_EPOCH set, two demo runs write byte-identical files.

Every file of ``oncorwe demo`` is compared by SHA-256: HTML, PNG, SVG and PDF figures, the
Chromium-printed report.pdf (when Chromium is installed), DOCX and XLSX packages, CSV, JSON,
Parquet, and the DuckDB study store: its import log takes its time from SOURCE_DATE_EPOCH and
its random database identifier is replaced by one derived from the epoch
(``oncorwe.io.store.make_store_reproducible``); its content is compared as well.
"""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from conftest import DEMO_EPOCH
from oncorwe.report.reproducible import (
    ZIP_EPOCH,
    normalize_ooxml,
    normalize_pdf,
    renumber_pdf_node_ids,
    source_date_epoch,
    zip_time,
)

EPOCH = DEMO_EPOCH  # 2023-11-14 22:13:20 UTC, as the shared demo run (conftest)
NOT_REPRODUCIBLE: set[str] = set()


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in NOT_REPRODUCIBLE
    }


def _store_content(path: Path) -> dict[str, list]:
    """Every table's rows, without timestamp columns (the import log records when it ran)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL"
        ).fetchall()
        content = {}
        for schema, name in tables:
            described = con.execute(f'DESCRIBE "{schema}"."{name}"').fetchall()
            keep = [f'"{c[0]}"' for c in described if "TIMESTAMP" not in str(c[1]).upper()]
            query = f'SELECT {", ".join(keep)} FROM "{schema}"."{name}" ORDER BY ALL'
            content[f"{schema}.{name}"] = con.execute(query).fetchall()
    return content


@pytest.fixture(scope="module")
def two_runs(demo_output, second_demo_output):
    """The shared demo run and a second run, both made with SOURCE_DATE_EPOCH = EPOCH (the
    second in another process where networking can be denied: ``tests/trust/test_offline.py``)."""
    return [demo_output, second_demo_output[0]]


def test_every_file_byte_identical(two_runs):
    first, second = (_hashes(f) for f in two_runs)
    assert first.keys() == second.keys()
    differ = sorted(name for name in first if first[name] != second[name])
    assert differ == []
    kinds = {Path(name).suffix for name in first}
    assert {".html", ".png", ".svg", ".pdf", ".docx", ".xlsx", ".csv", ".json"} <= kinds
    assert "study.duckdb" in first
    assert len(first) > 60


def test_duckdb_store_same_content(two_runs):
    first, second = (_store_content(f / "study.duckdb") for f in two_runs)
    assert first == second


def test_documents_carry_the_epoch(two_runs):
    out = two_runs[0]
    with zipfile.ZipFile(out / "report.docx") as package:
        assert {i.date_time for i in package.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        core = package.read("docProps/core.xml").decode()
    assert core.count("2023-11-14T22:13:20Z") == 2
    if (out / "report.pdf").exists():
        data = (out / "report.pdf").read_bytes()
        assert data.count(b"(D:20231114221320+00'00')") == 2


def test_source_date_epoch_parsing(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch() is None and zip_time() == ZIP_EPOCH
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert source_date_epoch() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert zip_time() == (1980, 1, 1, 0, 0, 0)  # clamped to the first ZIP date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="integer number of seconds"):
        source_date_epoch()


def test_zip_entries_fixed_without_epoch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("docProps/core.xml", b"<x><dcterms:created a='1'>2020-01-01T00:00:00Z"
                         b"</dcterms:created></x>")  # fmt: skip
        package.writestr("xl/workbook.xml", b"<workbook/>")
    normalize_ooxml(path)
    with zipfile.ZipFile(path) as package:
        assert [i.date_time for i in package.infolist()] == [ZIP_EPOCH, ZIP_EPOCH]
        assert package.namelist() == ["docProps/core.xml", "xl/workbook.xml"]
        assert b"2020-01-01" not in package.read("docProps/core.xml")  # now: the write time


def test_pdf_rewrite_keeps_every_offset(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    body = (b"%PDF-1.4\n1 0 obj\n<</CreationDate (D:20261127111116+00'00')\n"
            b"/ModDate (D:20261127111116+00'00')>>\nendobj\n"
            b"2 0 obj\n<</ID (node00000493)>>\nendobj\n3 0 obj\n<</ID (node00000077)>>\nendobj\n"
            b"4 0 obj\n<</Names [(node00000077) 3 0 R (node00000493) 2 0 R]>>\n")  # fmt: skip
    path = tmp_path / "r.pdf"
    path.write_bytes(body)
    normalize_pdf(path)
    data = path.read_bytes()
    assert len(data) == len(body)
    assert data.count(b"(D:20231114221320+00'00')") == 2
    assert b"[(node00000001) 3 0 R (node00000002) 2 0 R]" in data  # order kept, still sorted
    assert renumber_pdf_node_ids(data) == data


def test_pdf_date_of_another_form_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    path = tmp_path / "r.pdf"
    path.write_bytes(b"<</CreationDate (D:20261127)>>")
    with pytest.warns(UserWarning, match="not reproducible"):
        normalize_pdf(path)
    assert path.read_bytes() == b"<</CreationDate (D:20261127)>>"
