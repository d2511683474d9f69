"""`oncorwe map`: a commented TOML mapping that reads back, with confidences and samples, and
no identifier value in it."""

import tomllib

from oncorwe.cli import main
from oncorwe.synth import seed_twin_path
from oncorwe.synth.hospital_workbook import identifiers, read_cohort, write_hospital_workbook


def test_map_writes_a_commented_mapping(tmp_path, capsys):
    tables = read_cohort(seed_twin_path())
    keep = tables["patients"]["patient_id"].iloc[:5]
    small = {k: v[v["patient_id"].isin(keep)] for k, v in tables.items()}
    book = write_hospital_workbook(tmp_path / "study.xlsx", small, "zh")
    out = tmp_path / "mapping.toml"
    assert main(["map", str(book), "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "3 identifier column(s) dropped" in printed
    text = out.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["sheets"]["患者信息"]["drop"] == ["姓名", "住院号", "联系电话"]
    patients = next(b for b in data["map"] if b["table"] == "patients")
    assert patients["columns"]["sex"] == "性别"
    assert patients["values"]["sex"] == {"女": "F", "男": "M"}
    assert "confidence 0.95" in text and "e.g. " in text
    who = identifiers(len(small["patients"]), "zh")
    for value in (*who["name"], *who["mrn"], *who["phone"]):
        assert value not in text
