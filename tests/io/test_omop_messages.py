"""OMOP source messages: a bad concept set row, a missing CDM table, a person never observed."""

from __future__ import annotations

import pytest

from conftest import run_cli
from oncorwe.engine import connect
from oncorwe.errors import InputError
from oncorwe.io.omop import load_concept_sets, read_omop
from oncorwe.io.omop.concepts import COLUMNS
from oncorwe.synth.omop import build_omop_twin, write_omop

GOOD = "labs,test,inr,,measurement,3022217,6301-6,INR,LOINC,6301-6,site"


@pytest.mark.parametrize(
    ("row", "column", "value", "rule"),
    [
        ("lab,test,inr,,measurement,3022217,6301-6,INR,,,site", "table", "'lab'", "a contract"),
        ("labs,,inr,,measurement,3022217,6301-6,INR,,,site", "column", "''", "a column name"),
        ("labs,test,inr,,measurements,1,6301-6,INR,,,site", "omop_table", "'measurements'", "an"),
        ("labs,test,inr,,measurement,-5,6301-6,INR,,,site", "concept_id", "'-5'", "an integer"),
        ("labs,test,inr,,measurement,0,,INR,,,site", "source_value", "''", "concept 0 is"),
    ],
)
def test_bad_concept_set_row_names_row_column_value_and_rule(tmp_path, row, column, value, rule):
    own = tmp_path / "mine.csv"
    own.write_text(",".join(COLUMNS) + f"\n{GOOD}\n{row}\n")
    with pytest.raises(InputError) as caught:
        load_concept_sets(own)
    message = str(caught.value)
    assert f"mine.csv, row 3, column {column}: {value} (rule: {rule}" in message


def cdm(tmp_path, change):
    frames = build_omop_twin()
    change(frames)
    path = tmp_path / "cdm.duckdb"
    with connect("duckdb", path) as engine:
        write_omop(engine, frames)
    return path


def test_missing_table_is_named_with_the_rule(tmp_path):
    path = cdm(tmp_path, lambda frames: frames.pop("episode_event"))
    with connect("duckdb", path) as engine, pytest.raises(InputError) as caught:
        read_omop(engine)
    assert "table(s) episode_event not found" in str(caught.value)
    assert "rule: oncorwe reads these OMOP CDM v5.4 tables" in str(caught.value)


def drop_first_period(frames):
    period = frames["observation_period"]
    frames["observation_period"] = period[period["person_id"] != 1]


def test_person_without_observation_period_is_named(tmp_path):
    path = cdm(tmp_path, drop_first_period)
    with connect("duckdb", path) as engine, pytest.raises(InputError) as caught:
        read_omop(engine)
    first = build_omop_twin()["person"].iloc[0]["person_source_value"]
    message = str(caught.value)
    assert f"table person, row person_id 1 (person_source_value {first!r}), column" in message
    assert "no row in observation_period (rule: every person has an observation period" in message


def test_cli_exits_2_without_a_traceback(capsys, tmp_path):
    path = cdm(tmp_path, drop_first_period)
    code, text = run_cli(capsys, "run", "--omop", str(path), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "no row in observation_period" in " ".join(text.split())
    assert "Traceback" not in text
