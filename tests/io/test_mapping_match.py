"""Headers -> contract columns: numbered groups, vocabulary, units, value fit."""

import pandas as pd
import pytest

from oncorwe.io.mapping.match import header_candidates, rank, templates
from oncorwe.io.mapping.vocabulary import Target


def test_numbered_groups_become_templates():
    headers = [
        "不良反应1",
        "不良反应1分级(CTCAE 5.0)",
        "不良反应2",
        "不良反应2分级(CTCAE 5.0)",
        "RECIST 1.1疗效",
        "血小板(×10^9/L)",
        "AE1 grade",
        "AE2 grade",
        "Drug 1 start date",
        "Drug 2 start date",
        "ECOG评分",
    ]
    found = templates(headers)
    assert found["不良反应2分级(CTCAE 5.0)"] == ("不良反应{n}分级(CTCAE 5.0)", 2)
    assert found["不良反应1"] == ("不良反应{n}", 1)
    assert found["AE2 grade"] == ("AE{n} grade", 2)
    assert found["Drug 1 start date"] == ("Drug {n} start date", 1)
    for plain in ("RECIST 1.1疗效", "血小板(×10^9/L)", "ECOG评分"):
        assert plain not in found


def test_a_single_number_is_not_a_group():
    assert templates(["Visit 1 date", "性别"]) == {}


@pytest.mark.parametrize(
    "header, table, column",
    [
        ("性别", "patients", "sex"),
        ("Gender", "patients", "sex"),
        ("年龄(岁)", "patients", "age_at_index"),
        ("总剂量(Gy)", "radiotherapy", "total_dose_gy"),
        ("放疗总剂量 (Gy)", "radiotherapy", "total_dose_gy"),
        ("不良反应分级(CTCAE 5.0)", "adverse_events", "grade"),
        ("AE grade (CTCAE v5)", "adverse_events", "grade"),
        ("TBil (μmol/L)", "patients", "bilirubin_umol_l"),
        ("末次随访日期", "patients", "last_contact_date"),
        ("Date of last follow up", "patients", "last_contact_date"),
        ("生存状态", "patients", "vital_status"),
        ("门静脉癌栓分型", "patients", "pvtt"),
    ],
)
def test_header_vocabulary(header, table, column):
    best = header_candidates(header)[0]
    assert (best.target.table, best.target.column) == (table, column)


def test_response_columns_carry_their_criteria():
    (best,) = header_candidates("mRECIST疗效")
    assert best.target == Target("tumor_assessments", "overall_response", ("criteria", "mRECIST"))


def test_values_that_do_not_fit_lower_the_confidence():
    dates = pd.Series(["2020-01-02", "2021-03-04"])
    words = pd.Series(["unknown", "n/a"])
    assert rank("诊断日期", dates)[0].score > rank("诊断日期", words)[0].score


def test_unknown_header_has_no_candidate():
    assert header_candidates("备注") == []


def test_course_groups_in_english():
    found = templates(["Course 1 start date", "Course 2 start date"])
    assert found["Course 2 start date"] == ("Course {n} start date", 2)
    best = header_candidates("Course start date")[0]
    assert (best.target.table, best.target.column) == ("radiotherapy", "start_date")
