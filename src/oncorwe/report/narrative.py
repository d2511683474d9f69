"""The results paragraph, written from ``results`` alone, in the style of the reference abstract.

Every number in the paragraph is read from ``StudyOutputs.results`` (the same dict that is
written to ``results.json``), so prose, tables and tests cannot disagree. A sentence whose
numbers are absent is left out rather than written with a gap.

In shareable output (``min_cell``) a count ``n`` of the cohort's ``N`` patients is written only
when neither ``n`` nor ``N - n`` is in ``1..min_cell-1`` (the tables hide such a cell, and the
other one of the pair, by small-cell suppression); otherwise it reads ``<5`` or ``>103``
without its percentage, and a sentence made only of such a percentage is left out.

References
----------
.. [1] Zhai Y, et al. Combined radiation and immune checkpoint inhibitor therapy for metastatic or
   recurrent hepatocellular carcinoma: a real-world study of 108 patients. Front Immunol
   2025;16:1594577 (abstract: the sentence pattern imitated here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from oncorwe.derive.endpoints import ENDPOINTS, Endpoint
from oncorwe.privacy.shareable import below
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


def lookup(results: Mapping[str, Any], path: str) -> Any:
    """``lookup(r, "response.orr.pct")`` -> value, or None when any key on the path is absent.

    ``results`` is ``StudyResults`` (``oncorwe.results``; every result reads by its JSON keys
    and field names) or the same numbers as a nested dict (``results.json``)."""
    node: Any = results
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def hidden_count(n: Any, total: Any, min_cell: int | None) -> str | None:
    """The text that stands for ``n`` (of ``total``) in shareable output: ``"<5"`` when ``n``
    is 1..min_cell-1, ``">103"`` (of 108) when ``total - n`` is; None when ``n`` may be shown."""
    if min_cell is None or n is None:
        return None
    n = int(n)
    if 0 < n < min_cell:
        return below(min_cell)
    if total is not None and 0 < int(total) - n < min_cell:
        return f">{int(total) - min_cell}"
    return None


def _n_pct(entry: Mapping[str, Any], r: Mapping[str, Any], min_cell: int | None) -> str:
    """``"58 (53.7%)"``, or the hidden count's text alone (``hidden_count``)."""
    hidden = hidden_count(entry["n"], lookup(r, "cohort.n"), min_cell)
    return hidden or format_n_pct(entry["n"], entry["pct"])


def _cohort(
    r: Mapping[str, Any], min_cell: int | None = None, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> str:
    n = format_count(lookup(r, "cohort.n"))
    ehm = _n_pct(lookup(r, "cohort.extrahepatic_metastasis"), r, min_cell)
    pvtt = _n_pct(lookup(r, "cohort.pvtt"), r, min_cell)
    return (
        f"Of {n} patients, {ehm} had extrahepatic metastasis "
        f"and {pvtt} portal vein tumour thrombosis (PVTT)."
    )


def _treatment(
    r: Mapping[str, Any], min_cell: int | None = None, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> str:
    dose = format_compact(lookup(r, "treatment.rt_total_dose_gy.median"))
    text = f"The median radiation dose was {dose} Gy"
    concurrent = lookup(r, "treatment.sequence.concurrent")
    sequential = lookup(r, "treatment.sequence.sequential")
    if concurrent and sequential:
        text += (
            f"; radiotherapy and immunotherapy were given concurrently in "
            f"{_n_pct(concurrent, r, min_cell)} patients and sequentially in "
            f"{_n_pct(sequential, r, min_cell)}"
        )
    return text + "."


def _response(
    r: Mapping[str, Any], min_cell: int | None = None, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> str:
    level = lookup(r, "meta.conf_level")
    orr = lookup(r, "response.orr")
    total = lookup(r, "cohort.n")
    if hidden_count(orr.get("n"), total, min_cell):
        return ""  # the rate and its CI would give the small count back
    criteria = lookup(r, "response.criteria")
    by = f" ({criteria})" if criteria else ""
    text = (
        f"The objective response rate{by} was "
        f"{format_pct_ci(orr['pct'], orr['ci_lower'], orr['ci_upper'], conf_level=level)}"
    )
    dcr = lookup(r, "response.dcr")
    if dcr and "pct" in dcr and not hidden_count(dcr.get("n"), total, min_cell):
        dcr_text = format_pct_ci(
            dcr["pct"], dcr.get("ci_lower"), dcr.get("ci_upper"), conf_level=level
        )
        text += f" and the disease control rate {dcr_text}"
    return text + "."


def _narrated(label: str) -> str:
    """An endpoint's label inside a sentence: ``"Overall survival"`` -> ``"overall survival"``;
    a label opening with an abbreviation (``"ORR duration"``) keeps its capitals."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def _narrated(label: str) -> str:
    """An endpoint's label inside a sentence: ``"Overall survival"`` -> ``"overall survival"``;
    a label opening with an abbreviation (``"ICI-free survival"``) keeps its capitals."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() else label[:1].lower() + label[1:]


def _survival(
    r: Mapping[str, Any], min_cell: int | None = None, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> str:
    """The median follow-up and the median of each endpoint drawn as a Kaplan-Meier figure
    (``Endpoint.km_figure``), in the order declared; an endpoint without a result is left out."""
    level = lookup(r, "meta.conf_level")
    medians = []
    for endpoint in endpoints:
        s = lookup(r, f"survival.{endpoint.key}")
        if endpoint.km_figure and isinstance(s, Mapping) and "median_months" in s:
            estimate = format_estimate_ci(
                s["median_months"],
                s.get("ci_lower"),
                s.get("ci_upper"),
                unit=" months",
                conf_level=level,
                estimate_missing="not reached",
            )
            medians.append((f"median {_narrated(endpoint.label)} ({endpoint.paramcd})", estimate))
    if not medians:
        return ""
    (name, estimate), *others = medians
    listed = [f"{name} was {estimate}", *(f"{name} {estimate}" for name, estimate in others)]
    follow_up = format_number(lookup(r, "survival.follow_up.median_months"))
    text = listed[-1] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"
    return f"With a median follow-up of {follow_up} months, {text}."


def _local_control(
    r: Mapping[str, Any], min_cell: int | None = None, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> str:
    n = int(lookup(r, "local_control.in_field_recurrence.n"))
    pct = lookup(r, "local_control.in_field_recurrence.pct")
    hidden = hidden_count(n, lookup(r, "cohort.n"), min_cell)
    if hidden:
        return f"In-field recurrence occurred in {hidden} patients."
    if n == 1:
        return "Only one patient had in-field recurrence."
    if n == 0:
        return "No patient had in-field recurrence."
    return f"In-field recurrence occurred in {format_n_pct(n, pct)} patients."


def _safety(
    r: Mapping[str, Any], min_cell: int | None = None, endpoints: Sequence[Endpoint] = ENDPOINTS
) -> str:
    any3 = lookup(r, "safety.grade3plus_any")
    common = lookup(r, "safety.most_common_any_grade")
    common3 = lookup(r, "safety.most_common_grade3plus")
    total = lookup(r, "cohort.n")
    hidden = hidden_count(any3["n"], total, min_cell)
    text = f"Grade {GEQ} 3 adverse events occurred in " + (
        f"{hidden} patients"
        if hidden
        else f"{count_phrase(int(any3['n']))} ({format_pct(any3['pct'])})"
    )
    if common and common.get("term"):
        text += f"; the most common toxicity was {common['term'].lower()}"
        if common3 and common3.get("term"):
            text += f" and the most common grade {GEQ} 3 event {common3['term'].lower()}"
            if not hidden_count(common3.get("n"), total, min_cell):
                text += f" ({format_pct(common3['pct'])})"
    return text + "."


Writer = Callable[[Mapping[str, Any], int | None, Sequence[Endpoint]], str]
"""A sentence from (results, min_cell, the study's endpoints); "" leaves it out."""

SENTENCES: tuple[tuple[str, Writer], ...] = (
    ("cohort.n", _cohort),
    ("treatment.rt_total_dose_gy.median", _treatment),
    ("response.orr.pct", _response),
    ("survival", _survival),
    ("local_control.in_field_recurrence.n", _local_control),
    ("safety.grade3plus_any.n", _safety),
)
"""Each sentence with the key that must be present for it to be written."""


def write_summary(
    results: Mapping[str, Any],
    min_cell: int | None = None,
    endpoints: Sequence[Endpoint] = ENDPOINTS,
) -> str:
    """The results paragraph, one sentence per topic, numbers formatted as in the tables.

    Parameters
    ----------
    results : the nested headline numbers (``StudyOutputs.results``).
    min_cell : shareable output (``StudyOutputs.min_cell``): counts a reader could use to find
        a small cell are not written (``hidden_count``); None = exact.
    endpoints : the study's endpoints (``StudyOutputs.endpoints``); the median of each one drawn
        as a Kaplan-Meier figure is written, named by its label and ``PARAMCD``.

    Returns
    -------
    str
        Plain text (the HTML template escapes it).

    References
    ----------
    .. [1] Zhai et al. 2025, abstract (see module docstring).
    """
    sentences = [
        write(results, min_cell, endpoints)
        for key, write in SENTENCES
        if lookup(results, key) is not None
    ]
    return sentence_case(" ".join(s for s in sentences if s))
