"""Lab unit conversion and category synonyms (normalising rules, before typing)."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.errors import InputError
from oncorwe.io.sample import minimal_tables
from oncorwe.validate import validate_tables


def _findings(result, rule):
    return result.findings[result.findings["rule"] == rule]


def test_values_written_with_a_unit_are_converted():
    tables = minimal_tables()
    tables["patients"]["bilirubin_umol_l"] = ["12", "1.2 mg/dL", "20 umol/L"]
    tables["patients"]["albumin_g_l"] = ["40", "3.5 g/dL", "38"]
    result = validate_tables(tables)
    patients = result.accepted["patients"]
    assert patients["bilirubin_umol_l"].tolist() == pytest.approx([12, 1.2 * 17.1, 20])
    assert patients["albumin_g_l"].tolist() == [40, 35, 38]
    converted = _findings(result, "units.converted")
    assert sorted(converted["value"]) == ["1.2 mg/dL", "20 umol/L", "3.5 g/dL"]
    assert "1 mg/dL = 17.1 umol/L" in converted.sort_values("value")["message"].iloc[0]
    assert result.ok


def test_a_whole_column_in_conventional_units_is_detected():
    tables = minimal_tables()
    tables["patients"]["bilirubin_umol_l"] = ["0.8", "1.2", "2.5"]  # median 1.2: mg/dL
    tables["patients"]["albumin_g_l"] = ["4.0", "3.5", "3.9"]  # median 3.9: g/dL
    patients = validate_tables(tables).accepted["patients"]
    assert patients["bilirubin_umol_l"].tolist() == pytest.approx([13.68, 20.52, 42.75])
    assert patients["albumin_g_l"].tolist() == pytest.approx([40, 35, 39])


def test_plausible_si_columns_are_left_alone():
    result = validate_tables(minimal_tables())
    assert _findings(result, "units.converted").empty


def test_labs_units_per_test():
    tables = minimal_tables()
    tables["labs"] = pd.DataFrame(
        {
            "patient_id": ["P001"] * 4 + ["P002"],
            "lab_date": ["2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-04-02"],
            "test": ["bilirubin_umol_l"] * 3 + ["albumin_g_l", "platelets_10e9_l"],
            "value": ["0.9", "1.1", "1.0", "3.8 g/dL", "1.0"],
        },
        dtype="string",
    )
    labs = validate_tables(tables).accepted["labs"]
    assert labs["value"].tolist() == pytest.approx([15.39, 18.81, 17.1, 38, 1.0])


def test_unknown_unit_is_a_type_error():
    tables = minimal_tables()
    tables["patients"].loc[0, "albumin_g_l"] = "40 mmol/L"
    result = validate_tables(tables)
    assert "column.type" in set(result.findings["rule"])


def test_default_synonyms_and_case():
    tables = minimal_tables()
    tables["patients"]["sex"] = ["male", "女", "1"]
    tables["patients"]["vital_status"] = ["Alive", "deceased", "ALIVE"]
    tables["patients"].loc[1, "etiology"] = "hepatitis b; Alcohol"
    tables["tumor_assessments"].loc[0, "overall_response"] = "Partial Response"
    result = validate_tables(tables)
    assert result.ok
    patients = result.accepted["patients"]
    assert patients["sex"].tolist() == ["M", "F", "M"]
    assert patients["vital_status"].tolist() == ["alive", "dead", "alive"]
    assert patients["etiology"][1] == "HBV;alcohol"
    assert result.accepted["tumor_assessments"]["overall_response"][0] == "PR"
    mapped = _findings(result, "column.synonym_mapped")
    assert "'male' read as 'M'" in mapped["message"].iloc[0]


def test_study_synonyms_file_adds_and_overrides(tmp_path):
    path = tmp_path / "syn.csv"
    path.write_text("table,column,synonym,value\npatients,sex,1,F\n,target,hcc,liver\n")
    tables = minimal_tables()
    tables["patients"].loc[0, "sex"] = "1"
    tables["radiotherapy"].loc[0, "target"] = "HCC"
    result = validate_tables(tables, synonyms=path)
    assert result.accepted["patients"]["sex"][0] == "F"
    assert result.accepted["radiotherapy"]["target"][0] == "liver"


def test_unmapped_value_still_fails_allowed():
    tables = minimal_tables()
    tables["patients"].loc[0, "sex"] = "unknown"
    result = validate_tables(tables)
    assert "column.allowed" in set(result.findings["rule"])


def test_bad_synonyms_file(tmp_path):
    path = tmp_path / "syn.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="lacks column"):
        validate_tables(minimal_tables(), synonyms=path)
