"""REDCap: data dictionary, raw and label exports (classic, longitudinal, repeating instruments
and events, checkboxes with negative codes, <form>_complete, missing-data codes, dates by
validation), and a lossless round trip contract -> REDCap export -> contract."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from conftest import seed_twin_tables
from oncorwe.errors import InputError
from oncorwe.io.formats.redcap import checkbox_column, form_stream
from oncorwe.io.formats.redcap_dictionary import parse_choices, read_dictionary
from oncorwe.io.formats.redcap_template import (
    redcap_dictionary_rows,
    write_redcap_export,
    write_redcap_template,
)
from oncorwe.io.readers import join_chunks
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import read_source
from oncorwe.validate import validate_tables

HEADER = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note",'
    '"Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max",'
    '"Identifier?","Branching Logic (Show field only if...)","Required Field?",'
    '"Custom Alignment","Question Number (surveys only)","Matrix Group Name","Matrix Ranking?",'
    '"Field Annotation"'
)
# an independently designed project: coded choices, a checkbox with a negative code, yes/no,
# a day-first date, a repeating AE instrument
DICTIONARY = (
    HEADER
    + "\n"
    + textwrap.dedent(
        """\
    record_id,baseline,,text,Record ID,,,,,,,,,,,,,
    gender,baseline,,radio,Gender,"1, Male | 2, Female",,,,,,,,,,,,
    dx_date,baseline,,text,Date of diagnosis,,,date_dmy,,,,,,,,,,
    mets,baseline,,checkbox,Metastasis sites,"1, Lung | 2, Bone | -1, Unknown",,,,,,,,,,,,
    ehm,baseline,,yesno,Extrahepatic spread,,,,,,,,,,,,,
    weight,baseline,,text,Weight (kg),,,number_comma_decimal,,,,,,,,,,
    intro,adverse_events,,descriptive,Record every AE,,,,,,,,,,,,,
    ae_term,adverse_events,,text,AE term,,,,,,,,,,,,,
    ae_grade,adverse_events,,dropdown,Grade,"1, 1 | 2, 2 | 3, 3 | 4, 4 | 5, 5",,,,,,,,,,,,
    ae_onset,adverse_events,,text,Onset,,,date_ymd,,,,,,,,,,
    """
    )
)
RAW_HEADER = (
    "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,gender,dx_date,"
    "mets___1,mets___2,mets____1,ehm,weight,baseline_complete,ae_term,ae_grade,ae_onset,"
    "adverse_events_complete"
)
LABEL_HEADER = (
    "Record ID,Event Name,Repeat Instrument,Repeat Instance,Gender,Date of diagnosis,"
    "Metastasis sites (choice=Lung),Metastasis sites (choice=Bone),"
    "Metastasis sites (choice=Unknown),Extrahepatic spread,Weight (kg),Complete?,AE term,Grade,"
    "Onset,Complete?"
)
RAW_EXPORT = textwrap.dedent(
    """\
    {header}
    P1,baseline_arm_1,,,1,15-03-2020,1,0,0,1,"61,5",2,,,,
    P1,baseline_arm_1,adverse_events,1,,,,,,,,,Fatigue,2,2020-04-01,2
    P1,baseline_arm_1,adverse_events,2,,,,,,,,,Rash,UNK,2020-05-02,1
    P2,baseline_arm_1,,,2,01-12-2019,0,0,1,0,NASK,0,,,,
    P2,baseline_arm_1,adverse_events,1,,,,,,,,,Nausea,7,2020-01-05,2
    """
).format(header=RAW_HEADER)
LABEL_EXPORT = textwrap.dedent(
    """\
    {header}
    P1,Baseline,,,Male,15-03-2020,Checked,Unchecked,Unchecked,Yes,"61,5",Complete,,,,
    P1,Baseline,Adverse Events,1,,,Unchecked,Unchecked,Unchecked,,,,Fatigue,2,2020-04-01,Complete
    """
).format(header=LABEL_HEADER)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "dictionary.csv").write_text(DICTIONARY, encoding="utf-8")
    (tmp_path / "raw.csv").write_text(RAW_EXPORT, encoding="utf-8")
    (tmp_path / "labels.csv").write_text(LABEL_EXPORT, encoding="utf-8")
    return tmp_path


def test_choices_are_parsed_with_negative_and_text_codes():
    assert parse_choices("1, Male | 2, Female | -1, Unknown, not asked") == (
        ("1", "Male"), ("2", "Female"), ("-1", "Unknown, not asked"),
    )  # fmt: skip
    assert checkbox_column("mets", "-1") == "mets____1"
    assert checkbox_column("site", "LN") == "site___ln"


def test_dictionary_fields_forms_and_types(project):
    dictionary = read_dictionary(project / "dictionary.csv")
    assert dictionary.record_id == "record_id"
    assert dictionary.forms == ("baseline", "adverse_events")
    assert [f.name for f in dictionary.form_fields("adverse_events")] == [
        "ae_term",
        "ae_grade",
        "ae_onset",
    ]  # fmt: skip (the descriptive field holds no data)
    assert dictionary.fields[4].choice_map == {"1": "Yes", "0": "No"}


def test_raw_export_decoded_through_the_dictionary(project):
    dictionary = read_dictionary(project / "dictionary.csv")
    stream = form_stream(project / "raw.csv", dictionary, "baseline")
    baseline = join_chunks(stream)
    assert baseline["_row"].tolist() == [2, 5]  # the export's line numbers
    assert baseline["record_id"].tolist() == ["P1", "P2"]
    assert baseline["redcap_event_name"].tolist() == ["baseline_arm_1"] * 2
    assert baseline["gender"].tolist() == ["Male", "Female"]
    assert baseline["dx_date"].tolist() == ["2020-03-15", "2019-12-01"]  # date_dmy -> ISO
    assert baseline["mets"].tolist() == ["Lung", "Unknown"]  # mets____1 is the code -1
    assert baseline["ehm"].tolist() == ["Yes", "No"]
    assert baseline["weight"][0] == "61.5" and pd.isna(baseline["weight"][1])  # NASK -> empty
    assert baseline["baseline_complete"].tolist() == ["Complete", "Incomplete"]
    rules = [(n["row"], n["rule"], n["value"]) for n in stream.notes]
    assert (5, "redcap.missing_code", "NASK") in rules


def test_repeating_instrument_rows_and_findings(project):
    dictionary = read_dictionary(project / "dictionary.csv")
    stream = form_stream(project / "raw.csv", dictionary, "adverse_events")
    events = join_chunks(stream)
    assert events["_row"].tolist() == [3, 4, 6]
    assert events["redcap_repeat_instance"].tolist() == ["1", "2", "1"]
    assert events["ae_term"].tolist() == ["Fatigue", "Rash", "Nausea"]
    assert events["ae_grade"].tolist()[0] == "2" and pd.isna(events["ae_grade"][1])  # UNK
    assert events["ae_grade"][2] == "7"  # not a choice: kept, reported
    found = {(n["row"], n["column"], n["rule"]) for n in stream.notes}
    assert (4, "ae_grade", "redcap.missing_code") in found
    assert (6, "ae_grade", "redcap.unknown_choice") in found


def test_label_export_with_label_headers_reads_the_same(project):
    dictionary = read_dictionary(project / "dictionary.csv")
    baseline = join_chunks(form_stream(project / "labels.csv", dictionary, "baseline"))
    assert baseline["record_id"].tolist() == ["P1"]
    assert baseline["gender"].tolist() == ["Male"]
    assert baseline["dx_date"].tolist() == ["2020-03-15"]
    assert baseline["mets"].tolist() == ["Lung"]
    assert baseline["weight"].tolist() == ["61.5"]
    assert baseline["baseline_complete"].tolist() == ["Complete"]
    events = join_chunks(form_stream(project / "labels.csv", dictionary, "adverse_events"))
    assert events["ae_term"].tolist() == ["Fatigue"]


def test_repeating_event_rows_belong_to_the_forms_with_data(tmp_path):
    (tmp_path / "d.csv").write_text(DICTIONARY, encoding="utf-8")
    export = textwrap.dedent(
        """\
        {header}
        P1,visit_arm_1,,1,,Fatigue,1
        P1,visit_arm_1,,2,,Rash,2
        """
    ).format(header=",".join(RAW_HEADER.split(",")[:5] + ["ae_term", "ae_grade"]))
    (tmp_path / "e.csv").write_text(export, encoding="utf-8")
    dictionary = read_dictionary(tmp_path / "d.csv")
    events = join_chunks(form_stream(tmp_path / "e.csv", dictionary, "adverse_events"))
    assert events["redcap_repeat_instance"].tolist() == ["1", "2"]
    assert events["ae_grade"].tolist() == ["1", "2"]
    assert join_chunks(form_stream(tmp_path / "e.csv", dictionary, "baseline")).empty


def test_not_a_dictionary_is_a_clear_error(tmp_path):
    (tmp_path / "d.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a REDCap data dictionary"):
        read_dictionary(tmp_path / "d.csv")


def test_template_dictionary_uses_redcap_types():
    rows = {r["Variable / Field Name"]: r for r in redcap_dictionary_rows()}
    first = redcap_dictionary_rows()[0]
    assert first["Variable / Field Name"] == "patient_id" and first["Form Name"] == "patients"
    assert rows["sex"]["Field Type"] == "radio"
    assert rows["sex"]["Choices, Calculations, OR Slider Labels"] == "1, M | 2, F"
    assert rows["metastasis_sites"]["Field Type"] == "checkbox"
    assert rows["extrahepatic_metastasis"]["Field Type"] == "yesno"
    assert rows["last_contact_date"]["Text Validation Type OR Show Slider Number"] == "date_ymd"
    assert rows["rt_total_dose_gy"]["Text Validation Type OR Show Slider Number"] == "number"
    assert rows["rt_fractions"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert (rows["rt_fractions"]["Text Validation Min"], rows["ae_grade"]["Form Name"]) == (
        "1", "adverse_events",
    )  # fmt: skip


def test_contract_round_trip_through_a_redcap_export(tmp_path):
    twin = seed_twin_tables()
    write_redcap_template(tmp_path)
    write_redcap_export(twin, tmp_path / "STUDY_DATA_2026-01-01_1200.csv")
    raw = read_source(tmp_path)
    assert raw.format == "redcap"
    result = validate_tables(raw)
    expected = validate_tables(twin)
    assert result.ok
    for name, table in expected.accepted.items():
        got = _as_sets(result.accepted[name], name)
        want = _as_sets(table, name)
        pd.testing.assert_frame_equal(got[list(want.columns)], want, check_exact=True)


def _as_sets(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A checkbox holds a set: list columns compared as sorted items (the dictionary's order
    is REDCap's, not the order the values were typed in)."""
    out = frame.drop(columns="_row").reset_index(drop=True)
    for column in TABLES[table].columns:
        if column.type == "list" and column.name in out:
            out[column.name] = out[column.name].map(
                lambda v: ";".join(sorted(v.split(";"))) if isinstance(v, str) else v
            )
    return out
