"""Number formatting for the report: the only place where a number becomes text.

Every renderer (HTML, narrative, figures, Word) formats through these functions, so the same
number reads the same everywhere. Missing values (None, NaN) are shown as ``NOT_AVAILABLE``;
a median or confidence limit that was not reached is shown as ``NOT_REACHED``. A cell hidden by
small-cell suppression arrives as its text (``"<5"`` or ``"[c]"``, made by
``privacy.shareable``) and every function here shows it as it is: a suppressed count never
becomes a number or a percentage again.

References
----------
.. [1] ICMJE, "Recommendations ... Statistics" and the AMA Manual of Style 10th ed., 19.4:
   percentages to one decimal; ranges written with an en dash.
"""

from __future__ import annotations

import math
from typing import Any

from oncorwe.privacy.shareable import below, is_suppressed

EN_DASH = "\u2013"
GEQ = "\u2265"
NOT_AVAILABLE = "\u2013"
NOT_REACHED = "NR"
SYNTHETIC_BANNER = "SYNTHETIC DATA \u2014 not real patients"
PCT_DIGITS = 1
MONTH_DIGITS = 1


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA/NaT (anything that is not a usable number)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, digits: int = 1, missing: str = NOT_AVAILABLE) -> str:
    """A float with a fixed number of decimals (``17.04 -> "17.0"``); ``missing`` if absent."""
    if is_suppressed(value):
        return str(value)
    if is_missing(value):
        return missing
    return f"{float(value):.{digits}f}"


def format_count(value: Any, min_cell: int | None = None) -> str:
    """An integer count (``58.0 -> "58"``); with ``min_cell``, a count 1..min_cell-1 is
    suppressed as ``"<min_cell"`` (small-cell rule for shareable output); an already
    suppressed cell keeps its text."""
    if is_suppressed(value):
        return str(value)
    if is_missing(value):
        return NOT_AVAILABLE
    count = int(round(float(value)))
    if min_cell is not None and 0 < count < min_cell:
        return below(min_cell)
    return f"{count}"


def format_compact(value: Any, digits: int = 1) -> str:
    """A number without a trailing ``.0`` (``55.0 -> "55"``, ``52.5 -> "52.5"``): doses, times."""
    if is_suppressed(value):
        return str(value)
    if is_missing(value):
        return NOT_AVAILABLE
    text = f"{float(value):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_pct(value: Any, digits: int = PCT_DIGITS) -> str:
    """A 0-100 percentage with its sign (``53.7037 -> "53.7%"``)."""
    if is_suppressed(value):
        return str(value)
    if is_missing(value):
        return NOT_AVAILABLE
    return f"{float(value):.{digits}f}%"


def format_n_pct(n: Any, pct: Any, digits: int = PCT_DIGITS) -> str:
    """``"58 (53.7%)"``: a count with its percentage; a suppressed count alone (``"<5"``)."""
    if is_suppressed(n):
        return str(n)
    return f"{format_count(n)} ({format_pct(pct, digits)})"


def format_range(lower: Any, upper: Any, digits: int = 1, missing: str = NOT_REACHED) -> str:
    """``"14.2\u201320.1"``: an interval; an absent limit reads ``missing`` (not reached); a
    suppressed one hides the interval (``"[c]"``)."""
    if is_suppressed(lower) or is_suppressed(upper):
        return str(lower if is_suppressed(lower) else upper)
    if is_missing(lower) and is_missing(upper) and missing == NOT_AVAILABLE:
        return NOT_AVAILABLE
    return (
        f"{format_number(lower, digits, missing)}{EN_DASH}{format_number(upper, digits, missing)}"
    )


def format_median_iqr(median: Any, q1: Any, q3: Any, digits: int = 1) -> str:
    """``"55.0 (50.0\u201360.0)"``: a median with its interquartile range."""
    if is_missing(median):
        return NOT_AVAILABLE
    return f"{format_number(median, digits)} ({format_range(q1, q3, digits, NOT_AVAILABLE)})"


def conf_label(conf_level: Any) -> str:
    """``0.95 -> "95% CI"``."""
    level = 0.95 if is_missing(conf_level) else float(conf_level)
    return f"{format_compact(level * 100, 1)}% CI"


def format_estimate_ci(
    estimate: Any,
    lower: Any,
    upper: Any,
    *,
    digits: int = 1,
    unit: str = "",
    conf_level: Any = 0.95,
    missing: str = NOT_REACHED,
    estimate_missing: str = NOT_REACHED,
) -> str:
    """``"17.0 months (95% CI 14.2\u201320.1)"``; NR for a limit or estimate not reached."""
    head = estimate_missing if is_missing(estimate) else format_number(estimate, digits) + unit
    return f"{head} ({conf_label(conf_level)} {format_range(lower, upper, digits, missing)})"


def format_pct_ci(pct: Any, lower: Any, upper: Any, *, conf_level: Any = 0.95) -> str:
    """``"75.0% (95% CI 65.8\u201382.5)"`` for a proportion whose limits are 0-100."""
    if is_suppressed(pct):
        return str(pct)
    estimate = format_pct(pct)
    if is_missing(lower) and is_missing(upper):
        return estimate
    limits = format_range(lower, upper, PCT_DIGITS, NOT_AVAILABLE)
    return f"{estimate} ({conf_label(conf_level)} {limits}%)"


def format_proportion_ci(surv: Any, lower: Any, upper: Any, *, conf_level: Any = 0.95) -> str:
    """A survival probability (0-1) as a percentage with CI: ``0.62 -> "62.0% (95% CI ...)"``."""

    def scale(x: Any) -> Any:
        return None if is_missing(x) else float(x) * 100

    return format_pct_ci(scale(surv), scale(lower), scale(upper), conf_level=conf_level)


def count_phrase(n: int, noun: str = "patient") -> str:
    """``1 -> "one patient"``, ``0 -> "no patient"``, ``5 -> "5 patients"`` (prose style)."""
    words = {0: "no", 1: "one"}
    return f"{words.get(n, str(n))} {noun}" + ("" if n in words else "s")


def is_nonzero_count(value: Any) -> bool:
    """A count above zero, or a suppressed one: a zero hidden as a complement must read as
    every other hidden cell, so a row is shown for it too."""
    return is_suppressed(value) or (not is_missing(value) and int(value) > 0)


def nonzero_count_phrase(value: Any, noun: str = "patient") -> str:
    """``count_phrase`` of a table cell: ``""`` for none or missing (nothing to say),
    ``"<5 patients"`` / ``"[c] patients"`` for a suppressed count."""
    if not is_nonzero_count(value):
        return ""
    return f"{value} {noun}s" if is_suppressed(value) else count_phrase(int(value), noun)


def sentence_case(text: str) -> str:
    """Capitalise the first letter only (``"dermatitis radiation"`` stays lower case inside)."""
    return text[:1].upper() + text[1:] if text else text


P_FLOOR = 0.001


def format_p_value(p: Any) -> str:
    """``0.0412 -> "0.041"``, ``0.00002 -> "<0.001"``: three decimals, floored (ICMJE/AMA 19.4)."""
    if is_missing(p):
        return NOT_AVAILABLE
    value = float(p)
    return f"<{P_FLOOR:.3f}" if value < P_FLOOR else f"{value:.3f}"


def format_ratio_ci(estimate: Any, lower: Any, upper: Any, digits: int = 2) -> str:
    """A hazard or odds ratio with its interval: ``"1.35 (0.78\u20132.34)"``.

    A ratio without limits is shown alone (``"1.00"``); a value that would round to zero reads
    ``<0.01`` (never ``0.00``); the reference level of a factor is marked by the caller.
    """
    if is_missing(estimate):
        return NOT_AVAILABLE
    head = _ratio(estimate, digits)
    if is_missing(lower) and is_missing(upper):
        return head
    return f"{head} ({_ratio(lower, digits)}{EN_DASH}{_ratio(upper, digits)})"


def _ratio(value: Any, digits: int) -> str:
    """A ratio to ``digits`` decimals; one that would round to zero reads ``<0.01``."""
    if is_missing(value):
        return NOT_AVAILABLE
    floor = 10.0**-digits
    return f"<{floor:.{digits}f}" if float(value) < floor else f"{float(value):.{digits}f}"
