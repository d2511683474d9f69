"""Time-point response from lesions: every row of RECIST 1.1 Tables 1-2, target-sum rules,
mRECIST and iRECIST differences, field scopes, and findings for bad records."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.derive.field_response import abscopal_response, derive_field_responses
from oncorwe.derive.recist import derive_time_point_response

COLUMNS = ["patient_id", "assessment_date", "lesion_id", "lesion_class", "organ",
           "is_lymph_node", "in_rt_field", "diameter_mm", "status"]  # fmt: skip
BASE, FU = "2021-01-01", "2021-03-01"
# follow-up target diameter (baseline 50 mm) giving each target category; None = not measured
TARGET_FU = {"CR": 0.0, "PR": 30.0, "SD": 45.0, "PD": 70.0, "NE": None}
NON_TARGET_FU = {"CR": "absent", "NON": "present", "PD": "unequivocal_progression", "NE": None}


def _lesions(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def _scenario(target, non_target, new, patient="p"):
    rows = []
    if target != "NONE":
        rows += [
            (patient, BASE, "T1", "target", "liver", False, True, 50.0, None),
            (patient, FU, "T1", "target", "liver", False, True, TARGET_FU[target], None),
        ]
    if non_target != "NONE":
        rows += [
            (patient, BASE, "N1", "non_target", "bone", False, False, None, "present"),
            (
                patient,
                FU,
                "N1",
                "non_target",
                "bone",
                False,
                False,
                None,
                NON_TARGET_FU[non_target],
            ),
        ]
    if new:
        rows.append((patient, FU, "X1", "new", "lung", False, False, 12.0, "present"))
    if target == "NONE" and non_target == "NONE":
        rows.append((patient, FU, "X0", "new", "lung", False, False, 0.0, "absent"))
    return _lesions(rows)  # fmt: skip


# RECIST 1.1 Table 1 (target disease) and Table 2 (non-target disease only), every row;
# "Non-PD or not all evaluated" and "Any" are expanded to each possible category.
TABLE = [
    ("CR", "CR", False, "CR"),
    ("CR", "NON", False, "PR"),
    ("CR", "NE", False, "PR"),
    *[("PR", nt, False, "PR") for nt in ("CR", "NON", "NE")],
    *[("SD", nt, False, "SD") for nt in ("CR", "NON", "NE")],
    *[("NE", nt, False, "NE") for nt in ("CR", "NON", "NE")],
    *[("PD", nt, new, "PD") for nt in ("CR", "NON", "NE", "PD", "NONE") for new in (False, True)],
    *[(t, "PD", new, "PD") for t in ("CR", "PR", "SD", "NE", "NONE") for new in (False, True)],
    *[(t, nt, True, "PD") for t in ("CR", "PR", "SD", "NE", "NONE")
      for nt in ("CR", "NON", "NE", "NONE")],
    # target disease only (no non-target lesions at baseline)
    ("CR", "NONE", False, "CR"), ("PR", "NONE", False, "PR"), ("SD", "NONE", False, "SD"),
    ("NE", "NONE", False, "NE"),
    # Table 2: non-target disease only
    ("NONE", "CR", False, "CR"), ("NONE", "NON", False, "NON-CR/NON-PD"),
    ("NONE", "NE", False, "NE"),
]  # fmt: skip
# no disease at baseline is not a row of RECIST Tables 1-2
TABLE = [row for row in TABLE if not (row[0] == row[1] == "NONE")]


@pytest.fixture(scope="module")
def table_responses():
    """Every row of the tables, each as a patient of its own, derived in one call per criteria
    (patients are derived independently: ``test_table_rows_derived_alone_as_together`` checks it
    on a sample of rows): criteria -> patient -> that patient's responses."""
    scenarios = [_scenario(*row[:3], patient=f"row{k}") for k, row in enumerate(TABLE)]
    lesions = pd.concat(scenarios, ignore_index=True)
    return {
        criteria: dict(
            tuple(group)
            for group in derive_time_point_response(lesions, criteria).responses.groupby(
                "patient_id"
            )
        )
        for criteria in ("RECIST1.1", "mRECIST")
    }


def test_table_rows_derived_alone_as_together(table_responses):
    for k in (0, 7, len(TABLE) - 1):
        alone = derive_time_point_response(_scenario(*TABLE[k][:3], patient=f"row{k}")).responses
        together = table_responses["RECIST1.1"][f"row{k}"]
        pd.testing.assert_frame_equal(alone, together.reset_index(drop=True))


@pytest.mark.parametrize("criteria", ["RECIST1.1", "mRECIST"])
@pytest.mark.parametrize(("target", "non_target", "new", "want"), TABLE)
def test_time_point_table(target, non_target, new, want, criteria, table_responses):
    out = table_responses[criteria][f"row{TABLE.index((target, non_target, new, want))}"]
    assert len(out) == 1
    row = out.iloc[0]
    if target != "NONE":
        assert row["target_response"] == target
    assert row["overall_response"] == want


def _series(sums, nodes=None, criteria="RECIST1.1"):
    """One target lesion (or node) followed over time; returns the target responses."""
    dates = pd.date_range("2021-01-01", periods=len(sums), freq="56D")
    node = nodes is not None
    rows = [("p", d, "T1", "target", "liver", node, None, s, None)
            for d, s in zip(dates, sums, strict=True)]  # fmt: skip
    out = derive_time_point_response(_lesions(rows), criteria).responses
    return out["target_response"].tolist()


def test_pd_needs_five_mm_under_recist_but_not_mrecist():
    assert _series([20.0, 24.0]) == ["SD"]  # +20 % but +4 mm
    assert _series([20.0, 25.0]) == ["PD"]
    assert _series([20.0, 24.0], criteria="mRECIST") == ["PD"]


def test_pr_boundary_and_nadir_reference():
    assert _series([100.0, 70.0]) == ["PR"]  # exactly -30 %
    assert _series([100.0, 71.0]) == ["SD"]
    # nadir 50: 61 is +22 % and +11 mm vs nadir -> PD although below baseline
    assert _series([100.0, 50.0, 61.0]) == ["PR", "PD"]
    # EORTC FAQ example: 165 -> 63 -> 65 stays PR (not PD vs nadir 63)
    assert _series([165.0, 63.0, 65.0]) == ["PR", "PR"]


def test_node_target_below_ten_mm_is_complete_response():
    rows = [("p", BASE, "T1", "target", "liver", False, None, 30.0, None),
            ("p", BASE, "L1", "target", "lymph_node", True, None, 16.0, None),
            ("p", FU, "T1", "target", "liver", False, None, 0.0, None),
            ("p", FU, "L1", "target", "lymph_node", True, None, 8.0, None)]  # fmt: skip
    out = derive_time_point_response(_lesions(rows)).responses.iloc[0]
    assert (out["target_response"], out["sum_mm"]) == ("CR", 8.0)


def test_missing_target_is_not_evaluated_unless_measured_ones_show_pd():
    base = [("p", BASE, "T1", "target", "liver", False, None, 30.0, None),
            ("p", BASE, "T2", "target", "lung", False, None, 20.0, None)]  # fmt: skip
    ne = base + [("p", FU, "T1", "target", "liver", False, None, 30.0, None)]
    pd_ = base + [("p", FU, "T1", "target", "liver", False, None, 70.0, None)]
    assert derive_time_point_response(_lesions(ne)).responses["target_response"][0] == "NE"
    assert derive_time_point_response(_lesions(pd_)).responses["target_response"][0] == "PD"


def test_equivocal_new_lesion_confirmed_later_is_pd_from_first_scan():
    rows = [("p", BASE, "T1", "target", "liver", False, None, 50.0, None),
            ("p", FU, "T1", "target", "liver", False, None, 45.0, None),
            ("p", FU, "X1", "new", "lung", False, None, 4.0, "equivocal"),
            ("p", "2021-05-01", "T1", "target", "liver", False, None, 45.0, None),
            ("p", "2021-05-01", "X1", "new", "lung", False, None, 9.0, "present"),
            ("q", BASE, "T1", "target", "liver", False, None, 50.0, None),
            ("q", FU, "T1", "target", "liver", False, None, 45.0, None),
            ("q", FU, "X1", "new", "lung", False, None, 4.0, "equivocal")]  # fmt: skip
    out = derive_time_point_response(_lesions(rows)).responses
    assert out["overall_response"].tolist() == ["PD", "PD", "SD"]
    assert out["new_lesions"].tolist() == ["Y", "Y", "EQUIVOCAL"]


def test_mrecist_small_new_liver_lesion_is_equivocal():
    rows = [("p", BASE, "T1", "target", "liver", False, None, 50.0, None),
            ("p", FU, "T1", "target", "liver", False, None, 45.0, None),
            ("p", FU, "X1", "new", "liver", False, None, 8.0, "present")]  # fmt: skip
    recist = derive_time_point_response(_lesions(rows), "RECIST1.1").responses.iloc[0]
    mrecist = derive_time_point_response(_lesions(rows), "mRECIST").responses.iloc[0]
    assert recist["overall_response"] == "PD"
    assert (mrecist["overall_response"], mrecist["new_lesions"]) == ("SD", "EQUIVOCAL")
    rows[-1] = ("p", FU, "X1", "new", "liver", False, None, 10.0, "present")
    assert (
        derive_time_point_response(_lesions(rows), "mRECIST").responses["overall_response"].iloc[0]
        == "PD"
    )


def _irecist(visits):
    """visits: list of (day, target mm, list of new lesion (id, mm)); baseline target 50 mm."""
    rows = [("p", pd.Timestamp(BASE), "T1", "target", "liver", False, None, 50.0, None)]
    for day, mm, new in visits:
        d = pd.Timestamp(BASE) + pd.Timedelta(days=day)
        rows.append(("p", d, "T1", "target", "liver", False, None, mm, None))
        rows += [("p", d, i, "new", "lung", False, None, s, "present") for i, s in new]
    out = derive_time_point_response(_lesions(rows), "iRECIST").responses
    return out["overall_response"].tolist()


def test_irecist_sequences():
    # target-driven iUPD confirmed by a further >= 5 mm at >= 4 weeks
    assert _irecist([(56, 45, []), (112, 60, []), (140, 65, [])]) == ["iSD", "iUPD", "iCPD"]
    # further +4 mm then +2 mm: additive from the iUPD assessment
    assert _irecist([(56, 45, []), (112, 60, []), (140, 64, []), (168, 66, [])]) == [
        "iSD", "iUPD", "iUPD", "iCPD"]  # fmt: skip
    # confirmation scan earlier than 4 weeks cannot give iCPD
    assert _irecist([(56, 60, []), (70, 70, []), (98, 70, [])]) == ["iUPD", "iUPD", "iCPD"]
    # iUPD then shrinkage resets the bar; a later iUPD needs its own confirmation
    assert _irecist([(56, 60, []), (112, 30, []), (168, 60, []), (224, 66, [])]) == [
        "iUPD", "iPR", "iUPD", "iCPD"]  # fmt: skip
    # new lesion -> iUPD; unchanged stays iUPD; another new lesion confirms
    assert _irecist([(56, 45, [("X1", 10)]), (112, 40, [("X1", 10)]),
                     (168, 40, [("X1", 10), ("X2", 10)])]) == ["iUPD", "iUPD", "iCPD"]  # fmt: skip
    # new-lesion sum + 5 mm confirms
    assert _irecist([(56, 45, [("X1", 10)]), (112, 45, [("X1", 15)])]) == ["iUPD", "iCPD"]


def test_field_scopes_and_abscopal():
    rows = [("p", BASE, "T1", "target", "liver", False, True, 50.0, None),
            ("p", BASE, "T2", "target", "lung", False, False, 30.0, None),
            ("p", FU, "T1", "target", "liver", False, True, 20.0, None),
            ("p", FU, "T2", "target", "lung", False, False, 20.0, None),
            ("p", "2021-05-01", "T1", "target", "liver", False, True, 0.0, None),
            ("p", "2021-05-01", "T2", "target", "lung", False, False, 30.0, None),
            ("q", BASE, "T1", "target", "liver", False, True, 50.0, None),
            ("q", FU, "T1", "target", "liver", False, True, 45.0, None),
            ("r", BASE, "T1", "target", "liver", False, True, 50.0, None),
            ("r", BASE, "T2", "target", "lung", False, False, 30.0, None),
            ("r", FU, "T1", "target", "liver", False, True, 20.0, None),
            ("r", FU, "T2", "target", "lung", False, False, 29.0, None)]  # fmt: skip
    field = derive_field_responses(_lesions(rows)).responses
    p = field[field["patient_id"] == "p"].set_index("scope")
    assert p.loc["in_field", "target_response"].tolist() == ["PR", "CR"]
    assert p.loc["out_of_field", "target_response"].tolist() == ["PR", "PD"]
    assert p.loc["all", "target_response"].tolist() == ["PR", "PR"]
    ab = abscopal_response(field).set_index("patient_id")
    assert ab.loc["p", "in_field_best"] == "CR"
    assert ab.loc["p", "out_of_field_best"] == "PR"
    assert bool(ab.loc["p", "abscopal"]) is True
    assert pd.isna(ab.loc["q", "abscopal"])  # no out-of-field target: not evaluable
    assert bool(ab.loc["r", "abscopal"]) is False


def test_bad_records_become_findings_not_errors():
    rows = [
        ("p", BASE, "T1", "target", "liver", False, None, 50.0, None),
        ("p", FU, "T1", "target", "liver", False, None, 40.0, None),
        ("p", FU, "T1", "target", "liver", False, None, 41.0, None),  # duplicate
        ("p", FU, "T9", "target", "liver", False, None, 30.0, None),  # no baseline
        ("p", FU, "T2", "blob", "liver", False, None, 30.0, None),  # unknown class
        ("p", "not a date", "T1", "target", "liver", False, None, 30.0, None),
        ("p", FU, "N1", "non_target", "bone", False, None, -3.0, "present"),
        ("q", BASE, "X1", "new", "lung", False, None, 5.0, "present"),  # new at baseline
        *[("r", BASE, f"T{i}", "target", "liver", False, None, 20.0, None) for i in range(3)],
        ("r", FU, "T0", "target", "liver", False, None, None, None),
    ]  # missing diameter
    result = derive_time_point_response(_lesions(rows))
    rules = result.findings.set_index("row")["rule"].to_dict()
    assert rules == {2: "lesion.duplicate", 3: "lesion.no_baseline", 4: "lesion.class_unknown",
                     5: "lesion.date_invalid", 6: "lesion.diameter_negative",
                     7: "lesion.new_at_baseline", 8: "lesion.too_many_targets",
                     11: "lesion.diameter_missing"}  # fmt: skip
    p = result.responses.set_index("patient_id")
    assert p.loc["p", "target_response"] == "SD"  # 50 -> 40 (first of the duplicates)
    assert p.loc["r", "target_response"] == "NE"
    missing = derive_time_point_response(_lesions(rows).drop(columns=["organ"]))
    assert missing.responses.empty
    assert missing.findings["rule"].tolist() == ["lesion.column_missing"]


def test_bad_options_raise():
    with pytest.raises(Exception, match="criteria"):
        derive_time_point_response(_lesions([]), "WHO")
