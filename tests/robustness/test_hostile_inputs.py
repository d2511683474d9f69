"""Malformed and hostile inputs: each gives a clear finding or a one-paragraph error (exit <= 2),
never a traceback, and the row counts reconcile on every one.

Each case builds a study in a temporary folder from the valid sample and breaks one thing. It
runs through ``oncorwe validate`` (the command module on a local Typer app) and names what it
expects: an exit code and either a rule in validation.csv or a phrase of the error message.

That run takes the study in with chunks of three rows (``streamed_check.chunked_intake``; its
distinct values in chunks of ``VALUE_CHUNK``), so that every chunk boundary, duplicate across
chunks and cross-table rule is hit, and its result equals
validation in memory: the same findings in the same order, the same accepted and quarantined
rows, the same reconciliation, the same error for unreadable input. One intake per case serves
both checks.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from oncorwe.cli import validate_cmd
from oncorwe.io.export import write_tables
from oncorwe.io.sample import minimal_tables
from streamed_check import CHUNK, VALUE_CHUNK, assert_same_as_in_memory, chunked_intake

BIG_CHUNK = {"20 000 rows": 1_500}  # still 14 chunks, at a fraction of the time
RECONCILIATION = re.compile(r"^(\w+): read (\d+) = accepted (\d+) \+ quarantined (\d+)$", re.M)


def study(root: Path, fmt: str = "csv", change=None) -> Path:
    """Write the sample study (after ``change(tables)``) and return its path."""
    tables = minimal_tables()
    if change is not None:
        change(tables)
    dest = root / ("study.xlsx" if fmt == "xlsx" else "study")
    return write_tables(tables, dest, fmt, neutralise=False)


def rewrite(name: str, make):
    """A builder that writes ``make(old bytes)`` over ``<study>/<name>``."""

    def build(root: Path) -> Path:
        path = study(root)
        target = path / name
        target.write_bytes(make(target.read_bytes()))
        return path

    return build


def change(fn, fmt: str = "csv"):
    """A builder that edits the sample tables with ``fn(tables)``."""
    return lambda root: study(root, fmt, fn)


def setv(table, pos, column, value):
    def fn(tables):
        tables[table].loc[pos, column] = value

    return fn


def text_of(table: str, encoding: str, extra: str):
    """Rewrite ``table`` with a free-text column ``note`` in ``encoding``."""

    def fn(old: bytes) -> bytes:
        frame = pd.read_csv(pd.io.common.BytesIO(old), dtype=str, keep_default_na=False)
        frame["note"] = extra
        return frame.to_csv(index=False).encode(encoding)

    return rewrite(f"{table}.csv", fn)


def xlsx(edit):
    """A builder that saves the sample as a workbook and edits it with openpyxl."""

    def build(root: Path) -> Path:
        from openpyxl import load_workbook

        path = study(root, "xlsx")
        book = load_workbook(path)
        edit(book)
        book.save(path)
        return path

    return build


def parquet(edit):
    def build(root: Path) -> Path:
        path = study(root, "parquet")
        edit(path)
        return path

    return build


def _typed_parquet(path: Path) -> None:
    frame = minimal_tables()["adverse_events"]
    frame["grade"] = [1, 3, 2]
    frame["onset_date"] = pd.to_datetime(["2020-02-15", "2020-05-01", "2020-05-20"])
    frame["serious"] = [False, True, False]
    frame["nested"] = [[1], [2, 3], []]
    frame.to_parquet(path / "adverse_events.parquet")


def _many_rows(root: Path) -> Path:
    path = study(root)
    n = 20_000
    ids = [f"Q{k:05d}" for k in range(n)]
    ae = pd.DataFrame(
        {
            "patient_id": ["P001"] * n,
            "term": [f"Term {k}" for k in range(n)],
            "grade": [str(1 + k % 6) for k in range(n)],  # every sixth grade is 6: quarantined
            "onset_date": ["2020-03-01"] * n,
        }
    )
    ae.to_csv(path / "adverse_events.csv", index=False)
    del ids
    return path


EXTRA_COLUMNS = 200
"""Columns the contract does not know, added to patients (15 columns): over ten times as many.
Nothing in intake depends on the count (each column is read, staged and screened for identifiers
the same way), so more only cost time: about 17 ms of identifier screening per column."""


def _wide(root: Path) -> Path:
    def fn(tables):
        extra = pd.DataFrame(
            {f"extra_{k}": ["x"] * 3 for k in range(EXTRA_COLUMNS)}, dtype="string"
        )
        tables["patients"] = pd.concat([tables["patients"], extra], axis=1)

    return study(root, change=fn)


def _headers(line: str):
    return rewrite("patients.csv", lambda old: line.encode() + old.split(b"\n", 1)[1])


def _all_lines(fn):
    return rewrite("patients.csv", fn)


def _append(text: bytes):
    return rewrite("patients.csv", lambda old: old + text)


def _labs(tables):
    tables["labs"] = pd.DataFrame(
        {
            "patient_id": ["P001", "P001", "P002"],
            "lab_date": ["2020-02-01", "2020-03-01", "2020-04-01"],
            "test": ["bilirubin_umol_l", "albumin_g_l", "bilirubin_umol_l"],
            "value": ["1.1 mg/dL", "3.9 g/dL", "22"],
        },
        dtype="string",
    )


# name -> (builder, expected exit code, rule in validation.csv or phrase of the error, options)
CASES = {
    "empty file": (rewrite("patients.csv", lambda b: b""), 2, "is empty", []),
    "whitespace only": (rewrite("patients.csv", lambda b: b"  \n \n"), 2, "is empty", []),
    "header only": (_all_lines(lambda b: b.split(b"\n")[0] + b"\n"), 1, "cross.patient_exists", []),
    "random binary": (
        rewrite("patients.csv", lambda b: bytes(range(256)) * 40),
        2,
        "not a CSV",
        [],
    ),
    "zip renamed": (
        rewrite("patients.csv", lambda b: b"PK\x03\x04" + b"\x00" * 64),
        2,
        "not a CSV",
        [],
    ),
    "pdf renamed": (
        rewrite("patients.csv", lambda b: b"%PDF-1.7\n%\xe2\xe3\n"),
        2,
        "not a CSV",
        [],
    ),
    "png renamed": (
        rewrite("patients.csv", lambda b: b"\x89PNG\r\n\x1a\n" + b"\x00" * 30),
        2,
        "not a CSV",
        [],
    ),
    "utf-16 with BOM": (
        rewrite("patients.csv", lambda b: b.decode().encode("utf-16")),
        0,
        "source.encoding_detected",
        [],
    ),
    "gb18030 text": (
        text_of("systemic_therapy", "gb18030", "肝细胞癌，乙肝"),
        0,
        "source.encoding_detected",
        [],
    ),
    "latin-1 text": (
        text_of("systemic_therapy", "latin-1", "Müller, café"),
        0,
        "source.encoding_detected",
        [],
    ),
    "utf-8 BOM": (rewrite("patients.csv", lambda b: codecs.BOM_UTF8 + b), 0, None, []),
    "unknown encoding": (change(None), 2, "Unknown encoding", ["--encoding", "klingon-8"]),
    "wrong encoding": (
        text_of("systemic_therapy", "latin-1", "é"),
        2,
        "cannot be decoded",
        ["--encoding", "utf-8"],
    ),
    "unterminated quote": (_append(b'P9,"M,61\n'), 1, "structure.field_count", []),
    "too many fields": (_append(b"P9,M,61" + b",x" * 40 + b"\n"), 1, "structure.field_count", []),
    "too few fields": (_append(b"P9,M\n"), 1, "structure.field_count", []),
    "NUL byte after 8 KB": (
        _append(b"P9,M,61," + b"x" * 9000 + b"\x00\n"),
        1,
        "structure.field_count",
        [],
    ),
    "1 MB free-text field": (
        change(setv("adverse_events", 0, "term", "x" * 1_000_000)),
        0,
        None,
        [],
    ),
    "11 MB field": (
        change(setv("adverse_events", 0, "term", "x" * 11_000_000)),
        2,
        "cannot be parsed as CSV",
        [],
    ),
    "formula in category": (
        change(setv("patients", 0, "sex", "=cmd|' /C calc'!A0")),
        1,
        "column.allowed",
        [],
    ),
    "formula in free text": (
        change(setv("systemic_therapy", 0, "agent", '=HYPERLINK("x")')),
        0,
        None,
        [],
    ),
    "duplicate header": (_headers("patient_id,sex,sex\n"), 2, "appears more than once", []),
    "duplicate header by case": (
        _all_lines(lambda b: b.replace(b"patient_id", b"SEX,patient_id", 1)),
        2,
        "appears more than once",
        [],
    ),
    "missing required column": (_headers("patient_id,age_at_index\n"), 2, "required column", []),
    "header of commas": (_headers(",,,,\n"), 2, "required column", []),
    "header case and spaces": (
        _all_lines(lambda b: b.replace(b"sex", b" Sex ", 1)),
        0,
        "source.column_renamed",
        [],
    ),
    "CRLF line ends": (_all_lines(lambda b: b.replace(b"\n", b"\r\n")), 0, None, []),
    "CR line ends": (_all_lines(lambda b: b.replace(b"\n", b"\r")), 0, None, []),
    "semicolon delimiter": (
        rewrite("radiotherapy.csv", lambda b: b.replace(b",", b";")),
        0,
        None,
        [],
    ),
    "tab delimiter": (_all_lines(lambda b: b.replace(b",", b"\t")), 0, None, []),
    "blank and empty rows": (_append(b"\n,,,,,,\n\n"), 0, "source.empty_rows", []),
    "exact duplicate patient": (
        _all_lines(lambda b: b + b.split(b"\n")[1] + b"\n"),
        1,
        "table.duplicate_row",
        [],
    ),
    "conflicting duplicate": (
        _all_lines(lambda b: b + b.split(b"\n")[1].replace(b",M,", b",F,") + b"\n"),
        1,
        "table.unique_key",
        [],
    ),
    "orphan child row": (
        change(setv("radiotherapy", 0, "patient_id", "P404")),
        1,
        "cross.patient_exists",
        [],
    ),
    "day-first date": (
        change(setv("patients", 0, "diagnosis_date", "15/01/2020")),
        1,
        "column.type",
        [],
    ),
    "impossible date": (
        change(setv("patients", 0, "diagnosis_date", "2021-02-30")),
        1,
        "column.type",
        [],
    ),
    "year out of range": (
        change(setv("radiotherapy", 0, "start_date", "0201-01-01")),
        1,
        "column.type",
        [],
    ),
    "excel serial date": (
        change(setv("patients", 0, "last_contact_date", "44377")),
        0,
        "column.excel_serial",
        [],
    ),
    "number with unit": (
        change(setv("radiotherapy", 0, "total_dose_gy", "40 Gy")),
        1,
        "column.type",
        [],
    ),
    "comma decimal": (
        change(setv("radiotherapy", 0, "total_dose_gy", "45,5")),
        1,
        "column.type",
        [],
    ),
    "negative dose": (
        change(setv("radiotherapy", 0, "total_dose_gy", "-5")),
        1,
        "radiotherapy.dose_range",
        [],
    ),
    "inf and nan words": (change(setv("patients", 0, "albumin_g_l", "inf")), 1, "column.type", []),
    "overflowing number": (change(setv("patients", 0, "afp_ng_ml", "1e400")), 1, "column.type", []),
    "100k-character id": (
        change(setv("patients", 0, "patient_id", "P" * 100_000)),
        1,
        "cross.patient_exists",
        [],
    ),
    "zero-width space": (change(setv("patients", 0, "sex", "M\u200b")), 1, "column.allowed", []),
    "user _row column": (
        _all_lines(
            lambda b: re.sub(rb"(^|\n)(?=.)", rb"\g<1>7,", b).replace(
                b"7,patient_id", b"_row,patient_id", 1
            )
        ),
        0,
        None,
        [],
    ),
    "format braces": (change(setv("patients", 0, "sex", "{0}{x}{")), 1, "column.allowed", []),
    "null token in required": (
        change(setv("patients", 0, "sex", "NULL")),
        1,
        "column.required",
        [],
    ),
    "traversal sheet name": (
        xlsx(lambda b: b.create_sheet("..%2F..%2Fetc")),
        0,
        "source.unknown_table",
        [],
    ),
    "corrupt xlsx": (
        lambda root: _bytes(root / "s.xlsx", b"PK\x03\x04garbage"),
        2,
        "cannot be opened as an Excel workbook",
        [],
    ),
    "empty required sheet": (
        xlsx(lambda b: (b.remove(b["patients"]), b.create_sheet("patients"))),
        2,
        "is empty",
        [],
    ),
    "missing sheet": (xlsx(lambda b: b.remove(b["radiotherapy"])), 2, "Required table", []),
    "uncached formula cells": (
        xlsx(lambda b: b["patients"].__setitem__("B2", "=1+1")),
        1,
        "column.required",
        [],
    ),
    "stray cell far right": (
        xlsx(lambda b: b["patients"].__setitem__("AZ9", "stray")),
        1,
        "structure.field_count",
        [],
    ),
    "corrupt parquet": (
        parquet(lambda p: _bytes(p / "patients.parquet", b"PAR1junk")),
        2,
        "cannot be read as Parquet",
        [],
    ),
    "typed parquet": (parquet(_typed_parquet), 0, None, []),
    "text file as source": (
        lambda root: _bytes(root / "notes.txt", b"hello"),
        2,
        "not a study source",
        [],
    ),
    "old xls workbook": (
        lambda root: _bytes(root / "s.xls", b"\xd0\xcf\x11\xe0"),
        2,
        "not a study source",
        [],
    ),
    "missing path": (lambda root: root / "nowhere", 2, "does not exist", []),
    "folder named like a table": (
        lambda root: (_remove(study(root) / "patients.csv"), root / "study")[1],
        2,
        "Required table",
        [],
    ),
    "20 000 rows": (_many_rows, 1, "adverse_events.grade_range", []),
    f"{EXTRA_COLUMNS} extra columns": (_wide, 0, None, []),
    "lab units": (change(_labs), 0, "units.converted", []),
    "synonyms file missing": (
        change(None),
        2,
        "cannot be read",
        ["--synonyms", "/nonexistent.csv"],
    ),
}


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _remove(path: Path) -> None:
    path.unlink()
    path.mkdir()


@pytest.fixture(scope="module")
def app():
    app = typer.Typer()
    validate_cmd.register(app)

    @app.command()
    def other() -> None:
        pass

    return app


def test_there_are_at_least_40_distinct_cases():
    assert len(CASES) >= 40


def _options(options: list[str]) -> dict:
    pairs = dict(zip(options[::2], options[1::2], strict=False))
    return {"encoding": pairs.get("--encoding"), "synonyms": pairs.get("--synonyms")}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(app, tmp_path, monkeypatch, name):
    build, code, expected, options = CASES[name]
    (tmp_path / "in").mkdir()
    data = build(tmp_path / "in")
    out = tmp_path / "out"
    rows = BIG_CHUNK.get(name, CHUNK)
    intake = chunked_intake(monkeypatch, tmp_path / "work", rows, max(rows, VALUE_CHUNK))
    run = CliRunner().invoke(app, ["validate", str(data), "--out", str(out), *options])
    assert isinstance(run.exception, SystemExit | None), run.exception
    assert intake.called
    findings_csv = out / "validation.csv"
    assert_same_as_in_memory(
        data, intake.result, intake.error, intake.store, findings_csv, **_options(options)
    )
    assert "Traceback" not in run.output
    assert run.exit_code == code, run.output
    if code == 2:
        assert "Error:" in run.output
        assert expected in " ".join(run.output.split())
        assert not (out / "validation.csv").exists()
        return
    lines = RECONCILIATION.findall(run.output)
    assert lines, run.output
    for _table, read, accepted, quarantined in lines:
        assert int(read) == int(accepted) + int(quarantined)
    findings = pd.read_csv(findings_csv, dtype=str, keep_default_na=False)
    errors = findings[findings["severity"] == "error"]
    # every quarantined row has at least one error finding, and no error is without a row
    assert len(errors[["table", "row"]].drop_duplicates()) == sum(int(q) for *_, q in lines)
    if expected is not None:
        assert expected in set(findings["rule"])
    if code == 0:
        assert errors.empty
