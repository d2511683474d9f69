"""Match one source column to contract columns: by its header (vocabulary, units, numbered
groups) and by the values seen in it.

A header of a numbered group (``不良反应3分级(CTCAE 5.0)``, ``AE3 grade``, ``RT2 start date``)
is read as a template with ``{n}`` in place of the number (``不良反应{n}分级(CTCAE 5.0)``) when
the same template occurs with two numbers or more; the template without the number
(``不良反应分级``) is what the vocabulary is searched for.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from oncorwe.io.mapping.spec import PLACEHOLDER
from oncorwe.io.mapping.vocabulary import GROUP_NUMBER, UNIT, Target, header_core
from oncorwe.io.mapping.vocabulary import header_vocabulary as vocabulary
from oncorwe.io.schema import TABLES

EXACT, FUZZY_CUTOFF = 0.95, 0.8
DATE_TEXT = re.compile(
    r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?( .*)?$|^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}$"
)
NUMBER_TEXT = re.compile(r"^[-+]?\d+(\.\d+)?$")
# units that name a column's unit in the contract: a header unit that contradicts is a warning
UNIT_COLUMNS = {"gy": "total_dose_gy", "cm": "largest_tumor_cm", "mm": "diameter_mm"}


@dataclass(frozen=True)
class Candidate:
    """A contract column a source column may map to, with a confidence in 0..1."""

    target: Target
    score: float
    how: str


def templates(headers: list[str]) -> dict[str, tuple[str, int]]:
    """Header -> (template with ``{n}``, number) for headers of numbered groups."""
    found: dict[str, list[tuple[str, str, int]]] = {}
    for header in headers:
        brackets = [m.span() for m in UNIT.finditer(header)]
        for match in GROUP_NUMBER.finditer(header):
            if any(a <= match.start() < b for a, b in brackets):
                continue
            template = header[: match.start()] + PLACEHOLDER + header[match.end() :]
            found.setdefault(template, []).append((header, template, int(match.group(1))))
            break
    out: dict[str, tuple[str, int]] = {}
    for _, members in found.items():
        if len({n for _, _, n in members}) >= 2:
            for header, template, number in members:
                out[header] = (template, number)
    return out


def header_candidates(header: str) -> list[Candidate]:
    """Contract columns whose vocabulary matches ``header`` (no group number in it), best
    first: an exact match, the longest vocabulary word contained in it, or a close spelling."""
    core, _ = header_core(header)
    if not core:
        return []
    words = vocabulary()
    if core in words:
        return [Candidate(t, EXACT, "header") for t in words[core]]
    contained = [w for w in words if len(w) >= 2 and w in core and _word_fits(w, core)]
    if contained:
        best = max(contained, key=len)
        score = 0.55 + 0.35 * len(best) / len(core)
        return [Candidate(t, round(score, 2), f"header contains '{best}'") for t in words[best]]
    close = difflib.get_close_matches(core, list(words), n=1, cutoff=FUZZY_CUTOFF)
    if close:
        return [Candidate(t, 0.6, f"header close to '{close[0]}'") for t in words[close[0]]]
    return []


def _word_fits(word: str, core: str) -> bool:
    # a Latin abbreviation (ae, alt, id) must not be found inside a longer Latin word
    if not word.isascii():
        return True
    at = core.find(word)
    before = core[at - 1] if at > 0 else ""
    after = core[at + len(word) :][:1]
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


def value_fit(values: pd.Series, target: Target) -> float:
    """How well the values fit the target column's type: a factor in 0.5..1."""
    if target.table == "*" or values.empty:
        return 1.0
    kind = TABLES[target.table].column(target.column).type
    text = values.astype(str).str.strip()
    if kind == "date":
        share = text.str.match(DATE_TEXT).mean()
    elif kind in ("int", "num"):
        share = text.str.match(NUMBER_TEXT).mean()
    else:
        share = 1.0 - text.str.match(NUMBER_TEXT).mean() * (kind == "list")
    return 0.5 + 0.5 * float(share >= 0.5)


def rank(header: str, values: pd.Series) -> list[Candidate]:
    """Candidates for a column, scored by header and value fit, best first."""
    out = []
    for candidate in header_candidates(header):
        score = round(candidate.score * value_fit(values, candidate.target), 2)
        out.append(Candidate(candidate.target, score, candidate.how))
    return sorted(out, key=lambda c: -c.score)


def group_header(header: str, template: str | None) -> str:
    """The header to search the vocabulary for: the template without its number."""
    return template.replace(PLACEHOLDER, "") if template else header
