"""Response rules as declarations: order, precedence, validation, use by the generic BOR."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from oncorwe.derive.best_response import best_overall_response, response_rates
from oncorwe.derive.response_rules import (
    IRECIST,
    MRECIST,
    RECIST11,
    REF_CONFIRM_DAYS,
    REF_START_WINDOW_DAYS,
    ResponseEvent,
    response_criteria,
)
from oncorwe.errors import InputError
from oncorwe.protocol import load_protocol
from oncorwe.protocol.model import Response

ORIGIN = pd.Series(pd.to_datetime(["2021-01-01"] * 3), index=["a", "b", "c"])
RECORDS = pd.DataFrame(
    [
        ("a", "2021-01-15", "PR"), ("a", "2021-02-20", "PR"), ("a", "2021-04-01", "PD"),
        ("b", "2021-01-20", "NE"), ("b", "2021-03-01", "PD"),
        ("c", "2021-01-20", "SD"), ("c", "2021-03-01", "SD"),
    ],
    columns=["patient_id", "assessment_date", "overall_response"],
)  # fmt: skip


def test_recist_order_is_admiralonco_aval_resp():
    # admiralonco aval_resp(): CR = 1, PR = 2, SD = 3, NON-CR/NON-PD = 4, PD = 5, NE = 6,
    # MISSING = 7
    assert RECIST11.rank == {
        "CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7,
    }  # fmt: skip
    assert MRECIST.order == RECIST11.order
    assert (RECIST11.responder, RECIST11.disease_control) == (
        ("CR", "PR"),
        ("CR", "PR", "SD", "NON-CR/NON-PD"),
    )


def test_irecist_order_confirmed_progression_before_unconfirmed():
    # Seymour 2017 Table 3 / admiralonco IBOR event order
    assert IRECIST.order == (
        "iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iCPD", "iUPD", "NE", "MISSING",
    )  # fmt: skip
    assert IRECIST.responder == ("iCR", "iPR")
    assert IRECIST.disease_control == ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD")
    # a first RECIST PD is an iUPD
    assert IRECIST.from_recist["PD"] == "iUPD"
    assert IRECIST.from_recist["NON-CR/NON-PD"] == "NON-iCR/NON-iUPD"


def test_windows_are_the_protocol_settings():
    # RECIST 1.1 section 4.5: 4 weeks; admiralonco ref_start_window = 42
    assert (REF_CONFIRM_DAYS, REF_START_WINDOW_DAYS) == (28, 42)
    default = Response()
    builtin = load_protocol("hcc-rt-ici").response
    for response in (default, builtin):
        assert response.confirmation_min_days == REF_CONFIRM_DAYS
        assert response.stable_disease_min_days == REF_START_WINDOW_DAYS


def test_precedence_is_a_field_not_a_position():
    shuffled = replace(RECIST11, name="shuffled", events=tuple(reversed(RECIST11.events)))
    for confirm in (False, True):
        want = best_overall_response(RECORDS, ORIGIN, RECIST11, confirm=confirm)
        got = best_overall_response(RECORDS, ORIGIN, shuffled, confirm=confirm)
        pd.testing.assert_frame_equal(got, want)


def test_changing_a_precedence_changes_the_result():
    # by hand: a = PR (unconfirmed), b = NE then PD -> PD, c = SD from day 59 -> SD
    got = best_overall_response(RECORDS, ORIGIN)
    assert dict(zip(got["patient_id"], got["bor"], strict=True)) == {
        "a": "PR",
        "b": "PD",
        "c": "SD",
    }
    # a declaration ranking NE above PD gives b NE (dated 2021-01-20)
    swapped = tuple(
        replace(e, precedence={"PD": 6, "NE": 5}.get(e.category, e.precedence))
        for e in RECIST11.events
    )
    ne_first = best_overall_response(RECORDS, ORIGIN, replace(RECIST11, events=swapped))
    row = ne_first.set_index("patient_id").loc["b"]
    assert (row["bor"], str(row["bor_date"].date())) == ("NE", "2021-01-20")


def test_confirmed_pr_by_hand():
    # a: PR on day 14, PR again 36 days later (>= 28) -> confirmed PR dated day 14
    got = best_overall_response(RECORDS, ORIGIN, "mRECIST", confirm=True)
    row = got.set_index("patient_id").loc["a"]
    assert (row["bor"], str(row["bor_date"].date())) == ("PR", "2021-01-15")
    # with a 40-day confirmation window the PR is not confirmed; day 50 PR is in the SD window
    late = best_overall_response(RECORDS, ORIGIN, confirm=True, ref_confirm=40)
    assert late.set_index("patient_id").loc["a", "bor"] == "SD"


def test_declarations_are_checked():
    with pytest.raises(InputError, match="precedence"):
        replace(RECIST11, events=(*RECIST11.events, replace(RECIST11.events[0], category="X")))
    partial = ResponseEvent(category="NE", precedence=9, description="", responses=("NE",))
    with pytest.raises(InputError, match="any value"):
        replace(RECIST11, events=(*RECIST11.events[:-1], partial))
    with pytest.raises(InputError, match="RECIST1.0"):
        response_criteria("RECIST1.0")


def test_irecist_rates_by_hand():
    bor = pd.DataFrame(
        {
            "patient_id": list("abcdefg"),
            "bor": ["iCR", "iPR", "iSD", "iUPD", "iCPD", "NE", "MISSING"],
        }
    )
    rates = response_rates(bor, criteria="iRECIST")
    # ORR 2/7, DCR 3/7; R binom.test(2, 7)$conf.int = 0.03669257 0.70957914
    assert (rates.n, rates.orr_n, rates.dcr_n) == (7, 2, 3)
    assert rates.orr_ci == pytest.approx((0.03669257, 0.70957914), abs=1e-8)
    assert rates.counts["iCPD"] == 1 and rates.counts["MISSING"] == 1
    with pytest.raises(InputError, match="iCR"):
        response_rates(bor)  # iRECIST categories are not RECIST 1.1 categories
