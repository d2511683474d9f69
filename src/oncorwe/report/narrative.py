"""The results paragraph, written from ``results`` alone, in the style of the reference abstract.

Every number in the paragraph is read from ``StudyOutputs.results`` (the same dict that is
written to ``results.json``), so prose, tables and tests cannot disagree. A sentence whose
numbers are absent is left out rather than written with a gap.

References
----------
.. [1] Zhai Y, et al. Combined radiation and immune checkpoint inhibitor therapy for metastatic or
   recurrent hepatocellular carcinoma: a real-world study of 108 patients. Front Immunol
   2025;16:1594577 (abstract: the sentence pattern imitated here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oncorwe.report.format import (
    GEQ,
    count_phrase,
    format_compact,
    format_count,
    format_estimate_ci,
    format_n_pct,
    format_number,
    format_pct,
    format_pct_ci,
    sentence_case,
)


def lookup(results: dict[str, Any], path: str) -> Any:
    """``lookup(r, "response.orr.pct")`` -> value, or None when any key on the path is absent."""
    node: Any = results
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _cohort(r: dict[str, Any]) -> str:
    n = format_count(lookup(r, "cohort.n"))
    ehm = lookup(r, "cohort.extrahepatic_metastasis")
    pvtt = lookup(r, "cohort.pvtt")
    return (
        f"Of {n} patients, {format_n_pct(ehm['n'], ehm['pct'])} had extrahepatic metastasis "
        f"and {format_n_pct(pvtt['n'], pvtt['pct'])} portal vein tumour thrombosis (PVTT)."
    )


def _treatment(r: dict[str, Any]) -> str:
    dose = format_compact(lookup(r, "treatment.rt_total_dose_gy.median"))
    text = f"The median radiation dose was {dose} Gy"
    concurrent = lookup(r, "treatment.sequence.concurrent")
    sequential = lookup(r, "treatment.sequence.sequential")
    if concurrent and sequential:
        text += (
            f"; radiotherapy and immunotherapy were given concurrently in "
            f"{format_n_pct(concurrent['n'], concurrent['pct'])} patients and sequentially in "
            f"{format_n_pct(sequential['n'], sequential['pct'])}"
        )
    return text + "."


def _response(r: dict[str, Any]) -> str:
    level = lookup(r, "meta.conf_level")
    orr = lookup(r, "response.orr")
    criteria = lookup(r, "response.criteria")
    by = f" ({criteria})" if criteria else ""
    text = (
        f"The objective response rate{by} was "
        f"{format_pct_ci(orr['pct'], orr['ci_lower'], orr['ci_upper'], conf_level=level)}"
    )
    dcr = lookup(r, "response.dcr")
    if dcr and "pct" in dcr:
        dcr_text = format_pct_ci(
            dcr["pct"], dcr.get("ci_lower"), dcr.get("ci_upper"), conf_level=level
        )
        text += f" and the disease control rate {dcr_text}"
    return text + "."


def _survival(r: dict[str, Any]) -> str:
    level = lookup(r, "meta.conf_level")

    def median(key: str) -> str:
        s = lookup(r, f"survival.{key}")
        return format_estimate_ci(
            s["median_months"],
            s["ci_lower"],
            s["ci_upper"],
            unit=" months",
            conf_level=level,
            estimate_missing="not reached",
        )

    follow_up = format_number(lookup(r, "survival.follow_up.median_months"))
    return (
        f"With a median follow-up of {follow_up} months, median overall survival (OS) was "
        f"{median('os')} and median progression-free survival (PFS) {median('pfs')}."
    )


def _local_control(r: dict[str, Any]) -> str:
    n = int(lookup(r, "local_control.in_field_recurrence.n"))
    pct = lookup(r, "local_control.in_field_recurrence.pct")
    if n == 1:
        return "Only one patient had in-field recurrence."
    if n == 0:
        return "No patient had in-field recurrence."
    return f"In-field recurrence occurred in {format_n_pct(n, pct)} patients."


def _safety(r: dict[str, Any]) -> str:
    any3 = lookup(r, "safety.grade3plus_any")
    common = lookup(r, "safety.most_common_any_grade")
    common3 = lookup(r, "safety.most_common_grade3plus")
    text = (
        f"Grade {GEQ} 3 adverse events occurred in {count_phrase(int(any3['n']))} "
        f"({format_pct(any3['pct'])})"
    )
    if common and common.get("term"):
        text += f"; the most common toxicity was {common['term'].lower()}"
        if common3 and common3.get("term"):
            text += (
                f" and the most common grade {GEQ} 3 event {common3['term'].lower()} "
                f"({format_pct(common3['pct'])})"
            )
    return text + "."


SENTENCES: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("cohort.n", _cohort),
    ("treatment.rt_total_dose_gy.median", _treatment),
    ("response.orr.pct", _response),
    ("survival.os.median_months", _survival),
    ("local_control.in_field_recurrence.n", _local_control),
    ("safety.grade3plus_any.n", _safety),
)
"""Each sentence with the key that must be present for it to be written."""


def write_summary(results: dict[str, Any]) -> str:
    """The results paragraph, one sentence per topic, numbers formatted as in the tables.

    Parameters
    ----------
    results : the nested headline numbers (``StudyOutputs.results``).

    Returns
    -------
    str
        Plain text (the HTML template escapes it).

    References
    ----------
    .. [1] Zhai et al. 2025, abstract (see module docstring).
    """
    sentences = [write(results) for key, write in SENTENCES if lookup(results, key) is not None]
    return sentence_case(" ".join(sentences))
