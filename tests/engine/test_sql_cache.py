"""Compiled SQL is remembered per whole expression: same SQL as compiling, a new key for any
change that changes the SQL, and no cache for what the key cannot describe."""

from __future__ import annotations

import datetime

import ibis
import pytest

from oncorwe.engine import sql_cache
from oncorwe.engine.connect import to_sql


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(sql_cache.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(sql_cache, "_remembered", {})
    return tmp_path / "sql"


def _patients(nullable: bool = True):
    schema = {"patient_id": "string", "death_date": "date", "age": "int64"}
    if not nullable:
        schema["age"] = "!int64"
    return ibis.table(schema, name="patients")


def _older(limit=70, nullable=True, name="patients"):
    t = _patients(nullable)
    if name != "patients":
        t = ibis.table(t.schema(), name=name)
    return t.filter(t.age >= limit).group_by("patient_id").agg(n=t.age.count()).order_by("n")


def _compiled(expression, dialect="duckdb"):
    return str(ibis.to_sql(expression, dialect=dialect))


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "pyspark"])
def test_same_sql_as_compiling_in_memory_and_from_disk(cache_dir, monkeypatch, dialect):
    expression = _older()
    first = to_sql(expression, dialect)
    assert first == _compiled(expression, dialect)
    assert len(list(cache_dir.rglob("*.sql"))) == 1
    monkeypatch.setattr(sql_cache, "_remembered", {})  # a later process: read from disk
    calls = []
    text = sql_cache.cached_sql(_older(), dialect, lambda: calls.append(1) or "recompiled")
    assert text == first and not calls


def test_every_change_gives_a_new_key():
    base = sql_cache.expression_key(_older(), "duckdb")
    assert sql_cache.expression_key(_older(), "duckdb") == base  # rebuilt: same key
    changed = [
        sql_cache.expression_key(_older(limit=71), "duckdb"),
        sql_cache.expression_key(_older(limit=70.0), "duckdb"),  # float, not int
        sql_cache.expression_key(_older(nullable=False), "duckdb"),
        sql_cache.expression_key(_older(name="other"), "duckdb"),
        sql_cache.expression_key(_older(), "postgres"),
    ]
    assert len({base, *changed}) == 6


def test_an_option_of_ibis_is_part_of_the_key(monkeypatch):
    base = sql_cache.expression_key(_older(), "duckdb")
    monkeypatch.setattr(ibis.options.sql, "fuse_selects", False)
    assert sql_cache.expression_key(_older(), "duckdb") != base


@ibis.udf.scalar.builtin
def days_between(start: datetime.date, end: datetime.date) -> int:
    """A user-defined function: its SQL name is a class attribute, not an argument."""


def test_what_the_key_cannot_describe_is_compiled_every_time(cache_dir):
    t = _patients()
    expression = t.select(days=days_between(t.death_date, t.death_date))
    with pytest.raises(sql_cache.Unkeyable):
        sql_cache.expression_key(expression, "duckdb")
    assert to_sql(expression, "duckdb") == _compiled(expression)
    assert not list(cache_dir.rglob("*.sql"))
    with pytest.raises(sql_cache.Unkeyable):
        sql_cache._describe(object(), {}, type(None))
    plain = t.filter(t.death_date > datetime.date(2024, 1, 1))
    assert to_sql(plain, "duckdb") == _compiled(plain)  # a plain date is keyed and kept
    assert len(list(cache_dir.rglob("*.sql"))) == 1


def test_empty_cache_variable_keeps_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv(sql_cache.CACHE_ENV, "")
    monkeypatch.setattr(sql_cache, "_remembered", {})
    assert sql_cache.cache_folder() is None
    assert to_sql(_older(), "duckdb") == _compiled(_older())
    assert not list(tmp_path.rglob("*.sql"))


def test_unreadable_or_unwritable_cache_falls_back_to_compiling(cache_dir, monkeypatch):
    key = sql_cache.expression_key(_older(), "duckdb")
    (cache_dir / key[:2] / f"{key}.sql").mkdir(parents=True)  # a folder where the file goes
    assert to_sql(_older(), "duckdb") == _compiled(_older())
    monkeypatch.setattr(sql_cache, "_remembered", {})
    assert to_sql(_older(), "duckdb") == _compiled(_older())


def test_memory_keeps_a_bounded_number(monkeypatch):
    monkeypatch.setattr(sql_cache, "_remembered", {})
    monkeypatch.setattr(sql_cache, "IN_MEMORY", 2)
    monkeypatch.setenv(sql_cache.CACHE_ENV, "")
    for limit in (60, 61, 62):
        to_sql(_older(limit=limit), "duckdb")
    assert len(sql_cache._remembered) == 2
