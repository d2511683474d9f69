"""The seed twin's lesions explain its recorded mRECIST responses, at every assessment.

Scoring the shipped ``lesions.csv`` with ``oncorwe.derive.recist`` (mRECIST) must give the
recorded ``overall_response`` of ``tumor_assessments.csv`` on every date, with no finding; the
progression sites of ``progression_events.csv`` must be visible in the lesions; irradiated lesions
respond more often than unirradiated ones, and some unirradiated ones respond (abscopal). Twins
of other seeds are checked the same way in ``test_seed_twin`` (one build per seed).
"""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.derive.field_response import abscopal_response, derive_field_responses
from oncorwe.derive.recist import derive_time_point_response
from oncorwe.synth import seed_twin_path


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(seed_twin_path() / f"{name}.csv", dtype=str)  # "" -> NaN as a reader does


@pytest.fixture(scope="module")
def lesions() -> pd.DataFrame:
    return _read("lesions")


def agreement(lesions: pd.DataFrame, assessments: pd.DataFrame) -> pd.DataFrame:
    """Derived vs recorded mRECIST time-point response on every recorded assessment date."""
    derived = derive_time_point_response(lesions, "mRECIST")
    assert derived.findings.empty, derived.findings.head().to_string()
    got = derived.responses.assign(
        assessment_date=derived.responses["assessment_date"].dt.strftime("%Y-%m-%d")
    )
    recorded = assessments[assessments["criteria"] == "mRECIST"]
    return recorded.merge(
        got[["patient_id", "assessment_date", "overall_response", "sum_mm", "baseline_sum_mm"]],
        on=["patient_id", "assessment_date"],
        how="outer",
        suffixes=("_recorded", "_derived"),
    )


def test_derived_mrecist_equals_recorded_everywhere(lesions):
    both = agreement(lesions, _read("tumor_assessments"))
    assert len(both) == 643  # every recorded mRECIST assessment, and no lesion-only date
    mismatch = both[both["overall_response_recorded"] != both["overall_response_derived"]]
    assert mismatch.empty, mismatch.head(10).to_string()


def test_baseline_scan_before_day_zero_after_diagnosis(lesions):
    patients = _read("patients").set_index("patient_id")
    first = pd.to_datetime(lesions.groupby("patient_id")["assessment_date"].min())
    diagnosis = pd.to_datetime(patients.loc[first.index, "diagnosis_date"])
    assessments = _read("tumor_assessments")
    first_follow_up = pd.to_datetime(assessments.groupby("patient_id")["assessment_date"].min())
    assert (first >= diagnosis).all()
    assert (first < first_follow_up.loc[first.index]).all()
    at_baseline = lesions["assessment_date"] == lesions.groupby("patient_id")[
        "assessment_date"
    ].transform("min")
    targets = lesions[at_baseline & (lesions["lesion_class"] == "target")]
    per_patient = targets.groupby("patient_id")["lesion_id"].nunique()
    assert per_patient.between(1, 5).all()
    assert (targets["diameter_mm"].astype(float) >= 10).all()  # measurable at baseline


def test_progression_sites_visible_in_lesions(lesions):
    events = _read("progression_events")
    on_date = lesions.merge(
        events,
        left_on=["patient_id", "assessment_date"],
        right_on=["patient_id", "progression_date"],
    )
    new_liver = on_date[(on_date["lesion_class"] == "new") & (on_date["organ"] == "liver")]
    intra = events[events["site"] == "intrahepatic_out_of_field"]
    assert set(intra["patient_id"]) <= set(new_liver["patient_id"])
    in_field = events.loc[events["site"] == "in_field", "patient_id"]
    assert len(in_field) == 1
    field = derive_time_point_response(lesions, "mRECIST", "in_field").responses
    row = field[
        (field["patient_id"] == in_field.iloc[0])
        & (
            field["assessment_date"]
            == pd.Timestamp(events.loc[in_field.index[0], "progression_date"])
        )
    ]
    assert row["overall_response"].tolist() == ["PD"]


def test_in_field_control_and_abscopal_response(lesions):
    best = abscopal_response(derive_field_responses(lesions, "mRECIST").responses)
    in_field = best["in_field_best"].dropna()
    out_field = best["out_of_field_best"].dropna()
    in_rate = in_field.isin(["CR", "PR"]).mean()
    out_rate = out_field.isin(["CR", "PR"]).mean()
    assert in_rate > out_rate
    assert 0.6 <= in_rate <= 0.9  # published mRECIST ORR 75 %, irradiated lesions respond most
    assert 0.2 <= out_rate <= 0.65  # some never-irradiated lesions respond
    assert best["abscopal"].sum() == (out_field.isin(["CR", "PR"])).sum()
