"""iRECIST best overall response (iBOR), worked by hand from Seymour et al., Lancet Oncol 2017,
Table 3 (scenarios of iBOR assignment) and the iUPD / iCPD / reset rules; dates are study days
after the origin (day 0 = 2021-01-01)."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.derive.irecist_bor import irecist_best_overall_response, irecist_from_recorded
from oncorwe.derive.recist import derive_time_point_response
from oncorwe.errors import InputError

DAY0 = pd.Timestamp("2021-01-01")


def _day(n: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=n)


def _ibor(visits, confirm=False, patient="p"):
    """visits: list of (study day, iRECIST time-point response) -> (iBOR, day of iBOR)."""
    frame = pd.DataFrame(
        {
            "patient_id": patient,
            "assessment_date": [_day(d) for d, _ in visits],
            "overall_response": [r for _, r in visits],
        }
    )
    origin = pd.Series([DAY0], index=[patient])
    row = irecist_best_overall_response(frame, origin, confirm=confirm).iloc[0]
    day = None if pd.isna(row["bor_date"]) else (row["bor_date"] - DAY0).days
    return row["bor"], day


def _every_8_weeks(*responses):
    """Time points at days 56, 112, 168, ... (8-weekly scans, SD window of 42 days met)."""
    return [(56 * (i + 1), r) for i, r in enumerate(responses)]


# Seymour 2017 Table 3, each example with one concrete choice for its "or" cells (the table
# assumes confirmation of iCR / iPR is not required).
TABLE_3 = [
    ("example 1", ("iCR", "NE", "iPR", "iUPD", "iCPD"), "iCR", 56),
    ("example 2", ("iUPD", "iSD", "iCR", "iUPD", "iCPD"), "iCR", 168),
    ("example 3", ("iUPD", "iPR", "iSD", "iUPD", "iCPD"), "iPR", 112),
    ("example 4", ("iUPD", "NE", "iPR", "iUPD", "iCPD"), "iPR", 168),
    ("example 5", ("iUPD", "iSD", "iUPD", "iCPD", "iCR"), "iSD", 112),
    ("example 6", ("iUPD", "iCPD", "iPR", "iCR", "iCR"), "iCPD", 56),
    ("example 7", ("iUPD", "iUPD", "iCPD", "iCR", "iPR"), "iCPD", 56),
    ("example 8", ("iUPD", "NE", "NE", "NE", "NE"), "iUPD", 56),
]


@pytest.mark.parametrize("name, responses, bor, day", TABLE_3, ids=[t[0] for t in TABLE_3])
def test_seymour_table_3(name, responses, bor, day):
    assert _ibor(_every_8_weeks(*responses)) == (bor, day)


def test_iupd_then_icpd_is_dated_at_the_iupd():
    # iUPD at day 56, confirmed 6 weeks later (day 98): iBOR iCPD, progression on day 56
    assert _ibor([(56, "iUPD"), (98, "iCPD")]) == ("iCPD", 56)
    # an NE between iUPD and iCPD keeps the block: still dated at the iUPD
    assert _ibor([(56, "iUPD"), (84, "NE"), (112, "iCPD")]) == ("iCPD", 56)


def test_reset_after_iupd_then_a_new_iupd():
    # iUPD, iSD (the bar is reset), iUPD, iCPD: iSD is best
    assert _ibor([(56, "iUPD"), (112, "iSD"), (168, "iUPD"), (224, "iCPD")]) == ("iSD", 112)
    # the same with the iSD before the 42-day SD window (day 35 -> NE): the confirmed
    # progression is the second iUPD (admiralonco: SD, SD, iUPD, PR, PR, iUPD, iCPD -> 2nd iUPD)
    assert _ibor([(21, "iUPD"), (35, "iSD"), (63, "iUPD"), (105, "iCPD")]) == ("iCPD", 63)
    # reset, then a second iUPD never confirmed: the iSD stands
    assert _ibor([(56, "iUPD"), (112, "iSD"), (168, "iUPD")]) == ("iSD", 112)


def test_confirmed_ipr_and_icr():
    # iPR confirmed by iPR 28 days later (no +1): iPR
    assert _ibor([(56, "iPR"), (84, "iPR")], confirm=True) == ("iPR", 56)
    # 27 days later is too early: unconfirmed, falls to iSD (SD window met)
    assert _ibor([(56, "iPR"), (83, "iPR")], confirm=True) == ("iSD", 56)
    # after iUPD the response can still be confirmed (iUPD, iPR, iPR: example 3, confirmed)
    assert _ibor([(56, "iUPD"), (112, "iPR"), (168, "iPR")], confirm=True) == ("iPR", 112)
    # an iUPD between iPR and the next iPR breaks the confirmation
    assert _ibor([(56, "iPR"), (112, "iUPD"), (168, "iPR")], confirm=True) == ("iSD", 56)
    # iCR needs a later iCR; iPR is confirmed by a later iCR
    assert _ibor([(56, "iCR"), (112, "iCR")], confirm=True) == ("iCR", 56)
    assert _ibor([(56, "iPR"), (112, "iCR")], confirm=True) == ("iPR", 56)
    assert _ibor([(56, "iCR"), (112, "iPR")], confirm=True) == ("iSD", 56)
    # without confirmation the same sequences give the response itself
    assert _ibor([(56, "iPR"), (83, "iPR")]) == ("iPR", 56)


def test_sd_window_ne_and_missing():
    assert _ibor([(28, "iSD")]) == ("NE", 28)  # before the 42-day window
    assert _ibor([(28, "iSD"), (56, "iUPD")]) == ("iUPD", 56)
    assert _ibor([(42, "NON-iCR/NON-iUPD")]) == ("NON-iCR/NON-iUPD", 42)
    frame = pd.DataFrame(columns=["patient_id", "assessment_date", "overall_response"])
    origin = pd.Series([DAY0], index=["q"])
    out = irecist_best_overall_response(frame, origin)
    assert out["bor"].tolist() == ["MISSING"] and out["bor_date"].isna().all()
    assert irecist_best_overall_response(frame, origin, missing_as_ne=True)["bor"][0] == "NE"


def test_same_day_keeps_the_worst_and_row_order_does_not_matter():
    assert _ibor([(56, "iPR"), (56, "iUPD"), (112, "iCPD")]) == ("iCPD", 56)
    visits = _every_8_weeks("iUPD", "iSD", "iUPD", "iCPD") + [(300, "iCR")]
    frame = pd.DataFrame(
        {
            "patient_id": ["a"] * 5 + ["b"] * 5,
            "assessment_date": [_day(d) for d, _ in visits] * 2,
            "overall_response": [r for _, r in visits] + ["iUPD", "iUPD", "iCPD", "NE", "NE"],
        }
    )
    origin = pd.Series([DAY0, DAY0], index=["a", "b"])
    forward = irecist_best_overall_response(frame, origin)
    shuffled = irecist_best_overall_response(frame.sample(frac=1, random_state=3), origin)
    pd.testing.assert_frame_equal(forward, shuffled)
    assert forward["bor"].tolist() == ["iSD", "iCPD"]


def test_recist_words_are_refused():
    frame = pd.DataFrame({"patient_id": ["p"], "assessment_date": [_day(56)],
                          "overall_response": ["PD"]})  # fmt: skip
    with pytest.raises(InputError, match="iUPD"):
        irecist_best_overall_response(frame, pd.Series([DAY0], index=["p"]))


def _lesion_ibor(sums, confirm=False):
    """Target sums (baseline 40 mm on day 0) at the given days -> iBOR from the lesions."""
    rows = [("p", DAY0, "T1", "target", "liver", False, None, 40.0, None)]
    rows += [("p", _day(d), "T1", "target", "liver", False, None, mm, None) for d, mm in sums]
    columns = ["patient_id", "assessment_date", "lesion_id", "lesion_class", "organ",
               "is_lymph_node", "in_rt_field", "diameter_mm", "status"]  # fmt: skip
    tp = derive_time_point_response(pd.DataFrame(rows, columns=columns), "iRECIST").responses
    ibor = irecist_best_overall_response(
        tp[["patient_id", "assessment_date", "overall_response"]],
        pd.Series([DAY0], index=["p"]),
        confirm=confirm,
    ).iloc[0]
    return tp["overall_response"].tolist(), ibor["bor"], (ibor["bor_date"] - DAY0).days


def test_from_lesions_end_to_end():
    # 40 -> 60 mm (+50 %, +20 mm: iUPD) -> 66 mm 6 weeks later (+6 mm >= 5: iCPD)
    assert _lesion_ibor([(56, 60.0), (98, 66.0)]) == (["iUPD", "iCPD"], "iCPD", 56)
    # 40 -> 60 (iUPD) -> 25 (<= 28 = 70 % of 40: iPR, bar reset) -> 25 four weeks later
    tp, bor, day = _lesion_ibor([(56, 60.0), (112, 25.0), (140, 25.0)], confirm=True)
    assert (tp, bor, day) == (["iUPD", "iPR", "iPR"], "iPR", 112)


def test_recorded_responses_approximation():
    recorded = pd.DataFrame(
        {
            "patient_id": "p",
            "assessment_date": [_day(d) for d in (56, 112, 126, 143, 200)],
            "overall_response": ["SD", "PD", "PD", "PD", "SD"],
        }
    )
    labels = irecist_from_recorded(recorded)["overall_response"].tolist()
    # PD on day 112 = iUPD; day 126 (14 days later) too early; day 143 (31 days) = iCPD
    assert labels == ["iSD", "iUPD", "iUPD", "iCPD", "iSD"]
    assert irecist_best_overall_response(
        irecist_from_recorded(recorded), pd.Series([DAY0], index=["p"])
    )["bor"].tolist() == ["iSD"]


def test_recorded_responses_keep_their_rows_per_patient():
    # q: PD day 30 (iUPD), NE day 50 keeps it pending, PD day 60 (30 days later: iCPD);
    # r: PD day 30 (iUPD), PR day 40 resets the bar, PD day 60 is a new iUPD
    visits = [("q", 60, "PD"), ("r", 40, "PR"), ("q", 30, "PD"), ("r", 60, "PD"),
              ("q", 50, "NE"), ("r", 30, "PD")]  # fmt: skip
    recorded = pd.DataFrame(
        {
            "patient_id": [p for p, _, _ in visits],
            "assessment_date": [_day(d) for _, d, _ in visits],
            "overall_response": [r for _, _, r in visits],
        },
        index=[15, 14, 13, 12, 11, 10],
    )
    out = irecist_from_recorded(recorded)
    assert out.index.tolist() == [15, 14, 13, 12, 11, 10]
    assert out["overall_response"].tolist() == ["iCPD", "iPR", "iUPD", "iUPD", "NE", "iUPD"]
    pd.testing.assert_frame_equal(out.drop(columns="overall_response"),
                                  recorded.drop(columns="overall_response"))  # fmt: skip
