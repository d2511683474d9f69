"""Acceptance: a hospital-style workbook made from the seed twin (Chinese or English headers and
words, numbered groups, an imaging sheet, identifier columns) goes through `oncorwe map` with no
hand edits and `oncorwe run --mapping` to the reference study's published numbers, and no
identifier value reaches any output file."""

import json
from contextlib import nullcontext

import pandas as pd
import pytest

from conftest import results_only
from leak_search import leak_finder
from oncorwe.cli import main
from oncorwe.synth import seed_twin_path
from oncorwe.synth.hospital_workbook import (
    hospital_frames,
    identifiers,
    read_cohort,
    write_hospital_workbook,
)
from published_numbers import PUBLISHED, value_at


@pytest.fixture(scope="module", params=["zh", "en"])
def mapped_run(request, tmp_path_factory):
    """The Chinese workbook's run writes the report too; the English one's writes everything but
    the report, which is made from the analysis outputs alone (the same numbers, checked here, so
    the same report) and is searched for identifiers in the Chinese run."""
    folder = tmp_path_factory.mktemp(f"hospital-{request.param}")
    book = write_hospital_workbook(folder / "study.xlsx", language=request.param)
    mapping = folder / "mapping.toml"
    assert main(["map", str(book), "--out", str(mapping)]) == 0
    out = folder / "results"
    with results_only() if request.param == "en" else nullcontext():
        code = main(["run", "--data", str(book), "--mapping", str(mapping), "--out", str(out)])
    assert code == 0
    return request.param, mapping, out


@pytest.mark.parametrize("path, published", sorted(PUBLISHED.items()))
def test_published_number_reproduced(mapped_run, path, published):
    _, _, out = mapped_run
    results = json.loads((out / "results.json").read_text())
    assert round(float(value_at(results, path)), 1) == pytest.approx(published, abs=1e-9)


def test_published_terms_and_every_row_accepted(mapped_run):
    _, _, out = mapped_run
    results = json.loads((out / "results.json").read_text())
    assert results["safety"]["most_common_any_grade"]["term"] == "Dermatitis radiation"
    assert results["safety"]["most_common_grade3plus"]["term"] == "Platelet count decreased"
    twin = read_cohort(seed_twin_path())
    for row in results["data_quality"]["reconciliation"]:
        assert row["read"] == row["accepted"] == len(twin[row["table"]]), row


def test_mapping_needs_no_hand_edit(mapped_run):
    _, mapping, _ = mapped_run
    text = mapping.read_text(encoding="utf-8")
    assert "NOT MATCHED" not in text and "MISSING" not in text


def test_no_identifier_value_in_any_output(mapped_run):
    language, mapping, out = mapped_run
    n = len(read_cohort(seed_twin_path())["patients"])
    who = identifiers(n, language)
    needles = [v.encode("utf-8") for v in pd.concat([who["name"], who["mrn"], who["phone"]])]
    files = [p for p in out.rglob("*") if p.is_file()] + [mapping]
    assert len(files) > (20 if language == "zh" else 10)  # the English run: no report
    find = leak_finder(needles)
    for path in files:
        leaked = find(path.read_bytes())
        assert not leaked, (path.name, len(leaked))


def test_workbook_shape():
    sheets = hospital_frames(read_cohort(seed_twin_path()), "zh")
    patients = sheets["患者信息"]
    for header in ("性别", "放疗1开始日期", "放疗1总剂量(Gy)", "系统治疗药物1", "不良反应1"):
        assert header in patients.columns
    assert {"不良反应1分级(CTCAE 5.0)", "不良反应1发生日期", "姓名", "住院号"} <= set(patients)
    assert set(patients["性别"]) == {"男", "女"}
    assert "卡瑞利珠单抗" in set(patients["系统治疗药物1"])
    assert set(sheets["影像评估"].columns) >= {"序号", "评估日期", "mRECIST疗效"}
