"""Derivation findings: bad records become named findings, never a crash."""

import pandas as pd
from tests.small_study import accepted_tables

from oncorwe.analysis.findings import FINDING_COLUMNS, derivation_findings
from oncorwe.cohort import analysis_connection, build_cohort
from oncorwe.derive.ctcae import check_ae_terms
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.protocol import load_protocol


def _findings(tables):
    engine = Engine("duckdb", None, analysis_connection(tables))
    build_cohort(engine, contract_tables(), load_protocol("hcc-rt-ici"))
    return derivation_findings(engine)


def test_same_day_scan_unknown_term_and_pre_origin_scan():
    tables = accepted_tables()
    tables["adverse_events"].loc[0, "term"] = "Skin burn-ish"
    scans = tables["tumor_assessments"]
    scans.loc[len(scans)] = ["P1", pd.Timestamp("2019-03-15"), "mRECIST", "SD"]  # same day as PR
    found = _findings(tables)
    assert list(found.columns) == FINDING_COLUMNS
    rules = set(found["rule"])
    assert {"ae.term_unknown", "response.duplicate_date", "response.before_origin"} <= rules
    unknown = found[found["rule"] == "ae.term_unknown"].iloc[0]
    assert (unknown["table"], unknown["column"], unknown["value"]) == (
        "adverse_events",
        "term",
        "Skin burn-ish",
    )


def test_clean_records_give_no_error():
    found = _findings(accepted_tables())
    # only the documented pre-origin scan of P1 (2019-01-05, before day 0) is reported
    assert found["rule"].tolist() == ["response.before_origin"]
    assert (found["severity"] == "warning").all()


def test_lesion_without_baseline_is_a_finding():
    tables = accepted_tables()
    day = pd.Timestamp
    tables["lesions"] = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1"],
            "assessment_date": [day("2019-01-05"), day("2019-03-15"), day("2019-03-15")],
            "lesion_id": ["T1", "T1", "T2"],  # T2 first seen at follow-up, as a target
            "lesion_class": ["target", "target", "target"],
            "organ": ["liver", "liver", "liver"],
            "diameter_mm": [40.0, 20.0, 15.0],
        }
    )
    found = _findings(tables)
    lesion = found[found["table"] == "lesions"]
    assert not lesion.empty
    assert lesion["rule"].str.startswith("lesion.").all()


def test_unknown_terms_on_the_engine_are_those_of_check_ae_terms():
    tables = accepted_tables()
    ae = tables["adverse_events"]
    # P1's second event and P6's first: not terms of the shipped table; a known term written
    # with other case and spaces is a known term; P3 is not in the cohort (not checked)
    ae.loc[1, "term"] = "Skin burn-ish"
    ae.loc[3, "term"] = "Fatigue-like"
    ae.loc[4, "term"] = "  dermatitis RADIATION "
    ae.loc[len(ae)] = ["P3", "Unheard of", 1, pd.Timestamp("2019-02-01")]
    found = _findings(tables)
    unknown = found[found["rule"] == "ae.term_unknown"].reset_index(drop=True)
    assert unknown[["row", "value"]].values.tolist() == [[1, "Skin burn-ish"], [3, "Fatigue-like"]]
    cohort = ae[ae["patient_id"] != "P3"].rename_axis("_row").reset_index()
    expected = check_ae_terms(cohort).astype({"row": "Int64"})
    assert unknown.values.tolist() == expected.reindex(columns=FINDING_COLUMNS).values.tolist()
