"""The reference study's published numbers (Zhai et al., Front Immunol 2025;16:1594577), keyed
by their path in results.json, for the tests that run the study end to end from some source."""

PUBLISHED = {
    "cohort.n": 108,
    "cohort.extrahepatic_metastasis.n": 58,
    "cohort.extrahepatic_metastasis.pct": 53.7,
    "cohort.pvtt.n": 69,
    "cohort.pvtt.pct": 63.9,
    "treatment.rt_total_dose_gy.median": 55,
    "response.orr.n": 81,
    "response.orr.pct": 75.0,
    "survival.os.median_months": 17.0,
    "survival.pfs.median_months": 12.6,
    "survival.follow_up.median_months": 18.8,
    "local_control.in_field_recurrence.n": 1,
    "safety.grade3plus_any.n": 33,
    "safety.grade3plus_any.pct": 30.6,
    "safety.most_common_grade3plus.n": 19,
    "safety.most_common_grade3plus.pct": 17.6,
}


def value_at(results, path: str):
    """The value at a dotted ``path`` of a results.json dict."""
    for key in path.split("."):
        results = results[key]
    return results
