"""The results paragraph reads every number from ``results`` and formats it like the tables."""

from __future__ import annotations

import dataclasses

from report_fixtures import make_outputs

from oncorwe.derive.endpoints import ENDPOINTS, LC, PFS
from oncorwe.report.narrative import lookup, write_summary

SEED_LIKE = {
    "meta": {"conf_level": 0.95},
    "cohort": {
        "n": 108,
        "extrahepatic_metastasis": {"n": 58, "pct": 100 * 58 / 108},
        "pvtt": {"n": 69, "pct": 100 * 69 / 108},
    },
    "treatment": {"rt_total_dose_gy": {"median": 55.0}},
    "response": {
        "criteria": "mRECIST",
        "orr": {"n": 81, "pct": 75.0, "ci_lower": 65.76, "ci_upper": 82.82},
    },
    "survival": {
        "os": {"median_months": 17.02, "ci_lower": 14.1, "ci_upper": 21.3},
        "pfs": {"median_months": 12.61, "ci_lower": 9.8, "ci_upper": 15.0},
        "follow_up": {"median_months": 18.79},
    },
    "local_control": {"in_field_recurrence": {"n": 1, "pct": 100 / 108}},
    "safety": {
        "grade3plus_any": {"n": 33, "pct": 100 * 33 / 108},
        "most_common_any_grade": {"term": "Dermatitis radiation"},
        "most_common_grade3plus": {
            "term": "Platelet count decreased",
            "n": 19,
            "pct": 100 * 19 / 108,
        },
    },
}


def test_paragraph_reproduces_the_reference_abstract_numbers():
    text = write_summary(SEED_LIKE)
    assert text.startswith("Of 108 patients, 58 (53.7%) had extrahepatic metastasis and 69 (63.9%)")
    assert "The median radiation dose was 55 Gy." in text
    assert "The objective response rate (mRECIST) was 75.0% (95% CI 65.8\u201382.8%)." in text
    assert (
        "With a median follow-up of 18.8 months, median overall survival (OS) was 17.0 months"
        in text
    )
    assert "median progression-free survival (PFS) 12.6 months (95% CI 9.8\u201315.0)" in text
    assert "Only one patient had in-field recurrence." in text
    assert "Grade \u2265 3 adverse events occurred in 33 patients (30.6%)" in text
    assert "the most common toxicity was dermatitis radiation" in text
    assert "platelet count decreased (17.6%)." in text


def test_sentence_without_its_numbers_is_left_out():
    partial = {k: v for k, v in SEED_LIKE.items() if k != "safety"}
    assert "adverse events" not in write_summary(partial)


def test_median_not_reached_is_written_in_words():
    results = make_outputs().results
    results["survival"]["os"]["median_months"] = float("nan")
    assert "median overall survival (OS) was not reached (95% CI 6.0\u2013NR)" in write_summary(
        results
    )


def test_every_endpoint_drawn_as_a_curve_is_narrated_in_declared_order():
    ihpfs = dataclasses.replace(
        PFS, paramcd="IHPFS", param="x", label="Intrahepatic progression-free survival"
    )
    survival = {
        **SEED_LIKE["survival"],
        "ihpfs": {"median_months": 9.04, "ci_lower": 6.0, "ci_upper": None},
        "lc": {"median_months": 30.0, "ci_lower": 20.0, "ci_upper": 40.0},
    }
    results = {**SEED_LIKE, "survival": survival}
    text = write_summary(results, endpoints=(*ENDPOINTS, ihpfs))
    assert (
        "median overall survival (OS) was 17.0 months (95% CI 14.1\u201321.3), "
        "median progression-free survival (PFS) 12.6 months (95% CI 9.8\u201315.0) and "
        "median intrahepatic progression-free survival (IHPFS) 9.0 months (95% CI 6.0\u2013NR)."
    ) in text
    assert "(LC)" not in text  # local control has no Kaplan-Meier figure
    drawn_lc = dataclasses.replace(LC, km_figure=True)
    text = write_summary(results, endpoints=(drawn_lc,))
    assert "18.8 months, median local control (LC) was 30.0 months (95% CI 20.0\u201340.0)." in text
    assert "survival" not in write_summary(results, endpoints=(LC,))


def test_lookup_follows_dotted_paths():
    assert lookup(SEED_LIKE, "response.orr.n") == 81
    assert lookup(SEED_LIKE, "response.dcr.n") is None
