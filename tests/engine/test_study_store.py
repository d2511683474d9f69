"""The embedded engine over a study store works within a bounded memory and spills beyond it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from oncorwe.engine.study_store import MEMORY_LIMIT, store_engine


def small_store(folder: Path) -> Path:
    """A study store holding only an accepted ``patients`` table of three rows."""
    path = folder / "study.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA accepted")
        con.execute(
            "CREATE TABLE accepted.patients AS SELECT range AS _row, 'P' || range AS patient_id "
            "FROM range(3)"
        )
    return path


def setting(con, name: str) -> str:
    return con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_the_engine_has_a_memory_limit_and_a_spill_folder_of_its_own(tmp_path):
    with duckdb.connect(":memory:") as reference:
        reference.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        expected = setting(reference, "memory_limit")
    with store_engine(small_store(tmp_path)) as engine:
        assert setting(engine.connection, "memory_limit") == expected
        spill = Path(setting(engine.connection, "temp_directory"))
        assert spill.name.startswith("oncorwe-engine-")
        assert list(engine.query("SELECT patient_id FROM patients")["patient_id"]) == [
            "P0", "P1", "P2"
        ]  # fmt: skip


def test_a_table_larger_than_the_limit_spills_and_the_spill_is_removed(tmp_path):
    with store_engine(small_store(tmp_path), memory_limit="32MB") as engine:
        spill = Path(setting(engine.connection, "temp_directory"))
        # about 40 MB of text: more than the engine may hold in memory
        engine.execute(
            "CREATE TABLE big AS SELECT range AS i, md5(range::VARCHAR) || md5(range::VARCHAR) "
            "AS s FROM range(400000)"
        )
        n, distinct = engine.connection.execute(
            "SELECT count(*), count(DISTINCT s) FROM big"
        ).fetchone()
        assert (n, distinct) == (400_000, 400_000)
        assert spill.is_dir()  # the rows went to disk
    assert not spill.exists()  # DuckDB removed the folder when the engine closed
