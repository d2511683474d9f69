"""Hostile mapped inputs: a hospital workbook or its mapping file gone wrong in the ways real
ones do. Each case gives a clear finding (or, for a mapping that does not fit, a one-paragraph
error), exits <= 2 with no traceback, rows reconcile (read = accepted + quarantined), and every
non-empty source row is accounted for (a contract row, or a finding that it gave none)."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pandas as pd
import pytest
from openpyxl import Workbook

from oncorwe.cli import main
from oncorwe.synth import seed_twin_path
from oncorwe.synth.hospital_workbook import hospital_frames, read_cohort

PATIENT_SHEET, IMAGING_SHEET = "患者信息", "影像评估"
KEEP = ("SYN-001", "SYN-002", "SYN-003", "SYN-004")


@pytest.fixture(scope="module")
def frames():
    tables = read_cohort(seed_twin_path())
    small = {k: v[v["patient_id"].isin(KEEP)].reset_index(drop=True) for k, v in tables.items()}
    return hospital_frames(small, "zh")


def write_book(frames, path, edit=None):
    book = Workbook()
    book.remove(book.active)
    for title, frame in frames.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if _missing(v) else v for v in row])
    if edit is not None:
        edit(book)
    book.save(path)
    return path


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@pytest.fixture(scope="module")
def base(frames, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-base")
    book = write_book(frames, folder / "study.xlsx")
    mapping = folder / "mapping.toml"
    assert main(["map", str(book), "--out", str(mapping)]) == 0
    return book, mapping.read_text(encoding="utf-8")


def letter(book, sheet, header):
    for cell in book[sheet][1]:
        if cell.value == header:
            return cell.column_letter
    raise KeyError(header)


def set_cell(sheet, header, row, value):
    def edit(book):
        book[sheet][f"{letter(book, sheet, header)}{row}"].value = value

    return edit


def insert_title_row(book):
    book[PATIENT_SHEET].insert_rows(1)
    book[PATIENT_SHEET]["A1"].value = "某医院肝癌放疗联合免疫治疗回顾性研究"


def merge_key_cells(book):
    sheet = book[IMAGING_SHEET]
    sheet["A3"].value = None
    sheet.merge_cells("A2:A3")


def duplicate_header(book):
    sheet = book[PATIENT_SHEET]
    column = sheet.max_column + 1
    sheet.cell(1, column).value = "性别"
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, column).value = "男"


def hide_imaging(book):
    book[IMAGING_SHEET].sheet_state = "hidden"


def extra_hidden_sheet(book):
    sheet = book.create_sheet("旧数据")
    sheet.append(["序号", "备注"])
    sheet.append([1, "x"])
    sheet.sheet_state = "hidden"


def extra_sheet(book):
    sheet = book.create_sheet("备注")
    sheet.append(["序号", "随访备注"])
    sheet.append([1, "电话随访"])


def extra_column(book):
    sheet = book[PATIENT_SHEET]
    column = sheet.max_column + 1
    sheet.cell(1, column).value = "备注"
    sheet.cell(2, column).value = "资料不全"


def identifier_only_row(book):
    sheet = book[PATIENT_SHEET]
    sheet.cell(sheet.max_row + 1, 2).value = "张三"


def empty_row_inside(book):
    book[IMAGING_SHEET].insert_rows(3)


def duplicate_patient(book):
    sheet = book[PATIENT_SHEET]
    sheet.append([c.value for c in sheet[2]])


def grade_without_term(book):
    sheet = book[PATIENT_SHEET]
    sheet[f"{letter(book, PATIENT_SHEET, '不良反应8分级(CTCAE 5.0)')}2"].value = 2


def assessment_before_diagnosis(book):
    sheet = book[IMAGING_SHEET]
    sheet[f"{letter(book, IMAGING_SHEET, '评估日期')}2"].value = "2001-01-01"


def both(*edits):
    def edit(book):
        for e in edits:
            e(book)

    return edit


def replace(old, new, count=1):
    def edit(text):
        assert old in text, old
        return text.replace(old, new, count)

    return edit


def drop_block(table):
    def edit(text):
        blocks = text.split("[[map]]")
        kept = [b for b in blocks if f'table = "{table}"' not in b]
        assert len(kept) < len(blocks)
        return "[[map]]".join(kept)

    return edit


def drop_line(start):
    def edit(text):
        lines = text.splitlines()
        kept = [line for line in lines if not line.startswith(start)]
        assert len(kept) < len(lines)
        return "\n".join(kept) + "\n"

    return edit


# (id, workbook edit, mapping edit, expected rule (findings) or "text:" in the message, propose
# the mapping from the edited workbook instead of the clean one)
CASES = [
    ("missing-column", None, replace('= "性别"', '= "性别X"'), "text:not a header of sheet", False),
    (
        "missing-sheet",
        None,
        replace('sheet = "影像评估"', 'sheet = "影像"'),
        "text:not in the source",
        False,
    ),
    (
        "unknown-table",
        None,
        replace('table = "labs"', 'table = "lab"'),
        "text:not a contract table",
        False,
    ),
    ("unknown-column", None, replace("sex ", "sexe "), "text:did you mean 'sex'", False),
    ("not-toml", None, lambda t: t + "\n[[map]\n", "text:not a valid TOML file", False),
    (
        "required-column-unmapped",
        None,
        drop_line("sex "),
        "text:mapped tables are incomplete",
        False,
    ),
    ("required-table-unmapped", None, drop_block("adverse_events"), "text:adverse_events", False),
    (
        "format-version",
        None,
        replace("format = 1", "format = 9"),
        "text:format 9 is unknown",
        False,
    ),
    (
        "bad-date-order",
        None,
        replace("[map.columns]", '[map.dates]\ndiagnosis_date = "DDMM"\n[map.columns]'),
        "text:must be one of DMY",
        False,
    ),
    ("bad-column-spec", None, replace('= "性别"', "= 3"), "text:must be a source header", False),
    ("no-map-block", None, lambda t: t.split("[[map]]")[0], "text:has no [[map]] block", False),
    (
        "header-row-zero",
        None,
        replace("header_row = 1", "header_row = 0"),
        "text:header_row must be",
        False,
    ),
    (
        "value-without-map",
        set_cell(PATIENT_SHEET, "性别", 2, "未知"),
        None,
        "mapping.value_unmapped",
        False,
    ),
    (
        "value-map-left-empty",
        None,
        replace('"男" = "M"', '"男" = ""'),
        "mapping.value_unmapped",
        False,
    ),
    (
        "ambiguous-date",
        set_cell(PATIENT_SHEET, "诊断日期", 3, "01/02/2016"),
        None,
        "mapping.date_ambiguous",
        False,
    ),
    (
        "unknown-drug",
        set_cell(PATIENT_SHEET, "系统治疗药物1", 2, "某某单抗"),
        None,
        "mapping.value_unmapped",
        False,
    ),
    (
        "unknown-ae-term",
        set_cell(PATIENT_SHEET, "不良反应1", 2, "头晕"),
        None,
        "mapping.value_unmapped",
        False,
    ),
    (
        "unknown-list-item",
        set_cell(PATIENT_SHEET, "转移部位", 2, "肺、胰腺"),
        None,
        "mapping.value_unmapped",
        False,
    ),
    ("title-row-stale-mapping", insert_title_row, None, "text:header row", False),
    ("title-row-fresh-mapping", insert_title_row, None, "mapping.header_row", True),
    ("merged-cells", merge_key_cells, None, "mapping.merged_cells", False),
    (
        "formula-no-value",
        set_cell(PATIENT_SHEET, "年龄(岁)", 2, "=50+21"),
        None,
        "mapping.formula_no_value",
        False,
    ),
    (
        "formula-unmapped-column",
        both(extra_column, set_cell(PATIENT_SHEET, "备注", 3, "=1+1")),
        None,
        "mapping.formula",
        False,
    ),
    ("hidden-sheet-mapped", hide_imaging, None, "mapping.hidden_sheet", False),
    ("hidden-sheet-extra", extra_hidden_sheet, None, "mapping.sheet_unused", True),
    ("duplicate-header", duplicate_header, None, "mapping.duplicate_header", False),
    ("unmapped-column", extra_column, None, "mapping.column_unused", False),
    ("unmapped-sheet", extra_sheet, None, "mapping.sheet_unused", False),
    ("identifier-only-row", identifier_only_row, None, "mapping.row_unused", False),
    ("empty-row-inside", empty_row_inside, None, "source.empty_rows", False),
    (
        "patient-number-missing",
        set_cell(PATIENT_SHEET, "序号", 3, None),
        None,
        "column.required",
        False,
    ),
    (
        "imaging-unknown-patient",
        set_cell(IMAGING_SHEET, "序号", 2, 99),
        None,
        "cross.patient_exists",
        False,
    ),
    ("grade-without-term", grade_without_term, None, "column.required", False),
    ("text-in-number", set_cell(PATIENT_SHEET, "年龄(岁)", 2, "五十"), None, "column.type", False),
    ("duplicate-row", duplicate_patient, None, "table.duplicate_row", False),
    (
        "duplicate-patient-number",
        both(duplicate_patient, set_cell(PATIENT_SHEET, "年龄(岁)", 6, 33)),
        None,
        "table.unique_key",
        False,
    ),
    # cells as Excel keeps them when a sheet is typed by hand
    (
        "excel-error-cell",
        set_cell(PATIENT_SHEET, "年龄(岁)", 2, "#N/A"),
        None,
        "mapping.error_cell",
        False,
    ),
    (
        "excel-made-a-date-of-a-number",  # "1-2" typed in a score column becomes 2 January
        set_cell(PATIENT_SHEET, "ECOG评分", 2, dt.datetime(2024, 1, 2)),
        None,
        "column.type",
        False,
    ),
    (
        "date-as-serial-number",  # read as Excel's serial 43831 = 2020-01-01, after the death
        set_cell(PATIENT_SHEET, "诊断日期", 2, 43831),
        None,
        "patients.death_last_date",
        False,
    ),
    (
        "chinese-date-text",  # read as 2020-03-05, after the patient's death
        set_cell(PATIENT_SHEET, "诊断日期", 2, "2020年3月5日"),
        None,
        "patients.death_last_date",
        False,
    ),
    (
        "boolean-in-category",
        set_cell(PATIENT_SHEET, "性别", 2, True),
        None,
        "mapping.value_unmapped",
        False,
    ),
    (
        "unit-in-number-cell",
        set_cell(PATIENT_SHEET, "放疗1总剂量(Gy)", 2, "50Gy"),
        None,
        "column.type",
        False,
    ),
    (
        "assessment-before-diagnosis",
        assessment_before_diagnosis,
        None,
        "cross.assessment_after_diagnosis",
        False,
    ),
    (
        "dose-out-of-range",
        set_cell(PATIENT_SHEET, "放疗1总剂量(Gy)", 2, 500),
        None,
        "radiotherapy.dose_range",
        False,
    ),
]


def _run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    return code, text


def _source_rows(book_path) -> dict[str, int]:
    from openpyxl import load_workbook

    book = load_workbook(book_path, read_only=True)
    counts = {}
    for sheet in book.worksheets:
        rows = [sum(v is not None for v in r) for r in sheet.iter_rows(values_only=True)]
        header = next((k for k, filled in enumerate(rows) if filled >= 2), len(rows))
        counts[sheet.title] = sum(1 for filled in rows[header + 1 :] if filled)
    book.close()
    return counts


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_mapping(case, frames, base, tmp_path, capsys):
    name, edit_book, edit_mapping, expected, fresh = case
    book = write_book(frames, tmp_path / "study.xlsx", edit_book)
    mapping = tmp_path / "mapping.toml"
    if fresh:
        assert main(["map", str(book), "--out", str(mapping)]) == 0
        capsys.readouterr()
    else:
        text = base[1]
        mapping.write_text(edit_mapping(text) if edit_mapping else text, encoding="utf-8")
    out = tmp_path / "out"
    code, text = _run(capsys, "validate", str(book), "--mapping", str(mapping), "--out", str(out))
    assert code <= 2 and "Traceback" not in text and "Internal error" not in text, text
    if expected.startswith("text:"):
        assert code == 2 and expected[5:] in text, text
        return
    findings = pd.read_csv(out / "validation.csv", dtype=str, keep_default_na=False)
    assert expected in set(findings["rule"]), (set(findings["rule"]), text)
    # rows reconcile: read = accepted + quarantined, per table
    lines = re.findall(r"(\w+): read (\d+) = accepted (\d+) \+ quarantined (\d+)", text)
    assert lines, text
    for table, read, kept, held in lines:
        assert int(read) == int(kept) + int(held), table
    # nothing silently dropped: every non-empty source row of a mapped sheet was read, and each
    # patient-sheet row is a patients row or reported as giving none
    counts = _source_rows(book)
    for sheet, n in re.findall(r"sheet '([^']+)': (\d+) rows ->", text):
        assert int(n) == counts[sheet], (sheet, n, counts)
    made = re.search(rf"sheet '{PATIENT_SHEET}': \d+ rows -> patients (\d+)", text)
    unused = findings[(findings["rule"] == "mapping.row_unused")]
    unused = unused[unused["message"].str.contains(PATIENT_SHEET)]["value"].astype(int).sum()
    assert int(made.group(1)) + unused == counts[PATIENT_SHEET]
    if "error" in set(findings["severity"]):
        assert code == 1


def test_clean_workbook_validates_clean(base, tmp_path, capsys):
    book, text = base
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(text, encoding="utf-8")
    code, out = _run(
        capsys, "validate", str(book), "--mapping", str(mapping), "--out", str(tmp_path)
    )
    assert code == 0, out


def test_missing_mapping_file_and_source(base, tmp_path, capsys):
    book, _ = base
    code, text = _run(capsys, "validate", str(book), "--mapping", str(tmp_path / "no.toml"))
    assert code == 2 and "does not exist" in text
    code, text = _run(capsys, "map", str(tmp_path / "nothing.xlsx"), "--out", str(tmp_path / "m"))
    assert code == 2 and "does not exist" in text
    other = tmp_path / "notes.txt"
    shutil.copy(book, tmp_path / "copy.xlsx")
    other.write_text("hello")
    code, text = _run(capsys, "map", str(other), "--out", str(tmp_path / "m.toml"))
    assert code == 2 and "cannot be mapped" in text
