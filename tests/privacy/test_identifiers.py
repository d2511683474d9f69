"""detect_identifiers: every seeded fake identifier column is flagged, no contract column is."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.io.sample import minimal_tables
from oncorwe.privacy.identifiers import chinese_id_checksum_ok, detect_identifiers

# Fake identifiers, made up for the test (the ID numbers carry valid GB 11643 check digits).
SEEDED = {
    "patient_name": ["张伟", "李娜", "王芳"],
    "english_name": ["John Smith", "Mary O'Neil", "Ana Lopez"],
    "contact": ["13812345678", "+86 139 1234 5678", "15900001111"],
    "email_address": ["a.b@example.com", "x@hospital.cn", "me@test.org"],
    "id_number": ["11010519491231002X", "440524188001010014", "11010119900307663X"],
    "ssn_col": ["123-45-6789", "987-65-4321", "111-22-3333"],
    "hospital_no": ["ZY0012345", "ZY0012346", "ZY0012399"],
    "codes": ["00123456", "00123457", "00654321"],
    "home": ["12 Baker Street", "221 Main St", "5 Elm Road"],
    "住址": [
        "上海市徐汇区肇嘉浜路1000号",
        "北京市海淀区中关村大街27号",
        "广东省广州市天河区体育西路1号",
    ],
    "dob": ["1961-03-04", "1970-12-31", "1955-07-01"],
    "phone_number": ["", "", ""],  # flagged by its name even when empty
}


def test_checksum():
    ids = pd.Series(["11010519491231002X", "11010519491231002Y", "440524188001010014"])
    assert chinese_id_checksum_ok(ids).tolist() == [True, False, True]


def test_every_seeded_identifier_column_is_flagged():
    frame = pd.DataFrame(SEEDED, dtype="string")
    found = detect_identifiers(frame).set_index("column")
    assert set(found.index) == set(SEEDED)
    kinds = found["kind"].to_dict()
    assert kinds["patient_name"] == "name" and kinds["english_name"] == "name"
    assert kinds["contact"] == "phone" and kinds["phone_number"] == "phone"
    assert kinds["email_address"] == "email"
    assert kinds["id_number"] == "id_card" and kinds["ssn_col"] == "id_card"
    assert kinds["hospital_no"] == "mrn" and kinds["codes"] == "mrn"
    assert kinds["home"] == "address" and kinds["住址"] == "address"
    assert kinds["dob"] == "birth_date"


def test_values_never_appear_in_the_result():
    frame = pd.DataFrame(SEEDED, dtype="string")
    text = detect_identifiers(frame).to_csv()
    assert "13812345678" not in text and "张伟" not in text and "example.com" not in text


@pytest.mark.parametrize("table", ["patients", "radiotherapy", "adverse_events"])
def test_no_contract_column_is_flagged(table):
    frame = minimal_tables()[table]
    assert detect_identifiers(frame, table=table).empty


def test_clinical_extra_columns_are_not_identifiers():
    frame = pd.DataFrame(
        {
            "afp_raw": ["123456", "7.5", "20000"],
            "ward": ["A3", "B1", "A3"],
            "comment": ["Dermatitis radiation", "stable", "Fatigue"],
            "year": ["2020", "2021", "2020"],
            "visit_date": ["2020-01-01", "2020-02-01", "2020-03-01"],
        },
        dtype="string",
    )
    assert detect_identifiers(frame).empty


def test_contract_columns_checked_on_request():
    frame = minimal_tables()["patients"].assign(
        patient_id=["13812345678", "13812345679", "13912345678"]
    )
    found = detect_identifiers(frame, table="patients", include_contract=True)
    assert found["column"].tolist() == ["patient_id"]
