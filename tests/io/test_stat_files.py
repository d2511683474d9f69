"""SAS, SPSS and Stata files as sources: value labels, dates, missing values, a lossless round
trip of the seed twin (contract -> .sav/.dta/.xpt -> contract), chunked reading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from conftest import seed_twin_tables
from oncorwe.io.formats.stat_files import stream_stat_file, write_stat_tables
from oncorwe.io.readers import join_chunks
from oncorwe.io.sources import read_source
from oncorwe.validate import validate_tables

DATA = Path(__file__).parent / "formats_data"


@pytest.fixture(scope="module")
def twin():
    return seed_twin_tables()


@pytest.fixture(scope="module")
def twin_accepted(twin):
    return validate_tables(twin).accepted


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["_row"]).reset_index(drop=True)


@pytest.mark.parametrize("fmt", ["sav", "dta", "xpt"])
def test_contract_round_trip_is_lossless(tmp_path, twin, twin_accepted, fmt):
    folder = write_stat_tables(twin, tmp_path / fmt, fmt)
    raw = read_source(folder)
    assert raw.format == "stat"
    result = validate_tables(raw)
    assert result.ok
    assert set(result.accepted) == set(twin_accepted)
    for name, expected in twin_accepted.items():
        got = result.accepted[name]
        assert list(got.columns) == list(expected.columns), name
        # values, dtypes, missing values and dates equal after typing
        pd.testing.assert_frame_equal(_comparable(got), _comparable(expected), check_exact=True)


def test_value_labels_and_dates_are_applied(tmp_path, twin):
    folder = write_stat_tables({"patients": twin["patients"]}, tmp_path / "sav", "sav")
    data, meta = pyreadstat.read_sav(folder / "patients.sav")
    # stored as labelled codes: sex 1 = M, 2 = F (the contract's order); booleans 0/1
    assert meta.variable_value_labels["sex"] == {1.0: "M", 2.0: "F"}
    assert set(data["sex"].dropna()) == {1.0, 2.0}
    assert meta.variable_value_labels["extrahepatic_metastasis"] == {0.0: "false", 1.0: "true"}
    assert isinstance(data["diagnosis_date"].dropna().iloc[0], dt.date)
    assert meta.column_labels[list(meta.column_names).index("sex")] == "Sex"
    text = join_chunks(stream_stat_file(folder / "patients.sav", "patients"))
    assert text["sex"].tolist() == twin["patients"]["sex"].tolist()
    assert text["diagnosis_date"].tolist() == twin["patients"]["diagnosis_date"].tolist()


def test_chunks_number_rows_across_chunk_borders(tmp_path, twin):
    folder = write_stat_tables({"labs": twin["labs"]}, tmp_path / "dta", "dta")
    stream = stream_stat_file(folder / "labs.dta", "labs", chunk_rows=1000)
    chunks = list(stream.chunks)
    assert [len(c) for c in chunks] == [1000, 1000, len(twin["labs"]) - 2000]
    rows = pd.concat([c["_row"] for c in chunks]).tolist()
    assert rows == list(range(1, len(twin["labs"]) + 1))


def test_sas7bdat_written_by_sas(tmp_path):
    # sample.sas7bdat: pyreadstat's test file, written by SAS (PROC IMPORT of its sample.csv)
    text = join_chunks(stream_stat_file(DATA / "sample.sas7bdat", "patients"))
    assert text["mychar"].tolist() == ["a", "b", "c", "d", "e"]
    assert text["mynum"].tolist() == ["1.1", "1.2", "-1000.3", "-1.4", "1000.3"]
    assert text["mydate"].tolist()[:4] == ["2018-05-06", "1880-05-06", "1960-01-01", "1583-01-01"]
    assert pd.isna(text["mydate"][4])  # SAS missing date -> empty
    assert text["dtime"][0] == "2018-05-06 10:10:10"
    assert text["_row"].tolist() == [1, 2, 3, 4, 5]


def test_user_missing_and_system_missing_are_empty(tmp_path):
    # SPSS: 9 declared a user-missing value of ecog; NaN is system missing
    frame = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "ecog": [1.0, float("nan"), 9.0]})
    pyreadstat.write_sav(frame, tmp_path / "x.sav", missing_ranges={"ecog": [9]})
    text = join_chunks(stream_stat_file(tmp_path / "x.sav", "patients"))
    assert text["ecog"].tolist()[0] == "1"
    assert text["ecog"][1:].isna().all()
