"""An SDTM folder as a study source: detection, reconciliation (domain rows -> contract rows ->
accepted + quarantined), findings that name the domain, row, variable and value, and SAS
transport files written by ReadStat read as the same study as the CSV files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli
from oncorwe.intake import take_in
from oncorwe.io.formats.sdtm_events import sdtm_adverse_events
from oncorwe.io.formats.sdtm_source import SDTM_DOMAINS, is_sdtm_folder, read_domains
from oncorwe.io.formats.sdtm_tables import sdtm_assessments, sdtm_patients, sdtm_systemic_therapy

DATA = Path(__file__).parent / "sdtm_data" / "sdtm"
# numeric variables as a SAS transport file holds them
NUMERIC = {"AGE", "EXDOSE", "LBSTRESN", "LBSTNRHI", "TRSTRESN", "VISITNUM"}


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    findings = tmp_path_factory.mktemp("sdtm") / "validation.csv"
    result = take_in(DATA, findings_path=findings)
    return result, pd.read_csv(findings, dtype=str)


def test_a_folder_with_dm_and_no_patients_table_is_sdtm(tmp_path):
    assert is_sdtm_folder(DATA)
    (tmp_path / "dm.csv").write_text("USUBJID\n1\n")
    assert is_sdtm_folder(tmp_path)
    (tmp_path / "patients.csv").write_text("patient_id\n1\n")
    assert not is_sdtm_folder(tmp_path)


def test_domain_rows_reconcile_to_contract_rows(intake):
    result, findings = intake
    mapped = result.mapped.set_index("sheet")
    assert mapped.loc["dm.csv", ["table", "source_rows", "contract_rows"]].tolist() == [
        "patients", 306, 306,
    ]  # fmt: skip
    # RS: 66 records, 22 overall responses of the investigator, 44 reported as not used
    assert mapped.loc["rs.csv", ["source_rows", "contract_rows"]].tolist() == [66, 22]
    unused = findings[findings["rule"] == "sdtm.rows_not_used"]
    for sheet, table in (("rs.csv", "tumor_assessments"), ("ae.csv", "adverse_events")):
        row = mapped.loc[sheet]
        not_used = unused.loc[unused["table"] == table, "value"].astype(int).sum()
        assert row["source_rows"] == row["contract_rows"] + not_used
    counts = result.validation.reconciliation.set_index("table")
    assert (counts["read"] == counts["accepted"] + counts["quarantined"]).all()
    assert counts.loc["patients", "accepted"] == 306


def test_what_sdtm_lacks_is_a_finding(intake):
    _, findings = intake
    rules = set(findings["rule"])
    assert {
        "sdtm.table_not_in_sdtm",  # radiotherapy
        "sdtm.disease_setting_not_recorded",
        "sdtm.extrahepatic_metastasis_not_recorded",
        "sdtm.diagnosis_date_not_recorded",  # 52 screen failures without MH primary diagnosis
        "sdtm.grade_from_severity",  # no AETOXGR in the pilot's AE domain
        "sdtm.agent_not_in_table",  # XANOMELINE, PLACEBO
    } <= rules
    diagnosis = findings[findings["rule"] == "sdtm.diagnosis_date_not_recorded"]
    assert diagnosis["value"].tolist() == ["52"]
    radiotherapy = findings[findings["rule"] == "sdtm.table_not_in_sdtm"]
    assert radiotherapy["table"].tolist() == ["radiotherapy"]


def test_a_bad_value_is_found_at_its_domain_row_and_variable(tmp_path):
    folder = tmp_path / "sdtm"
    shutil.copytree(DATA, folder)
    dm = pd.read_csv(folder / "dm.csv", dtype=str, keep_default_na=False)
    dm.loc[4, "SEX"] = "X"  # line 6 of dm.csv (header = line 1)
    dm.to_csv(folder / "dm.csv", index=False)
    findings = tmp_path / "validation.csv"
    take_in(folder, findings_path=findings)
    found = pd.read_csv(findings, dtype=str)
    bad = found[(found["table"] == "patients") & (found["column"] == "sex")]
    assert bad["value"].tolist() == ["X"]
    letter = "L"  # SEX is the 12th variable of dm.csv
    assert bad["message"].str.contains(f"sheet 'dm.csv' row 6, column {letter} 'SEX'").all()


def test_last_known_alive_is_admirals_lstalvdt():
    patients = sdtm_patients(read_domains(DATA)).frame.set_index("patient_id")
    alive = patients["last_contact_date"]
    # 01-701-1015: the last LB sample (2014-07-02) is after the last AE and treatment end
    assert alive["01-701-1015"] == "2014-07-02"
    # 01-703-1086: every AE has an end date; the last (2013-01-02) is after the last LB sample
    # (2012-12-24) and treatment end: pharmaverseadam's LSTALVDT
    assert alive["01-703-1086"] == "2013-01-02"
    # 01-703-1258: an AE without AEENDTC is the AE-end source's record (missing sorts last), so
    # the AE end 2013-01-25 is not used; LSTALVDT is the treatment end 2013-01-11
    assert alive["01-703-1258"] == "2013-01-11"
    dead = patients[patients["vital_status"] == "dead"]
    assert (dead["last_contact_date"] == dead["death_date"]).all() and len(dead) == 3


def test_last_alive_selects_one_record_per_source_missing_dates_last():
    from oncorwe.io.formats.sdtm_tables import last_known_alive

    ae = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B", "B", "C", "C"],
            "AESTDTC": ["2020-01-05", "2020-01-07", "2020-01-05", pd.NA, "2020-02", "2020-01-20"],
            "AEENDTC": ["2020-03-01", pd.NA, "2020-03-01", "2020-03-09", "2020-02-10", "2020-02"],
        }
    )
    lb = pd.DataFrame({"USUBJID": ["A", "C"], "LBDTC": ["2020-01-31T08:00", pd.NA]})
    got = last_known_alive({"ae": ae, "lb": lb})
    # A: an AE without an end date hides the end 2020-03-01; the last start 01-07 < LB 01-31
    # B: an AE without a start hides the starts; the last end is 2020-03-09
    # C: partial dates read as the first day (2020-02-01 < 2020-02-10); the undated LB
    #    record is dropped before the selection (admiral's lb_date filter), not chosen
    assert got.to_dict() == {
        "A": pd.Timestamp("2020-01-31"), "B": pd.Timestamp("2020-03-09"),
        "C": pd.Timestamp("2020-02-10"),
    }  # fmt: skip


def _as_xpt(source: Path, target: Path) -> None:
    import pyreadstat

    target.mkdir()
    for domain in SDTM_DOMAINS:
        frame = pd.read_csv(source / f"{domain}.csv", dtype=str, keep_default_na=False)
        frame = frame.replace({"NA": ""})
        for name in NUMERIC & set(frame.columns):
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
        pyreadstat.write_xport(frame, str(target / f"{domain}.xpt"), table_name=domain.upper())


def test_transport_files_give_the_same_contract_rows(tmp_path):
    _as_xpt(DATA, tmp_path / "xpt")
    from_csv, from_xpt = read_domains(DATA), read_domains(tmp_path / "xpt")
    # text variables are equal as written; numbers are compared as numbers by the validator
    for build in (sdtm_patients, sdtm_systemic_therapy, sdtm_assessments, sdtm_adverse_events):
        a, b = build(from_csv).frame, build(from_xpt).frame
        pd.testing.assert_frame_equal(
            a.drop(columns="_src").fillna(""), b.drop(columns="_src").fillna(""),
            check_dtype=False,
        )  # fmt: skip
    csv_counts = take_in(DATA).validation.reconciliation
    xpt_counts = take_in(tmp_path / "xpt").validation.reconciliation
    pd.testing.assert_frame_equal(csv_counts, xpt_counts)


def test_validate_and_map_on_an_sdtm_folder(capsys, tmp_path):
    code, text = run_cli(capsys, "validate", str(DATA), "--out", str(tmp_path))
    # exit 1: two LB records without a result (LBSTRESN) are quarantined, named at their row
    assert code == 1 and "sheet 'rs.csv': 66 rows -> tumor_assessments 22" in text
    found = pd.read_csv(tmp_path / "validation.csv", dtype=str)
    errors = found[found["severity"] == "error"]
    assert errors["message"].str.extract(r"(sheet 'lb.csv' row \d+, column G 'LBSTRESN')")[
        0
    ].tolist() == [
        "sheet 'lb.csv' row 471, column G 'LBSTRESN'",
        "sheet 'lb.csv' row 518, column G 'LBSTRESN'",
    ]
    code, text = run_cli(capsys, "map", str(DATA), "--out", str(tmp_path / "mapping.toml"))
    assert code == 0 and "without a mapping" in text
    assert not (tmp_path / "mapping.toml").exists()


@pytest.mark.parametrize("rule", ["randomization", "first_dose"])
def test_time_origin_rules_on_sdtm_rows(rule):
    import dataclasses

    import duckdb

    from oncorwe.cohort.time_origin import time_origin_frame
    from oncorwe.io.formats.sdtm import sdtm_origin
    from oncorwe.protocol import load_protocol

    domains = read_domains(DATA)
    con = duckdb.connect()
    con.register("patients_frame", sdtm_patients(domains).frame)
    con.execute(
        "CREATE TABLE patients AS SELECT patient_id, "
        "CAST(randomization_date AS DATE) AS randomization_date FROM patients_frame"
    )
    therapy = sdtm_systemic_therapy(domains).frame
    con.register("therapy_frame", therapy)
    con.execute(
        "CREATE TABLE systemic_therapy AS SELECT patient_id, drug_class, "
        "CAST(start_date AS DATE) AS start_date FROM therapy_frame"
    )
    con.execute("CREATE TABLE radiotherapy (patient_id VARCHAR, start_date DATE)")
    protocol = load_protocol("sdtm-trial")
    protocol = dataclasses.replace(protocol, time_origin=dataclasses.replace(
        protocol.time_origin, rule=rule))  # fmt: skip
    got = time_origin_frame(con, protocol).dropna(subset=["index_date"])
    got = got.set_index("patient_id")["index_date"]
    # the same days as the SDTM reader's own origin (DS RANDOMIZED; earliest EXSTDTC)
    want = sdtm_origin(DATA, rule).set_index("patient_id")["index_date"]
    assert len(got) == len(want) == 254
    assert (pd.to_datetime(got).loc[want.index] == want).all()


def test_last_alive_reads_exposures_with_a_valid_dose_only():
    from oncorwe.io.formats.sdtm_tables import last_known_alive

    ex = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B", "C"],
            "EXTRT": ["DRUG", "DRUG", "PLACEBO", "DRUG"],
            "EXDOSE": ["50", "0", "0", "50"],
            "EXENDTC": ["2020-01-10", "2020-02-01", "2020-03-01", "2020-04"],
        }
    )
    ae = pd.DataFrame({"USUBJID": ["C"], "AESTDTC": ["2020-03"]})  # partial: the 1st
    got = last_known_alive({"ex": ex, "ae": ae})
    # A: the zero dose of DRUG is not a valid dose; B: placebo is; C: EXENDTC must be complete
    assert got.to_dict() == {
        "A": pd.Timestamp("2020-01-10"), "B": pd.Timestamp("2020-03-01"),
        "C": pd.Timestamp("2020-03-01"),
    }  # fmt: skip


def test_disposition_is_the_stop_reason_of_the_last_exposure():
    therapy = sdtm_systemic_therapy(read_domains(DATA)).frame
    last = therapy.dropna(subset=["stop_reason"])
    # one per dosed subject: DS disposition events of the 254 randomised (pilot's DS counts)
    assert len(last) == last["patient_id"].nunique() == 254
    assert last["stop_reason"].value_counts().to_dict() == {
        "completed": 110, "toxicity": 92, "patient_choice": 27, "other": 18,
        "progression": 4, "death": 3,
    }  # fmt: skip
    subject = therapy[therapy["patient_id"] == "01-701-1015"]  # completed, 3 exposure records
    assert subject["stop_reason"].fillna("").tolist() == ["", "", "completed"]
