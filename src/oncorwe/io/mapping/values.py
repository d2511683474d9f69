"""Value maps for a proposed mapping: the source's words -> the contract's values.

For each category column the words seen are looked up in the shipped vocabulary
(``oncorwe.io.mapping.vocabulary``): category words (``男`` -> ``M``), yes/no words for booleans,
drug names (generic, brand, Chinese) -> generic agent or drug class, adverse-event text ->
CTCAE v5.0 term. A word that is not found is written with an empty value (``"头晕" = ""``): the
user fills it in, and until then its rows are quarantined with a finding; nothing is guessed.
"""

from __future__ import annotations

import re

import pandas as pd

from oncorwe.io.mapping.convert import LIST_SPLIT
from oncorwe.io.mapping.vocabulary import find_agent, find_term, fold, value_words
from oncorwe.io.schema import BOOLEAN_FALSE, BOOLEAN_TRUE, LIST_SEPARATOR, Column

MAX_DISTINCT = 300  # a column with more distinct words is free text, not a category
FREE_TEXT_MAPPED = ("agent", "term", "organ", "test")
NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
MAX_COMPLETED = 8  # closed categories up to this size get their unseen words too
_PAIRS = {"有": "无", "是": "否", "阳性": "阴性", "yes": "no", "y": "n", "true": "false"}
OPPOSITES = {**_PAIRS, **{v: k for k, v in _PAIRS.items()}}


def value_map(column: Column, values: pd.Series, by_agent: bool = False) -> dict | None:
    """The value map of one column from the values seen; None when none is needed (every
    value is already a contract value) or the column is not a category."""
    if not _is_category(column, by_agent):
        return None
    distinct = [str(v).strip() for v in pd.unique(values.dropna().astype(str))]
    if column.type == "list":  # a list column is mapped item by item
        distinct = list(dict.fromkeys(i for v in distinct for i in LIST_SPLIT.split(v)))
    distinct = [v for v in distinct if v]
    if not distinct or len(distinct) > MAX_DISTINCT:
        return None
    mapped = {v: _lookup(column, v, by_agent) for v in distinct}
    if all(mapped[v] == v for v in distinct):
        return None
    if not by_agent:
        _complete(column, mapped)
    return dict(sorted(mapped.items(), key=lambda kv: (kv[1] == "", kv[0])))


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _complete(column: Column, mapped: dict[str, str]) -> None:
    """Add the words of a closed category that the sample did not show (a sample of men still
    maps ``女``): the vocabulary's first word, in the script of the words seen, for each
    contract value not yet reached; for booleans the opposite of each yes/no word seen."""
    if column.type == "bool":
        for word in list(mapped):
            other = OPPOSITES.get(fold(word))
            if other and other not in {fold(k) for k in mapped}:
                mapped[other] = value_words()["bool"][other]
        return
    if column.type == "list" or not column.allowed or len(column.allowed) > MAX_COMPLETED:
        return
    script = any(_cjk(k) for k in mapped)
    reached = set(mapped.values())
    for word, target in value_words().get(column.name, {}).items():
        if target not in reached and _cjk(word) == script and word not in mapped:
            mapped[word] = target
            reached.add(target)


def _is_category(column: Column, by_agent: bool) -> bool:
    return bool(
        by_agent
        or column.allowed
        or column.type == "bool"
        or column.name in FREE_TEXT_MAPPED
        or column.name in value_words()
    )


def _lookup(column: Column, value: str, by_agent: bool) -> str:
    if by_agent:
        found = find_agent(value)
        return found[1] if found else ""
    if column.name == "agent":
        found = find_agent(value)
        return found[0] if found else ""
    if column.name == "term":
        return find_term(value) or ""
    if column.type == "list":
        items = [i for i in LIST_SPLIT.split(value) if i]
        found = [_word(column, i) for i in items]
        return "" if "" in found else LIST_SEPARATOR.join(found)
    return _word(column, value)


def _word(column: Column, value: str) -> str:
    key = fold(value)
    if column.type in ("int", "num") and NUMBER.match(key):
        return value
    if column.type == "bool":
        if key in BOOLEAN_TRUE or key in BOOLEAN_FALSE:
            return value
        return value_words()["bool"].get(key, "")
    for allowed in column.allowed:
        if fold(allowed) == key:
            return allowed
    words = value_words().get(column.name, {})
    return words.get(key, words.get(key.replace(" ", ""), ""))
