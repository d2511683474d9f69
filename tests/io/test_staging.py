"""The staging database's memory: a limit within a floor and a ceiling, and an intake that
completes under a limit well below the default (DuckDB spills instead of failing)."""

from __future__ import annotations

import os

import pandas as pd

from oncorwe.intake import take_in
from oncorwe.io import staging
from oncorwe.synth import seed_twin_path

SMALL_LIMIT = "96MB"  # below the former fixed 128 MB and a quarter of the floor


def _megabytes(limit: str) -> int:
    return int(limit.removesuffix("MB"))


def test_memory_limit_is_a_share_of_the_machine_within_floor_and_ceiling(monkeypatch):
    gib = 1 << 30
    cases = {2 * gib: 384, 7 * gib: 448, 64 * gib: 512}  # 1/16: 128 -> floor, 448, 4096 -> cap
    for total, expected in cases.items():
        pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": total // 4096}
        monkeypatch.setattr(os, "sysconf", pages.__getitem__)
        assert _megabytes(staging.memory_limit()) == expected


def test_memory_limit_falls_back_to_the_floor(monkeypatch):
    def unknown(name):
        raise ValueError(name)

    monkeypatch.setattr(os, "sysconf", unknown)
    assert _megabytes(staging.memory_limit()) == staging.MEMORY_FLOOR_MB


def test_connect_sets_the_limit_and_a_spill_folder(tmp_path):
    con = staging.connect(tmp_path / "staging.duckdb", "100MB")
    try:
        (limit,) = con.execute("SELECT current_setting('memory_limit')").fetchone()
        (spill,) = con.execute("SELECT current_setting('temp_directory')").fetchone()
    finally:
        con.close()
    assert limit.replace(" ", "") in ("95.3MiB", "100.0MB")
    assert spill == str(tmp_path / "staging.duckdb.spill")


def test_intake_completes_under_a_small_memory_limit(tmp_path, monkeypatch):
    usual = take_in(seed_twin_path(), work_dir=tmp_path / "usual")
    monkeypatch.setattr(staging, "memory_limit", lambda: SMALL_LIMIT)
    small = take_in(
        seed_twin_path(), store_path=tmp_path / "study.duckdb", work_dir=tmp_path / "small"
    )
    pd.testing.assert_frame_equal(small.validation.reconciliation, usual.validation.reconciliation)
    assert (small.validation.n_findings, small.validation.n_errors) == (
        usual.validation.n_findings,
        usual.validation.n_errors,
    )
