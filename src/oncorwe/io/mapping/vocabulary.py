"""The words a mapping is proposed from, as shipped data (``oncorwe/io/mapping/data``).

- ``headers.csv``: source headers (English and Chinese clinical vocabulary, abbreviations) for
  each contract column; ``fixed`` gives a constant that comes with the header (a column of
  mRECIST responses gives ``criteria = mRECIST``).
- ``values.csv``: source words for each category (``男`` -> ``M``, ``有`` -> true, ...).
- ``oncology_agents.csv``: oncology agents with generic, brand, Chinese generic names and codes,
  their drug class in the contract's terms and the approvals they rest on (``source``): every
  PD-1, PD-L1 and CTLA-4 antibody approved by the NMPA, FDA or EMA, TKIs, anti-VEGF agents
  (bevacizumab and its biosimilars), chemotherapy agents and regimens.
- ``ctcae_terms.csv``: CTCAE v5.0 terms with their Chinese terms and common synonyms; with the
  terms of ``oncorwe/derive/data/ctcae_v5_soc.csv``.

References
----------
National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 2017;
its Chinese translation (CTCAE 5.0 中文版). Approvals: FDA Drugs@FDA labels, EMA European public
assessment reports (EPAR), NMPA drug approval announcements (as listed per agent).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

GROUP_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])")
UNIT = re.compile(r"[(\[（【]([^)\]）】]*)[)\]）】]")
NOISE = re.compile(r"[\s_\-.:：/·,，?？'\"]+")


@dataclass(frozen=True)
class Target:
    """A contract column a header can map to; ``fixed`` = ``(column, value)`` or None."""

    table: str
    column: str
    fixed: tuple[str, str] | None = None


def _read(name: str, package: str = "io/mapping") -> pd.DataFrame:
    # a data file by its path in the package: reading the derivations' CTCAE table must not
    # import oncorwe.derive (and the statistics stack below it)
    path = resources.files("oncorwe").joinpath(*package.split("/"), "data", name)
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def fold(text: str) -> str:
    """Compare-ready text: NFKC (full-width -> half-width), case folded, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(text)).casefold().strip()


def header_core(header: str) -> tuple[str, str]:
    """(core, unit): the header without its bracketed unit and punctuation, and the unit
    (``总剂量(Gy)`` -> ``("总剂量", "gy")``)."""
    text = fold(header)
    units = UNIT.findall(text)
    core = NOISE.sub("", UNIT.sub("", text))
    return core, fold(units[0]) if units else ""


@cache
def header_vocabulary() -> dict[str, list[Target]]:
    """Normalised header -> the contract columns it names."""
    table = _read("headers.csv")
    vocabulary: dict[str, list[Target]] = {}
    for row in table.itertuples():
        fixed = tuple(row.fixed.split("=", 1)) if row.fixed else None
        for word in row.headers.split("|"):
            core, _ = header_core(word)
            vocabulary.setdefault(core, []).append(Target(row.table, row.column, fixed))
    return vocabulary


@cache
def value_words() -> dict[str, dict[str, str]]:
    """Category (contract column, or ``bool``) -> folded source word -> contract value."""
    words: dict[str, dict[str, str]] = {}
    for row in _read("values.csv").itertuples():
        for word in row.words.split("|"):
            words.setdefault(row.column, {})[fold(word)] = row.value
    return words


@cache
def agents() -> pd.DataFrame:
    """The shipped table of oncology agents (see the module docstring)."""
    return _read("oncology_agents.csv")


@cache
def agent_names() -> dict[str, tuple[str, str]]:
    """Folded name (generic, Chinese, brand, code) -> (generic agent, drug class)."""
    names: dict[str, tuple[str, str]] = {}
    for row in agents().itertuples():
        for name in [row.agent, row.chinese_name, *row.other_names.split(";")]:
            if name.strip():
                names[fold(name)] = (row.agent, row.drug_class)
                names[fold(name).replace(" ", "").replace("-", "")] = (row.agent, row.drug_class)
    return names


def find_agent(text: str) -> tuple[str, str] | None:
    """(generic agent, drug class) of a drug name as written; None when unknown. A name such
    as ``卡瑞利珠单抗注射液`` or ``Keytruda 200mg`` is found by its leading known name."""
    names = agent_names()
    key = fold(text)
    if key in names:
        return names[key]
    compact = re.sub(r"[\s\-]", "", key)
    if compact in names:
        return names[compact]
    matches = [n for n in names if len(n) >= 3 and compact.startswith(n.replace(" ", ""))]
    return names[max(matches, key=len)] if matches else None


@cache
def ctcae_terms() -> dict[str, str]:
    """Folded term, Chinese term or synonym -> CTCAE v5.0 term."""
    terms: dict[str, str] = {}
    for row in _read("ctcae_v5_soc.csv", "derive").itertuples():
        terms[fold(row.term)] = row.term
    for row in _read("ctcae_terms.csv").itertuples():
        for word in [row.term, row.chinese, *row.synonyms.split(";")]:
            if word.strip():
                terms[fold(word)] = row.term
    return terms


def find_term(text: str) -> str | None:
    """The CTCAE v5.0 term of an adverse-event text; None when it is not known (never a
    guess: only the term, its Chinese term or a listed synonym, without regard to case)."""
    return ctcae_terms().get(fold(text))


@cache
def _chinese_terms() -> dict[str, str]:
    table = _read("ctcae_terms.csv")
    return dict(zip(table["term"], table["chinese"], strict=True))


def chinese_term(term: str) -> str:
    """The Chinese CTCAE term of an English one (the term itself when none is shipped)."""
    return _chinese_terms().get(term, term)


@cache
def _chinese_agents() -> dict[str, str]:
    return dict(zip(agents()["agent"], agents()["chinese_name"], strict=True))


def chinese_agent(agent: str) -> str:
    """The Chinese generic name of an agent (the agent itself when none is shipped)."""
    return _chinese_agents().get(agent, agent)
