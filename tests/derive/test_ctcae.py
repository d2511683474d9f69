"""CTCAE v5.0 term -> SOC table and lab grading at every grade boundary
(docs/references/ctcae.md)."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from oncorwe.cohort import analysis_connection
from oncorwe.derive.ctcae import (
    check_ae_terms,
    ctcae_soc,
    derive_lab_grades,
    grade_lab,
    soc_of,
    soc_table,
)
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables
from oncorwe.errors import InputError


def test_soc_table_shipped_and_lookup():
    table = soc_table()
    assert list(table.columns) == ["term", "soc"]
    assert not table["term"].duplicated().any()
    socs = ctcae_soc(["Dermatitis radiation", "platelet count decreased ", "Pneumonitis",
                      "Hypothyroidism", "Made-up term"])  # fmt: skip
    assert socs.tolist()[:4] == [
        "Injury, poisoning and procedural complications",
        "Investigations",
        "Respiratory, thoracic and mediastinal disorders",
        "Endocrine disorders",
    ]
    assert pd.isna(socs.iloc[4])


def test_soc_of_frames_keeps_the_rows_and_their_labels():
    terms = pd.Series(["Pneumonitis", None, " PNEUMONITIS", "Itchy", 7], index=[5, 4, 3, 2, 1])
    socs = ctcae_soc(terms)
    assert socs.index.tolist() == [5, 4, 3, 2, 1]
    respiratory = "Respiratory, thoracic and mediastinal disorders"
    assert socs.tolist()[0] == socs.tolist()[2] == respiratory
    assert socs.isna().tolist() == [False, True, False, True, True]
    # text even when no term is known (a column of system organ classes, never numbers)
    for nothing_known in ([], ["Itchy"], [None]):
        assert ctcae_soc(nothing_known).dtype == soc_table()["soc"].dtype


def test_unknown_term_is_a_finding():
    ae = pd.DataFrame({"term": ["Fatigue", "Liver toxicity", "Pneumonitis"]})
    found = check_ae_terms(ae)
    assert found[["row", "value", "rule"]].values.tolist() == [
        [1, "Liver toxicity", "ae.term_unknown"]
    ]


# ALT, ULN 40, baseline normal: G1 >ULN-3xULN, G2 >3-5, G3 >5-20, G4 >20 x ULN
@pytest.mark.parametrize(
    ("value", "grade"),
    [(40, 0), (41, 1), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)],
)
def test_alt_baseline_normal(value, grade):
    assert grade_lab("alt_u_l", value, uln=40, baseline=30) == grade
    assert grade_lab("ast_u_l", value, uln=40) == grade  # missing baseline: taken as normal


# ALT, ULN 40, baseline 100 (abnormal): G1 1.5-3 x baseline, G2 >3-5, G3 >5-20, G4 >20
@pytest.mark.parametrize(
    ("value", "grade"),
    [(140, 0), (149, 0), (150, 1), (300, 1), (301, 2), (500, 2), (501, 3), (2000, 3), (2001, 4)],
)
def test_alt_baseline_abnormal_v5_rule(value, grade):
    assert grade_lab("alt_u_l", value, uln=40, baseline=100) == grade


@pytest.mark.parametrize(
    ("value", "baseline", "grade"),
    [(21, 10, 0), (22, 10, 1), (31.5, 10, 1), (32, 10, 2), (63, 10, 2), (64, 10, 3),
     (210, 10, 3), (211, 10, 4),
     # abnormal baseline 30 (> ULN 21): G1 >1.0-1.5 x baseline ...
     (30, 30, 0), (31, 30, 1), (45, 30, 1), (46, 30, 2), (91, 30, 3), (301, 30, 4)],
)  # fmt: skip
def test_bilirubin(value, baseline, grade):
    assert grade_lab("bilirubin_umol_l", value, uln=21, baseline=baseline) == grade


@pytest.mark.parametrize(
    ("value", "baseline", "grade"),
    [(120, 80, 0), (121, 80, 1), (300, 80, 1), (301, 80, 2), (601, 80, 3), (2401, 80, 4),
     (399, 200, 0), (400, 200, 1), (500, 200, 1), (501, 200, 2), (1001, 200, 3)],
)  # fmt: skip
def test_alkaline_phosphatase(value, baseline, grade):
    assert grade_lab("alp_u_l", value, uln=120, baseline=baseline) == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [(150, 0), (149, 1), (75, 1), (74.9, 2), (50, 2), (49, 3), (25, 3), (24.9, 4)],
)
def test_platelets(value, grade):
    assert grade_lab("platelets_10e9_l", value) == grade
    assert grade_lab("platelets_10e9_l", 140, lln=130) == 0


def test_missing_values_and_bad_test():
    assert np.isnan(grade_lab("alt_u_l", 100, uln=None))
    assert np.isnan(grade_lab("platelets_10e9_l", np.nan))
    with pytest.raises(InputError):
        grade_lab("albumin_g_l", 30)


def test_derive_lab_grades_uses_patient_baseline():
    labs = pd.DataFrame({
        "patient_id": ["a", "b", "a", "a"],
        "test": ["alt_u_l", "alt_u_l", "platelets_10e9_l", "albumin_g_l"],
        "value": [160.0, 160.0, 40.0, 30.0],
        "uln": [40.0, 40.0, np.nan, np.nan],
    })  # fmt: skip
    patients = pd.DataFrame({"patient_id": ["a", "b"], "alt_u_l": [30.0, 100.0]})
    engine = Engine("duckdb", None, analysis_connection({"labs": labs, "patients": patients}))
    out = engine.query(derive_lab_grades(contract_tables())).set_index(["patient_id", "test"])
    # a: normal baseline, 4 x ULN -> G2; b: abnormal baseline, 1.6 x baseline -> G1
    rows = [("a", "alt_u_l"), ("b", "alt_u_l"), ("a", "platelets_10e9_l")]
    assert out.loc[rows, "ctcae_grade"].tolist() == [2.0, 1.0, 3.0]
    assert np.isnan(out.loc[("a", "albumin_g_l"), "ctcae_grade"])
    assert out.loc[rows, "ctcae_term"].tolist() == [
        "Alanine aminotransferase increased",
        "Alanine aminotransferase increased",
        "Platelet count decreased",
    ]


def test_soc_of_runs_the_shipped_lookup_where_the_terms_are():
    terms = pd.DataFrame({"term": ["Dermatitis radiation", " platelet count decreased ", "Itchy"]})
    con = analysis_connection({})
    con.register("terms", terms)
    table = ibis.table({"term": "string"}, name="terms")
    out = Engine("duckdb", None, con).query(table.select(soc=soc_of(table.term)))["soc"]
    assert out.iloc[0] == "Injury, poisoning and procedural complications"
    assert out.iloc[1] == "Investigations"
    assert pd.isna(out.iloc[2])
