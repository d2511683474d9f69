"""Proposing a mapping: a CSV folder with English abbreviations, long sheets keyed by patient,
identifiers dropped, unplaced columns listed with their reason, and the proposal round-trips
through the mapping reader."""

import re

import pandas as pd
import pytest
from openpyxl import Workbook

from oncorwe.cli import main
from oncorwe.io.mapping.propose import SAMPLE_ROWS, propose_mapping
from oncorwe.io.mapping.spec import load_mapping
from oncorwe.io.mapping.write import write_mapping
from oncorwe.privacy.identifiers import detect_identifiers
from oncorwe.synth import seed_twin_path
from oncorwe.synth.hospital_workbook import hospital_frames, read_cohort


@pytest.fixture()
def csv_folder(tmp_path):
    tables = read_cohort(seed_twin_path())
    keep = ("SYN-001", "SYN-002", "SYN-003")
    small = {k: v[v["patient_id"].isin(keep)] for k, v in tables.items()}
    folder = tmp_path / "export"
    folder.mkdir()
    for name, frame in hospital_frames(small, "en").items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def write_workbook(frames, path):
    book = Workbook(write_only=True)
    for title, frame in frames.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
            sheet.append(list(row))
    book.save(path)
    return path


def test_csv_folder_proposal(csv_folder, tmp_path):
    patients = pd.read_csv(csv_folder / "Patients.csv")
    patients["Remarks"] = "see chart"
    patients.to_csv(csv_folder / "Patients.csv", index=False)
    proposal = propose_mapping(csv_folder, detect_identifiers=detect_identifiers)
    plans = {p.name: p for p in proposal.sheets}
    assert {h for h, _, _ in plans["Patients"].dropped} == {"Patient name", "MRN", "Phone"}
    assert ("Remarks",) == tuple(h for h, _, _ in plans["Patients"].unplaced)
    assert "no contract column" in plans["Patients"].unplaced[0][2]
    tables = {(b.sheet, b.table) for b in proposal.blocks}
    assert ("Imaging", "tumor_assessments") in tables and ("Labs", "labs") in tables
    ae = next(b for b in proposal.blocks if b.table == "adverse_events")
    assert ae.instances == tuple(range(1, 9))
    assert dict((c, s) for c, s, _ in ae.columns)["grade"] == "AE{n} grade (CTCAE 5.0)"
    assert not any(b.missing for b in proposal.blocks)
    path = write_mapping(proposal, tmp_path / "mapping.toml")
    mapping = load_mapping(path)
    assert len(mapping.blocks) == len(proposal.blocks)
    assert mapping.sheets["Patients"].drop == ("Patient name", "MRN", "Phone")
    # the same mapping applies to the CSV folder: every row accepted
    out = tmp_path / "checked"
    assert main(["validate", str(csv_folder), "--mapping", str(path), "--out", str(out)]) == 0
    findings = pd.read_csv(out / "validation.csv")
    assert set(findings["rule"]) <= {"mapping.column_dropped", "mapping.column_unused"}


def test_abbreviated_english_headers(tmp_path):
    folder = tmp_path / "abbrev"
    folder.mkdir()
    pd.DataFrame(
        {
            "Pt ID": ["A1", "A2"],
            "Gender": ["M", "F"],
            "Age": [61, 58],
            "Dx date": ["2020-01-02", "2021-03-04"],
            "TBil (umol/L)": [12.1, 20.3],
            "PLT (10^9/L)": [150, 98],
            "ECOG PS": [0, 1],
            "Vital status": ["Deceased", "Alive"],
        }
    ).to_csv(folder / "sheet1.csv", index=False)
    proposal = propose_mapping(folder, detect_identifiers=detect_identifiers)
    (block,) = proposal.blocks
    columns = {c: s for c, s, _ in block.columns}
    assert columns["patient_id"] == "Pt ID" and columns["sex"] == "Gender"
    assert columns["bilirubin_umol_l"] == "TBil (umol/L)"
    assert columns["platelets_10e9_l"] == "PLT (10^9/L)"
    assert block.values["vital_status"] == {"Alive": "alive", "Deceased": "dead"}
    assert "sex" not in block.values  # already contract values
    assert columns["diagnosis_date"] == "Dx date" and columns["age_at_index"] == "Age"
    assert "last_contact_date" in block.missing  # required, not in the source: said so


def test_unmatched_words_are_left_empty_for_the_user(tmp_path):
    folder = tmp_path / "words"
    folder.mkdir()
    pd.DataFrame(
        {"序号": [1, 2], "不良反应1": ["疲乏", "头晕"], "不良反应2": ["腹泻", None]}
    ).to_csv(folder / "ae.csv", index=False)
    proposal = propose_mapping(folder, detect_identifiers=detect_identifiers)
    block = next(b for b in proposal.blocks if b.table == "adverse_events")
    assert block.values["term"] == {"疲乏": "Fatigue", "腹泻": "Diarrhea", "头晕": ""}
    assert "grade" in block.missing and "onset_date" in block.missing


def test_values_first_seen_after_the_sample_are_findings(tmp_path, capsys):
    # the proposal reads SAMPLE_ROWS rows per sheet; applying the mapping reads every row, and
    # a word, a drug or a text date that first appears below the sample is reported, not lost
    tables = read_cohort(seed_twin_path())
    keep = ("SYN-001", "SYN-002", "SYN-003", "SYN-004")
    frames = hospital_frames({k: v[v["patient_id"].isin(keep)] for k, v in tables.items()}, "zh")
    rows = SAMPLE_ROWS + 40
    patients = frames["患者信息"]
    patients = patients.iloc[[k % len(patients) for k in range(rows)]].reset_index(drop=True)
    patients["序号"] = range(1, rows + 1)
    late = {"性别": "男性", "系统治疗药物1": "阿替利珠单抗", "诊断日期": "03/04/2020"}
    for header, value in late.items():
        patients.loc[rows - 1, header] = value
    frames["患者信息"] = patients
    book = write_workbook(frames, tmp_path / "study.xlsx")
    mapping = tmp_path / "mapping.toml"
    assert main(["map", str(book), "--out", str(mapping)]) == 0
    plan = load_mapping(mapping)
    sex = next(c for b in plan.blocks for c in b.columns if c.column == "sex")
    assert sex.values == {"男": "M", "女": "F"}  # 女: a closed category is completed
    out = tmp_path / "out"
    code = main(["validate", str(book), "--mapping", str(mapping), "--out", str(out)])
    printed = " ".join(capsys.readouterr().out.split())
    assert code == 1
    findings = pd.read_csv(out / "validation.csv", dtype=str, keep_default_na=False)
    mapped = findings[findings["rule"].str.startswith("mapping.")]
    found = {(r.rule, r.value) for r in mapped.itertuples()}
    assert ("mapping.value_unmapped", "男性") in found
    assert ("mapping.value_unmapped", "阿替利珠单抗") in found
    assert ("mapping.date_ambiguous", "03/04/2020") in found
    last_row = f"row {rows + 1}"  # the header is row 1
    for value in late.values():
        (message,) = mapped.loc[mapped["value"] == value, "message"].unique()[:1]
        assert f"sheet '患者信息' {last_row}" in message
    assert f"sheet '患者信息': {rows} rows -> patients {rows}" in printed
    patients_line = re.search(
        r"patients: read (\d+) = accepted (\d+) \+ quarantined (\d+)", printed
    )
    read, accepted, held = map(int, patients_line.groups())
    assert read == rows == accepted + held and held >= 1
