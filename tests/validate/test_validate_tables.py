"""validate_tables: every rule triggered by one hand-made change to the valid sample study."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.errors import InputError
from oncorwe.io.sample import minimal_tables
from oncorwe.validate import RULES, first_error_class, rules_table, validate_tables


def _rules_at(result, table, row):
    f = result.findings
    return set(f.loc[(f["table"] == table) & (f["row"] == row), "rule"])


def _assert_reconciles(result):
    rec = result.reconciliation
    assert (rec["read"] == rec["accepted"] + rec["quarantined"]).all()
    for r in rec.itertuples():
        assert len(result.accepted[r.table]) == r.accepted
        assert len(result.quarantined[r.table]) == r.quarantined


def test_sample_is_clean_and_typed():
    result = validate_tables(minimal_tables())
    assert result.ok
    assert set(result.findings["rule"]) == {"column.partial_date_imputed"}
    patients = result.accepted["patients"]
    assert str(patients["diagnosis_date"].dtype) == "datetime64[ns]"
    assert str(patients["age_at_index"].dtype) == "Int64"
    assert str(patients["albumin_g_l"].dtype) == "float64"
    assert str(patients["extrahepatic_metastasis"].dtype) == "boolean"
    assert str(patients["sex"].dtype) == "string"
    # conservative imputation: YYYY-MM -> 1st of month, YYYY -> 1 January, flagged
    assert patients["diagnosis_date"].tolist() == [
        pd.Timestamp("2020-01-15"),
        pd.Timestamp("2020-03-01"),
        pd.Timestamp("2019-01-01"),
    ]
    assert patients["diagnosis_date_imputed"].tolist() == [False, True, True]
    assert patients["metastasis_sites"].tolist()[1] == "lung;bone"
    assert result.reconciliation["read"].tolist() == [3, 3, 3, 4, 3]
    _assert_reconciles(result)


# (table, position, column, new value, rule, table row that gets the finding)
CASES = [
    ("patients", 0, "age_at_index", "sixty", "column.type", ("patients", 1)),
    ("patients", 0, "ecog", "1.5", "column.type", ("patients", 1)),
    ("patients", 0, "albumin_g_l", "40 mmol/L", "column.type", ("patients", 1)),
    ("patients", 0, "extrahepatic_metastasis", "maybe", "column.type", ("patients", 1)),
    ("patients", 0, "diagnosis_date", "2020-02-30", "column.type", ("patients", 1)),
    ("patients", 0, "diagnosis_date", "15/01/2020", "column.type", ("patients", 1)),
    (
        "patients",
        0,
        "last_contact_date",
        "2021-06",
        "column.partial_date_not_allowed",
        ("patients", 1),
    ),
    ("patients", 0, "last_contact_date", "44377", "column.excel_serial", ("patients", 1)),
    ("patients", 0, "sex", "", "column.required", ("patients", 1)),
    ("radiotherapy", 1, "course_id", "  ", "column.required", ("radiotherapy", 2)),
    ("patients", 0, "sex", "X", "column.allowed", ("patients", 1)),
    ("patients", 1, "etiology", "HBV;HDV", "column.allowed", ("patients", 2)),
    ("patients", 0, "ecog", "5", "column.range", ("patients", 1)),
    ("patients", 0, "albumin_g_l", "400", "column.range", ("patients", 1)),
    ("radiotherapy", 0, "total_dose_gy", "0", "radiotherapy.dose_range", ("radiotherapy", 1)),
    ("radiotherapy", 0, "total_dose_gy", "150.5", "radiotherapy.dose_range", ("radiotherapy", 1)),
    ("radiotherapy", 0, "fractions", "0", "radiotherapy.fractions_range", ("radiotherapy", 1)),
    ("radiotherapy", 0, "fractions", "500", "radiotherapy.fractions_range", ("radiotherapy", 1)),
    ("adverse_events", 0, "grade", "6", "adverse_events.grade_range", ("adverse_events", 1)),
    ("adverse_events", 0, "grade", "0", "adverse_events.grade_range", ("adverse_events", 1)),
    ("patients", 0, "age_at_index", "", "patients.age_or_birth_date", ("patients", 1)),
    ("patients", 1, "death_date", "", "patients.death_date_if_dead", ("patients", 2)),
    ("patients", 0, "death_date", "2021-07-01", "patients.death_date_if_alive", ("patients", 1)),
    ("patients", 1, "last_contact_date", "2021-03-01", "patients.death_last_date", ("patients", 2)),
    (
        "radiotherapy",
        0,
        "end_date",
        "2020-01-20",
        "radiotherapy.end_after_start",
        ("radiotherapy", 1),
    ),
    (
        "systemic_therapy",
        0,
        "end_date",
        "2020-01-01",
        "systemic_therapy.end_after_start",
        ("systemic_therapy", 1),
    ),
    (
        "tumor_assessments",
        0,
        "overall_response",
        "",
        "tumor_assessments.response_or_lesions",
        ("tumor_assessments", 1),
    ),
    ("radiotherapy", 0, "patient_id", "P999", "cross.patient_exists", ("radiotherapy", 1)),
    (
        "adverse_events",
        1,
        "onset_date",
        "2021-03-01",
        "cross.date_after_death",
        ("adverse_events", 2),
    ),
    (
        "tumor_assessments",
        2,
        "assessment_date",
        "2021-05-01",
        "cross.date_after_death",
        ("tumor_assessments", 3),
    ),
    (
        "tumor_assessments",
        0,
        "assessment_date",
        "2020-01-01",
        "cross.assessment_after_diagnosis",
        ("tumor_assessments", 1),
    ),
]


def _case_copy(case: int) -> dict[str, pd.DataFrame]:
    """The sample study with its patients renamed for ``case`` (``C07P001``), so that copies
    for different cases share no patient."""
    tables = minimal_tables()
    for frame in tables.values():
        frame["patient_id"] = f"C{case:02d}" + frame["patient_id"]
    return tables


@pytest.fixture(scope="module")
def cases_validated():
    """Every case of CASES applied to a copy of the sample study of its own (``_case_copy``),
    and the copies validated together, one after another in each table: a rule judges a row
    with the rows of its own patient only, so each copy's findings are the ones it has alone
    (``test_a_case_alone_finds_what_it_finds_among_the_others`` checks that on a sample).
    Returns the result and, per table, the row number before each copy's first row."""
    copies = []
    for k, (table, pos, column, value, *_) in enumerate(CASES):
        tables = _case_copy(k)
        tables[table].loc[pos, column] = value
        copies.append(tables)
    together = {
        name: pd.concat([tables[name] for tables in copies], ignore_index=True)
        for name in copies[0]
    }
    size = {name: len(frame) for name, frame in copies[0].items()}
    assert all({n: len(f) for n, f in tables.items()} == size for tables in copies)
    return validate_tables(together), size


def _findings_of_case(result, size, case) -> pd.DataFrame:
    """The findings of copy ``case``, their rows renumbered as in that copy alone."""
    f = result.findings
    start = f["table"].map(size) * case
    mine = f[(f["row"] > start) & (f["row"] <= start + f["table"].map(size))]
    return mine.assign(row=mine["row"] - start[mine.index])


def test_copies_validated_together_reconcile(cases_validated):
    result, size = cases_validated
    _assert_reconciles(result)
    assert result.reconciliation.set_index("table")["read"].to_dict() == {
        name: n * len(CASES) for name, n in size.items()
    }


@pytest.mark.parametrize("case", [0, 9, 13, 20, 27])
def test_a_case_alone_finds_what_it_finds_among_the_others(cases_validated, case):
    result, size = cases_validated
    table, pos, column, value, *_ = CASES[case]
    tables = _case_copy(case)
    tables[table].loc[pos, column] = value
    alone = validate_tables(tables).findings
    among = _findings_of_case(result, size, case)
    pd.testing.assert_frame_equal(
        among[["table", "row", "column", "value", "rule", "severity"]].reset_index(drop=True),
        alone[["table", "row", "column", "value", "rule", "severity"]].reset_index(drop=True),
    )


@pytest.mark.parametrize(("table", "pos", "column", "value", "rule", "where"), CASES)
def test_each_rule_is_found_where_it_applies(
    table, pos, column, value, rule, where, cases_validated
):
    result, size = cases_validated
    case = CASES.index((table, pos, column, value, rule, where))
    found = _findings_of_case(result, size, case)
    at = (found["table"] == where[0]) & (found["row"] == where[1])
    assert rule in set(found.loc[at, "rule"])
    hit = found[found["rule"] == rule].iloc[0]
    assert hit["table"] == where[0] and hit["row"] == where[1]
    # messages name table, row, column and rule (the row as numbered among all the copies)
    row = where[1] + size[where[0]] * case
    assert f"{where[0]} row {row}" in hit["message"] and f"rule {rule}" in hit["message"]
    quarantined = result.quarantined[where[0]]
    errors = found[found["severity"] == "error"]
    if RULES[rule].severity == "error":
        assert not errors.empty
        assert row in quarantined["_row"].tolist()
        assert rule in quarantined.loc[quarantined["_row"] == row, "_rules"].iloc[0]
    else:
        assert errors.empty


def test_excel_serial_is_converted():
    tables = minimal_tables()
    tables["patients"].loc[0, "last_contact_date"] = "44377"
    result = validate_tables(tables)
    assert result.accepted["patients"]["last_contact_date"][0] == pd.Timestamp("2021-06-30")


def test_quarantined_patient_cascades_to_every_child_row():
    tables = minimal_tables()
    tables["patients"].loc[1, "sex"] = "X"  # P002 quarantined
    result = validate_tables(tables)
    rec = result.reconciliation.set_index("table")
    assert rec.loc["patients", "quarantined"] == 1
    assert rec.loc["adverse_events", "quarantined"] == 2
    assert rec.loc["radiotherapy", "quarantined"] == 1
    cascaded = result.findings[result.findings["rule"] == "cross.patient_quarantined"]
    assert sorted(cascaded["table"]) == [
        "adverse_events",
        "adverse_events",
        "radiotherapy",
        "systemic_therapy",
        "tumor_assessments",
    ]
    assert "P002" not in set(result.accepted["adverse_events"]["patient_id"])
    _assert_reconciles(result)


def test_exact_duplicate_and_conflicting_duplicate():
    tables = minimal_tables()
    patients = tables["patients"]
    conflicting = patients.iloc[[0]].assign(sex="F")
    tables["patients"] = pd.concat([patients, patients.iloc[[0]], conflicting], ignore_index=True)
    result = validate_tables(tables)
    assert _rules_at(result, "patients", 4) == {"table.duplicate_row"}
    assert _rules_at(result, "patients", 5) == {"table.unique_key"}
    assert "row 1" in result.findings.query("rule == 'table.unique_key'")["message"].iloc[0]
    # the first P001 row stays accepted, so P001's other rows are not cascaded
    assert result.reconciliation.set_index("table").loc["radiotherapy", "quarantined"] == 0
    assert result.accepted["patients"]["patient_id"].tolist() == ["P001", "P002", "P003"]
    _assert_reconciles(result)


def test_rt_course_key_is_unique_within_patient():
    tables = minimal_tables()
    rt = tables["radiotherapy"]
    tables["radiotherapy"] = pd.concat([rt, rt.iloc[[0]].assign(target="bone")], ignore_index=True)
    result = validate_tables(tables)
    assert _rules_at(result, "radiotherapy", 4) == {"table.unique_key"}


def test_missing_tokens_and_spaces_are_missing():
    tables = minimal_tables()
    tables["patients"].loc[0, "ecog"] = "NA"
    tables["patients"].loc[1, "albumin_g_l"] = " 35.5 "
    result = validate_tables(tables)
    assert result.ok
    assert pd.isna(result.accepted["patients"]["ecog"][0])
    assert result.accepted["patients"]["albumin_g_l"][1] == 35.5


def test_extra_columns_are_kept_as_text():
    tables = minimal_tables()
    tables["patients"]["hospital_ward"] = pd.array(["A", "B", None], dtype="string")
    result = validate_tables(tables)
    assert result.accepted["patients"]["hospital_ward"].tolist()[:2] == ["A", "B"]


def test_findings_columns_and_severities():
    tables = minimal_tables()
    tables["patients"].loc[0, "sex"] = "X"
    findings = validate_tables(tables).findings
    assert list(findings.columns) == [
        "table",
        "row",
        "column",
        "value",
        "rule",
        "severity",
        "message",
    ]
    assert set(findings["severity"]) <= {"error", "warning"}


def test_strict_keeps_only_first_error_class():
    tables = minimal_tables()
    tables["patients"].loc[0, "ecog"] = "x"  # column.type
    tables["patients"].loc[2, "sex"] = "Q"  # column.allowed
    first = first_error_class(validate_tables(tables).findings)
    assert set(first["rule"]) == {"column.type"}


def test_missing_required_column_in_dict_input_is_input_error():
    tables = minimal_tables()
    tables["patients"] = tables["patients"].drop(columns="vital_status")
    with pytest.raises(InputError, match="vital_status"):
        validate_tables(tables)


def test_rule_registry_lists_every_rule_once_with_a_description():
    table = rules_table()
    assert table["rule"].is_unique
    assert (table["description"].str.len() > 10).all()
    assert {"patients.death_last_date", "cross.patient_quarantined", "table.unique_key"} <= set(
        table["rule"]
    )


def test_chinese_and_slash_dates():
    tables = minimal_tables()
    tables["patients"].loc[0, "diagnosis_date"] = "2020年1月15日"
    tables["patients"].loc[1, "diagnosis_date"] = "2020年3月"
    tables["patients"].loc[2, "last_contact_date"] = "2021/12/31"
    result = validate_tables(tables)
    patients = result.accepted["patients"]
    assert patients["diagnosis_date"].tolist()[:2] == [
        pd.Timestamp("2020-01-15"),
        pd.Timestamp("2020-03-01"),
    ]
    assert patients["last_contact_date"][2] == pd.Timestamp("2021-12-31")


def test_identifier_columns_are_warned_without_their_values():
    tables = minimal_tables()
    tables["patients"]["mobile"] = pd.array(["13812345678", "13912345678", None], dtype="string")
    result = validate_tables(tables)
    found = result.findings[result.findings["rule"] == "privacy.identifier_column"]
    assert found[["table", "column", "value"]].values.tolist() == [["patients", "mobile", "phone"]]
    assert "13812345678" not in result.findings.to_csv()
    assert result.ok
