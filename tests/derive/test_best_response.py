"""Best overall response: admiralonco's own test data, RECIST 1.1 Table 3 combinations, options."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oncorwe.derive.best_response import (
    REF_CONFIRM_DAYS,
    REF_START_WINDOW_DAYS,
    best_overall_response,
    response_rates,
)
from oncorwe.derive.response_checks import check_assessments
from oncorwe.errors import InputError

# admiralonco tests/testthat/test-derive_param_confirmed_bor.R: ADSL (TRTSDT = reference date)
ADSL = {
    "1": "2020-01-01", "2": "2019-12-12", "3": "2019-11-11", "4": "2019-12-30",
    "5": "2020-01-01", "6": "2020-02-02", "7": "2020-02-02", "8": "2020-04-01",
    "9": "2020-02-01",
}  # fmt: skip
# ... and its ADRS OVR records
ADRS = [
    ("1", "2020-01-01", "PR"), ("1", "2020-02-01", "CR"), ("1", "2020-02-16", "NE"),
    ("1", "2020-03-01", "CR"), ("1", "2020-04-01", "SD"),
    ("2", "2020-01-01", "SD"), ("2", "2020-02-01", "PR"), ("2", "2020-03-01", "SD"),
    ("2", "2020-03-13", "CR"),
    ("3", "2019-11-12", "CR"), ("3", "2019-12-02", "CR"), ("3", "2020-01-01", "SD"),
    ("4", "2020-01-01", "PR"), ("4", "2020-03-01", "SD"), ("4", "2020-04-01", "SD"),
    ("4", "2020-05-01", "PR"), ("4", "2020-05-15", "NON-CR/NON-PD"),
    ("5", "2020-01-01", "PR"), ("5", "2020-01-10", "SD"), ("5", "2020-01-20", "PR"),
    ("5", "2020-05-15", "NON-CR/NON-PD"),
    ("6", "2020-02-06", "PR"), ("6", "2020-02-16", "CR"), ("6", "2020-03-30", "PR"),
    ("7", "2020-02-06", "PR"), ("7", "2020-02-16", "CR"), ("7", "2020-04-01", "NE"),
    ("9", "2020-02-16", "PD"), ("9", "2020-03-06", "SD"),
]  # fmt: skip


def _origin(mapping):
    return pd.DataFrame(
        {"patient_id": list(mapping), "index_date": pd.to_datetime(list(mapping.values()))}
    )


def _assessments(records):
    return pd.DataFrame(records, columns=["patient_id", "assessment_date", "overall_response"])


def _as_dict(out):
    return {
        r.patient_id: (r.bor, None if pd.isna(r.bor_date) else str(r.bor_date.date()))
        for r in out.itertuples()
    }


def test_admiralonco_confirmed_bor_test1():
    # expected table of admiralonco "Test 1: default confirmed BOR" (ref_start_window = 28)
    out = best_overall_response(
        _assessments(ADRS), _origin(ADSL), confirm=True, ref_confirm=28, ref_start_window=28
    )
    assert _as_dict(out) == {
        "1": ("CR", "2020-02-01"),
        "2": ("SD", "2020-02-01"),
        "3": ("SD", "2020-01-01"),
        "4": ("SD", "2020-03-01"),
        "5": ("NON-CR/NON-PD", "2020-05-15"),
        "6": ("SD", "2020-03-30"),
        "7": ("NE", "2020-02-06"),
        "8": ("MISSING", None),
        "9": ("PD", "2020-02-16"),
    }
    assert out["confirmed"].all()


def test_admiralonco_confirmed_bor_test2_accept_sd_missing_as_ne():
    # admiralonco "Test 2" (ref_confirm = 14, max_nr_ne = 0, accept_sd, missing_as_ne); its
    # patient 7 has an "ND" record, not a value of the oncorwe contract, so 7 is left out.
    records = [r for r in ADRS if r[0] != "7"]
    adsl = {k: v for k, v in ADSL.items() if k != "7"}
    out = best_overall_response(
        _assessments(records), _origin(adsl), confirm=True, ref_confirm=14, ref_start_window=28,
        max_nr_ne=0, accept_sd=True, missing_as_ne=True,
    )  # fmt: skip
    assert _as_dict(out) == {
        "1": ("PR", "2020-01-01"),
        "2": ("PR", "2020-02-01"),
        "3": ("CR", "2019-11-12"),
        "4": ("SD", "2020-03-01"),
        "5": ("PR", "2020-01-01"),
        "6": ("SD", "2020-03-30"),
        "8": ("NE", None),
        "9": ("PD", "2020-02-16"),
    }


def test_unconfirmed_bor_on_admiralonco_data():
    # by hand: CR/PR count without confirmation; SD/NON-CR/NON-PD only from day 28; up to 1st PD
    out = best_overall_response(_assessments(ADRS), _origin(ADSL), ref_start_window=28)
    assert _as_dict(out) == {
        "1": ("CR", "2020-02-01"),
        "2": ("CR", "2020-03-13"),
        "3": ("CR", "2019-11-12"),
        "4": ("PR", "2020-01-01"),
        "5": ("PR", "2020-01-01"),
        "6": ("CR", "2020-02-16"),
        "7": ("CR", "2020-02-16"),
        "8": ("MISSING", None),
        "9": ("PD", "2020-02-16"),
    }
    assert not out["confirmed"].any()


def test_admiralonco_example_two_ne_between():
    # admiralonco derive_param_confirmed_bor example, patient 9: CR, NE, NE, CR (46 days)
    records = [("9", "2020-03-16", "CR"), ("9", "2020-04-01", "NE"), ("9", "2020-04-16", "NE"),
               ("9", "2020-05-01", "CR")]  # fmt: skip
    origin = _origin({"9": "2020-03-01"})
    one = best_overall_response(_assessments(records), origin, confirm=True, ref_start_window=28)
    two = best_overall_response(
        _assessments(records), origin, confirm=True, ref_start_window=28, max_nr_ne=2
    )
    # CR unconfirmed (two NE in between); the last CR is >= 28 days after origin -> SD
    assert _as_dict(one) == {"9": ("SD", "2020-05-01")}
    assert _as_dict(two) == {"9": ("CR", "2020-03-16")}


# RECIST 1.1 Table 3 (Eisenhauer 2009): first and next time point -> BOR, when the minimum SD
# duration is met ("met") or not ("not met"). The last two columns are what RECIST's table says
# and what oncorwe gives (admiralonco's algorithm); they differ where noted.
TABLE3 = [
    # first, next, RECIST met, RECIST not met, oncorwe met, oncorwe not met
    ("CR", "CR", "CR", "CR", "CR", "CR"),
    # RECIST: "SD, PD or PR" (the first CR may not have been a true CR); admiralonco: SD / NE
    ("CR", "PR", "SD", "NE", "SD", "NE"),
    # RECIST: otherwise PD (disease reappeared after CR); admiralonco: SD window not met -> NE
    ("CR", "SD", "SD", "PD", "SD", "NE"),
    ("CR", "PD", "SD", "PD", "SD", "PD"),
    ("CR", "NE", "SD", "NE", "SD", "NE"),
    ("PR", "CR", "PR", "PR", "PR", "PR"),
    ("PR", "PR", "PR", "PR", "PR", "PR"),
    # RECIST lists plain SD; with the SD window unmet admiralonco gives NE
    ("PR", "SD", "SD", "SD", "SD", "NE"),
    ("PR", "PD", "SD", "PD", "SD", "PD"),
    ("PR", "NE", "SD", "NE", "SD", "NE"),
    ("NE", "NE", "NE", "NE", "NE", "NE"),
]


@pytest.mark.parametrize(("first", "second", "_r_met", "_r_not", "met", "not_met"), TABLE3)
def test_recist_table3(first, second, _r_met, _r_not, met, not_met):
    origin = _origin({"met": "2021-01-01", "not": "2021-01-01"})
    day = pd.Timestamp("2021-01-01")
    records = [
        # SD duration met: both time points >= 42 days after origin, 28 days apart
        ("met", day + pd.Timedelta(days=56), first),
        ("met", day + pd.Timedelta(days=56 + REF_CONFIRM_DAYS), second),
        # not met: both before day 42
        ("not", day + pd.Timedelta(days=7), first),
        ("not", day + pd.Timedelta(days=7 + REF_CONFIRM_DAYS), second),
    ]
    out = best_overall_response(_assessments(records), origin, confirm=True)
    got = dict(zip(out["patient_id"], out["bor"], strict=True))
    assert got == {"met": met, "not": not_met}


@pytest.mark.parametrize(
    ("gap", "expected"), [(REF_CONFIRM_DAYS - 1, "SD"), (REF_CONFIRM_DAYS, "PR")]
)
def test_confirmation_needs_28_days_without_plus_one(gap, expected):
    day = pd.Timestamp("2021-03-01")
    records = [("a", day, "PR"), ("a", day + pd.Timedelta(days=gap), "PR")]
    out = best_overall_response(_assessments(records), _origin({"a": "2021-01-01"}), confirm=True)
    assert out["bor"].iloc[0] == expected


@pytest.mark.parametrize(
    ("offset", "expected"), [(REF_START_WINDOW_DAYS - 1, "NE"), (REF_START_WINDOW_DAYS, "SD")]
)
def test_sd_window_boundary(offset, expected):
    records = [("a", pd.Timestamp("2021-01-01") + pd.Timedelta(days=offset), "SD")]
    out = best_overall_response(_assessments(records), _origin({"a": "2021-01-01"}))
    assert out["bor"].iloc[0] == expected


def test_pr_then_cr_then_pr_is_not_confirmed_pr():
    # admiralonco: no PR after a CR inside the confirmation period
    records = [("a", "2021-03-01", "PR"), ("a", "2021-03-10", "CR"), ("a", "2021-04-01", "PR")]
    out = best_overall_response(_assessments(records), _origin({"a": "2021-01-01"}), confirm=True)
    assert _as_dict(out) == {"a": ("SD", "2021-03-01")}


def test_assessments_after_first_pd_and_new_therapy_are_ignored():
    records = [("a", "2021-03-01", "SD"), ("a", "2021-04-01", "PD"), ("a", "2021-05-01", "CR"),
               ("b", "2021-03-01", "SD"), ("b", "2021-04-01", "PR")]  # fmt: skip
    nact = pd.DataFrame({"patient_id": ["b"], "new_therapy_date": pd.to_datetime(["2021-04-01"])})
    origin = _origin({"a": "2021-01-01", "b": "2021-01-01"})
    out = best_overall_response(_assessments(records), origin, new_therapy=nact)
    assert _as_dict(out) == {"a": ("SD", "2021-03-01"), "b": ("SD", "2021-03-01")}


def test_on_origin_option():
    records = [("a", "2021-01-01", "PR"), ("a", "2021-02-01", "PD")]
    origin = _origin({"a": "2021-01-01"})
    assert best_overall_response(_assessments(records), origin)["bor"].iloc[0] == "PR"
    excl = best_overall_response(_assessments(records), origin, on_origin="exclude")
    assert excl["bor"].iloc[0] == "PD"


def test_before_origin_ignored_and_same_day_keeps_worst():
    records = [("a", "2020-12-01", "CR"), ("a", "2021-03-01", "PR"), ("a", "2021-03-01", "NE"),
               ("b", "2021-03-01", "PR"), ("b", "2021-03-01", "PD")]  # fmt: skip
    origin = _origin({"a": "2021-01-01", "b": "2021-01-01"})
    out = best_overall_response(_assessments(records), origin)
    assert _as_dict(out) == {"a": ("PR", "2021-03-01"), "b": ("PD", "2021-03-01")}


def test_row_order_does_not_matter():
    frame = _assessments(ADRS)
    want = best_overall_response(frame, _origin(ADSL), confirm=True, ref_start_window=28)
    for seed in range(5):
        shuffled = frame.sample(frac=1.0, random_state=seed)
        got = best_overall_response(shuffled, _origin(ADSL), confirm=True, ref_start_window=28)
        pd.testing.assert_frame_equal(got, want)


def test_origin_as_series_and_empty_assessments():
    origin = pd.Series(pd.to_datetime(["2021-01-01", "2021-02-01"]), index=["a", "b"])
    empty = _assessments([])
    for confirm in (False, True):
        out = best_overall_response(empty, origin, confirm=confirm)
        assert out["bor"].tolist() == ["MISSING", "MISSING"]
        assert out["bor_date"].isna().all()


def test_bad_input_raises_named_errors():
    origin = _origin({"a": "2021-01-01"})
    with pytest.raises(InputError, match="overall_response"):
        best_overall_response(_assessments([("a", "2021-02-01", "iCR")]), origin)
    with pytest.raises(InputError, match="assessment_date"):
        best_overall_response(_assessments([("a", "not a date", "PR")]), origin)
    with pytest.raises(InputError, match="no time origin"):
        best_overall_response(_assessments([("zz", "2021-02-01", "PR")]), origin)
    with pytest.raises(InputError, match="ref_confirm"):
        best_overall_response(_assessments([]), origin, ref_confirm=-1)
    with pytest.raises(InputError, match="on_origin"):
        best_overall_response(_assessments([]), origin, on_origin="maybe")


def test_check_assessments_findings():
    records = [
        ("a", "2021-02-01", "PR"), ("a", "2021-02-01", "PD"),  # same-day duplicate
        ("a", "2021-03-01", "CR"), ("a", "2021-04-01", "PR"),  # CR then PR
        ("a", "2020-01-01", "SD"),  # before origin
        ("a", "bad", "SD"), ("a", "2021-05-01", "iCR"), ("a", "2021-06-01", None),
        ("zz", "2021-02-01", "SD"),  # no origin
    ]  # fmt: skip
    found = check_assessments(_assessments(records), _origin({"a": "2021-01-01"}))
    assert list(found.columns) == ["table", "row", "column", "value", "rule", "severity", "message"]
    by_rule = found.groupby("rule")["row"].apply(list).to_dict()
    assert by_rule == {
        "response.before_origin": [4],
        "response.cr_then_pr": [3],
        "response.date_invalid": [5],
        "response.duplicate_date": [1],
        "response.no_origin": [8],
        "response.value_missing": [7],
        "response.value_unknown": [6],
    }
    assert check_assessments(_assessments(ADRS[:3])).empty


def test_response_rates_denominators():
    bor = pd.DataFrame({
        "patient_id": list("abcdefgh"),
        "bor": ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING", "PR"],
        "confirmed": True,
        "measurable_at_baseline": [True, True, True, False, True, True, False, False],
    })  # fmt: skip
    all_ = response_rates(bor)
    assert (all_.n, all_.orr_n, all_.dcr_n) == (8, 3, 5)
    assert all_.orr == pytest.approx(3 / 8)
    assert all_.confirmed is True
    assert all_.counts["MISSING"] == 1
    # Clopper-Pearson 3/8: R binom.test(3, 8)$conf.int = 0.08523341414 0.75513678363
    assert all_.orr_ci == pytest.approx((0.08523341414, 0.75513678363), abs=1e-9)
    ev = response_rates(bor, denominator="evaluable")
    assert (ev.n, ev.orr_n, ev.dcr_n) == (6, 3, 5)
    ms = response_rates(bor, denominator="measurable")
    assert (ms.n, ms.orr_n, ms.dcr_n) == (5, 2, 3)
    assert ms.to_dict()["denominator"] == "measurable"
    empty = response_rates(bor.iloc[:0])
    assert empty.n == 0 and np.isnan(empty.orr)
    with pytest.raises(InputError):
        response_rates(bor, denominator="treated")


def _reference_confirmed_bor(rows, origin_day, ref_confirm, window, max_nr_ne, max_nr_sd):
    """Plain transcription of admiralonco derive_param_confirmed_bor (details), one patient."""
    rows = sorted(rows)
    cut = next((i for i, (_, r) in enumerate(rows) if r == "PD"), len(rows) - 1)
    rows = rows[: cut + 1]
    cands = []
    for i, (d, r) in enumerate(rows):
        later = rows[i + 1 :]
        if r in ("CR", "PR"):
            ok_vals = ("CR",) if r == "CR" else ("CR", "PR")
            j = next(
                (k for k, (dk, rk) in enumerate(later) if rk in ok_vals and dk >= d + ref_confirm),
                None,
            )
            if j is not None:
                joined = [rk for _, rk in later[: j + 1]]
                allowed = ("CR", "NE") if r == "CR" else ("CR", "PR", "SD", "NE")
                ok = all(v in allowed for v in joined) and joined.count("NE") <= max_nr_ne
                if r == "PR":
                    ok &= joined.count("SD") <= max_nr_sd
                    crs = [k for k, v in enumerate(joined) if v == "CR"]
                    prs = [k for k, v in enumerate(joined) if v == "PR"]
                    ok &= not crs or not prs or min(crs) > max(prs)
                if ok:
                    cands.append((1 if r == "CR" else 2, d))
        early = d - origin_day < window
        if r in ("CR", "PR", "SD") and not early:
            cands.append((3, d))
        if r == "NON-CR/NON-PD" and not early:
            cands.append((4, d))
        if r == "PD":
            cands.append((5, d))
        if r == "NE" or (r in ("CR", "PR", "SD", "NON-CR/NON-PD") and early):
            cands.append((6, d))
    return min(cands) if cands else (7, None)


@pytest.mark.parametrize(
    ("seed", "max_nr_ne", "accept_sd"), [(0, 1, True), (1, 1, False), (2, 0, False), (3, 2, True)]
)
def test_confirmed_bor_matches_plain_transcription(seed, max_nr_ne, accept_sd):
    rng = np.random.default_rng(seed)
    values = np.array(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"])
    records, reference = [], {}
    for p in range(150):
        days = np.sort(rng.choice(np.arange(0, 200), size=rng.integers(0, 7), replace=False))
        resp = rng.choice(values, size=len(days), p=[0.25, 0.3, 0.2, 0.05, 0.05, 0.15])
        rows = list(zip(days.tolist(), resp.tolist(), strict=True))
        records += [
            (f"p{p}", pd.Timestamp("2021-01-01") + pd.Timedelta(days=d), r) for d, r in rows
        ]
        reference[f"p{p}"] = _reference_confirmed_bor(rows, 0, 28, 42, max_nr_ne, int(accept_sd))
    origin = _origin({p: "2021-01-01" for p in reference})
    out = best_overall_response(
        _assessments(records), origin, confirm=True, max_nr_ne=max_nr_ne, accept_sd=accept_sd
    )
    order = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")
    for row in out.itertuples():
        rank, day = reference[row.patient_id]
        assert row.bor == order[rank - 1], row.patient_id
        if day is not None:
            assert row.bor_date == pd.Timestamp("2021-01-01") + pd.Timedelta(days=day)
