"""A hospital-style workbook made from a contract-shaped cohort (the seed twin by default).

This is how a retrospective review is often kept: one sheet with one row per patient (baseline,
radiotherapy courses, drugs, progression and adverse events as numbered column groups, words
instead of codes: ``男/女``, ``有/无``, ``死亡/存活``, ``卡瑞利珠单抗``), a sheet of imaging
assessments, a sheet of lesion measurements and a sheet of laboratory values keyed by the
patient's number, real Excel dates, and the name / record-number / phone columns every such sheet
has. ``oncorwe map`` must read it without hand edits and give the demo's numbers
(tests/synth/test_hospital_workbook.py). Chinese (``zh``) or English (``en``) headers and words.

Everything written here is synthetic: the names, record numbers and phone numbers are generated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook

from oncorwe.synth.hospital_words import GROUPS, HEADERS, SHEETS, WORDS, agent_name, term_name

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
WESTERN = ("Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas")
FIRST = ("James", "Mary", "John", "Linda", "Robert", "Susan", "David", "Karen")


def read_cohort(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The contract tables of a CSV folder (as text, empty -> missing)."""
    folder = Path(folder)
    return {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False).replace("", None)
        for p in sorted(folder.glob("*.csv"))
    }


def identifiers(n: int, language: str, seed: int = 20250101) -> pd.DataFrame:
    """Synthetic name, record number and mobile phone per patient (unique record numbers)."""
    rng = np.random.default_rng(seed)
    if language == "zh":
        names = [
            SURNAMES[rng.integers(len(SURNAMES))]
            + "".join(GIVEN[k] for k in rng.integers(len(GIVEN), size=rng.integers(1, 3)))
            for _ in range(n)
        ]
    else:
        names = [f"{FIRST[rng.integers(8)]} {WESTERN[rng.integers(8)]}" for _ in range(n)]
    # eight-digit record numbers, drawn without replacement from 10,000,000..99,999,998 by
    # position (the same draws as from the array of those numbers, without making it)
    records = 10_000_000 + rng.choice(99_999_999 - 10_000_000, size=n, replace=False)
    phones = [f"1{rng.choice([3, 5, 8])}{rng.integers(0, 10**9):09d}" for _ in range(n)]
    return pd.DataFrame({"name": names, "mrn": [str(r) for r in records], "phone": phones})


def _value(column: str, value, language: str):
    """A contract value as the hospital writes it: words, real dates, numbers."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if column.endswith("_date") or column == "date":
        return dt.date.fromisoformat(value)
    if column == "agent":
        return agent_name(value, language)
    if column == "term":
        return term_name(value, language)
    words = WORDS[language].get(column)
    if words is not None:
        separator = "、" if language == "zh" else ", "
        return separator.join(words.get(item, item) for item in value.split(";"))
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value else number


def _numbered(tables, ids: pd.Series, language: str) -> pd.DataFrame:
    """The numbered column groups (RT courses, drugs, progression, AEs): one row per patient."""
    wide = pd.DataFrame(index=ids)
    for table, (prefix_count, columns) in GROUPS.items():
        frame = tables[table].copy()
        frame["_k"] = frame.groupby("patient_id").cumcount() + 1
        for k in range(1, prefix_count + 1):
            part = frame[frame["_k"] == k].set_index("patient_id")
            for column in columns:
                header = HEADERS[language][(table, column)].format(n=k)
                wide[header] = [
                    _value(column, part[column].get(i), language) if i in part.index else None
                    for i in ids
                ]
    return wide


def _check_groups(tables) -> None:
    for table, (count, _) in GROUPS.items():
        most = tables[table].groupby("patient_id").size().max()
        if most > count:
            raise ValueError(f"{table}: a patient has {most} rows; the workbook holds {count}")


def hospital_frames(tables: dict[str, pd.DataFrame], language: str = "zh"):
    """The workbook's sheets as DataFrames of cell values, by sheet name."""
    _check_groups(tables)
    head = HEADERS[language]
    patients = tables["patients"].reset_index(drop=True)
    number = {pid: k for k, pid in enumerate(patients["patient_id"], start=1)}
    who = identifiers(len(patients), language)
    first = pd.DataFrame(
        {
            head[("key", "patient_id")]: list(number.values()),
            head[("id", "name")]: who["name"],
            head[("id", "mrn")]: who["mrn"],
            head[("id", "phone")]: who["phone"],
        }
    )
    for column in patients.columns:
        if column == "patient_id" or ("patients", column) not in head:
            continue
        first[head[("patients", column)]] = [_value(column, v, language) for v in patients[column]]
    wide = _numbered(tables, patients["patient_id"], language).reset_index(drop=True)
    sheets = {SHEETS[language]["patients"]: pd.concat([first, wide], axis=1)}
    sheets[SHEETS[language]["imaging"]] = _imaging(tables, number, who, language)
    for table in ("lesions", "labs"):
        sheets[SHEETS[language][table]] = _long(tables[table], table, number, language)
    return sheets


def _imaging(tables, number, who, language) -> pd.DataFrame:
    head = HEADERS[language]
    frame = tables["tumor_assessments"]
    wide = frame.pivot(
        index=["patient_id", "assessment_date"], columns="criteria", values="overall_response"
    )
    order = frame.drop_duplicates(["patient_id", "assessment_date"])
    wide = wide.loc[list(zip(order["patient_id"], order["assessment_date"], strict=True))]
    keys = [number[p] for p, _ in wide.index]
    words = WORDS[language]["overall_response"]
    return pd.DataFrame(
        {
            head[("key", "patient_id")]: keys,
            head[("id", "name")]: [who["name"][k - 1] for k in keys],
            head[("tumor_assessments", "assessment_date")]: [
                dt.date.fromisoformat(d) for _, d in wide.index
            ],
            head[("tumor_assessments", "RECIST1.1")]: [words.get(v, v) for v in wide["RECIST1.1"]],
            head[("tumor_assessments", "mRECIST")]: [words.get(v, v) for v in wide["mRECIST"]],
        }
    )


def _long(frame: pd.DataFrame, table: str, number, language) -> pd.DataFrame:
    head = HEADERS[language]
    out = pd.DataFrame({head[("key", "patient_id")]: frame["patient_id"].map(number)})
    for column in frame.columns:
        if column != "patient_id":
            out[head[(table, column)]] = [_value(column, v, language) for v in frame[column]]
    return out


def write_hospital_workbook(
    path: str | Path, tables: dict[str, pd.DataFrame] | None = None, language: str = "zh"
) -> Path:
    """Write the hospital-style workbook of ``tables`` (default: the seed twin) to ``path``."""
    if tables is None:
        from oncorwe.synth import seed_twin_path

        tables = read_cohort(seed_twin_path())
    path = Path(path)
    book = Workbook(write_only=True)
    for title, frame in hospital_frames(tables, language).items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else v for v in row])
    book.save(path)
    return path


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def scaled_cohort(tables: dict[str, pd.DataFrame], copies: int) -> dict[str, pd.DataFrame]:
    """``copies`` copies of a cohort with distinct patient ids (for benchmarks)."""
    out = {}
    for name, frame in tables.items():
        parts = []
        for k in range(copies):
            part = frame.copy()
            part["patient_id"] = part["patient_id"] + f"-{k}"
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out
