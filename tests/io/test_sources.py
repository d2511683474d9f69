"""read_source: CSV folder, Excel workbook, Parquet folder; row numbers, hashes, errors."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from oncorwe.errors import InputError
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables
from oncorwe.io.sources import read_source
from oncorwe.validate import validate_tables


@pytest.fixture
def csv_study(tmp_path):
    return write_tables(minimal_tables(), tmp_path / "study", "csv")


@pytest.mark.parametrize(("fmt", "first_row"), [("csv", 2), ("xlsx", 2), ("parquet", 1)])
def test_every_format_reads_the_same_text(tmp_path, fmt, first_row):
    dest = tmp_path / ("s.xlsx" if fmt == "xlsx" else "s")
    write_tables(minimal_tables(), dest, fmt)
    raw = read_source(dest)
    assert raw.format == fmt
    patients = raw.tables["patients"]
    assert patients["_row"].tolist() == [first_row, first_row + 1, first_row + 2]
    assert patients["diagnosis_date"].tolist() == ["2020-01-15", "2020-03", "2019"]
    assert patients["age_at_index"].tolist() == ["61", "55", "70"]
    assert pd.isna(patients["death_date"][0])  # empty -> missing
    assert all(str(patients[c].dtype) == "string" for c in patients.columns if c != "_row")
    result = validate_tables(raw)
    assert result.ok
    assert result.reconciliation["read"].tolist() == [3, 3, 3, 4, 3]


def test_file_names_and_sha256_are_recorded(csv_study):
    raw = read_source(csv_study)
    by_name = {f.name: f for f in raw.files}
    expected = hashlib.sha256((csv_study / "patients.csv").read_bytes()).hexdigest()
    assert by_name["patients.csv"].sha256 == expected
    assert by_name["patients.csv"].tables == ("patients",)
    assert by_name["patients.csv"].encoding == "utf-8-sig"


def test_csv_line_numbers_count_multiline_fields_and_blank_lines(csv_study):
    path = csv_study / "adverse_events.csv"
    path.write_text(
        "patient_id,term,grade,onset_date\n"
        'P001,"Dermatitis\nradiation",1,2020-02-15\n'
        "\n"
        ",,,\n"
        "P002,Fatigue,2,2020-05-20\n",
        encoding="utf-8",
    )
    raw = read_source(csv_study)
    ae = raw.tables["adverse_events"]
    assert ae["_row"].tolist() == [2, 6]
    assert set(raw.findings["rule"]) == {"source.empty_rows"}


def test_bom_case_and_spaces_in_header(csv_study):
    path = csv_study / "progression_events.csv"
    path.write_bytes(
        "\ufeff Patient_ID ,progression_date,SITE\nP001,2020-07-01,in_field\n".encode("utf-8")
    )
    raw = read_source(csv_study)
    assert list(raw.tables["progression_events"].columns) == [
        "_row",
        "patient_id",
        "progression_date",
        "site",
    ]
    assert (raw.findings["rule"] == "source.column_renamed").sum() == 2


def test_semicolon_delimited_csv(csv_study):
    frame = minimal_tables()["radiotherapy"]
    frame.to_csv(csv_study / "radiotherapy.csv", sep=";", index=False)
    raw = read_source(csv_study)
    assert raw.tables["radiotherapy"]["total_dose_gy"].tolist() == ["40", "50", "45.5"]


def test_ragged_rows_are_errors_with_extra_values_kept(csv_study):
    path = csv_study / "progression_events.csv"
    path.write_text(
        "patient_id,progression_date,site\nP001,2020-07-01,in_field,oops\nP002,2020-08-01\n"
    )
    result = validate_tables(read_source(csv_study))
    bad = result.findings[result.findings["rule"] == "structure.field_count"]
    assert bad["row"].tolist() == [2, 3]
    held = result.quarantined["progression_events"]
    assert held["_extra"].tolist()[0] == "oops"
    assert result.reconciliation.set_index("table").loc["progression_events"].tolist() == [2, 0, 2]


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("gb18030", "肝细胞癌"), ("latin-1", "Müller café"), ("utf-8", "Zhāng 张")],
)
def test_encodings_are_detected(csv_study, encoding, text):
    frame = minimal_tables()["systemic_therapy"]
    frame["note"] = text
    (csv_study / "systemic_therapy.csv").write_bytes(frame.to_csv(index=False).encode(encoding))
    raw = read_source(csv_study)
    assert raw.tables["systemic_therapy"]["note"][0] == text
    detected = raw.findings[raw.findings["rule"] == "source.encoding_detected"]
    assert len(detected) == (0 if encoding == "utf-8" else 1)


def test_explicit_encoding_is_used(csv_study):
    frame = minimal_tables()["systemic_therapy"].assign(note="é")
    (csv_study / "systemic_therapy.csv").write_bytes(frame.to_csv(index=False).encode("latin-1"))
    raw = read_source(csv_study, encoding="latin-1")
    assert raw.tables["systemic_therapy"]["note"][0] == "é"
    assert raw.findings.empty
    with pytest.raises(InputError, match="cannot be decoded as utf-8"):
        read_source(csv_study, encoding="utf-8")


def test_unknown_encoding(csv_study):
    with pytest.raises(InputError, match="Unknown encoding 'klingon'"):
        read_source(csv_study, encoding="klingon")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "patients.csv is empty"),
        (b"   \n\n", "patients.csv is empty"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
        (b"\x00\x01\x02\x03", "not a CSV text file"),
        (b"patient_id,sex\nP1,M\n", "required column"),
        (b"patient_id,sex,sex\nP1,M,M\n", "appears more than once"),
    ],
)
def test_broken_files_are_input_errors(csv_study, content, match):
    (csv_study / "patients.csv").write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_source(csv_study)


def test_missing_required_table_and_path(tmp_path, csv_study):
    (csv_study / "radiotherapy.csv").unlink()
    with pytest.raises(InputError, match="Required table.*radiotherapy"):
        read_source(csv_study)
    with pytest.raises(InputError, match="does not exist"):
        read_source(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no study table"):
        read_source(tmp_path / "empty")
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(InputError, match="not a study source"):
        read_source(tmp_path / "x.txt")


def test_one_of_columns_structure(csv_study):
    frame = minimal_tables()["patients"].drop(columns="age_at_index")
    frame.to_csv(csv_study / "patients.csv", index=False)
    with pytest.raises(InputError, match="one of the columns age_at_index, birth_date"):
        read_source(csv_study)


def test_excel_types_and_sheet_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    tables = minimal_tables()
    for name, frame in tables.items():
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if v == "" else v for v in row])
    import datetime as dt

    sheet = book["patients"]
    sheet["E2"] = dt.datetime(2020, 1, 15)  # diagnosis_date as a real Excel date
    sheet["C2"] = 61.0  # age as a float cell
    sheet.insert_rows(2)  # an empty row inside the sheet: skipped, numbers unchanged
    book.create_sheet("notes").append(["free text"])
    path = tmp_path / "study.xlsx"
    book.save(path)
    raw = read_source(path)
    patients = raw.tables["patients"]
    assert patients["_row"].tolist() == [3, 4, 5]
    assert patients["diagnosis_date"][0] == "2020-01-15"
    assert patients["age_at_index"][0] == "61"
    assert set(raw.findings["rule"]) == {"source.empty_rows", "source.unknown_table"}


def test_not_a_workbook(tmp_path):
    path = tmp_path / "study.xlsx"
    path.write_text("not a zip")
    with pytest.raises(InputError, match="cannot be opened as an Excel workbook"):
        read_source(path)
