"""Source values -> contract values for one mapped column: value maps, list items, text dates.

Every value that the mapping cannot turn into a contract value is kept as written and reported
(``mapping.value_unmapped``, ``mapping.date_ambiguous``): the row is quarantined with the
finding, never dropped and never guessed.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from oncorwe.io.schema import LIST_SEPARATOR

LIST_SPLIT = re.compile(r"\s*[;；,，、/+]\s*")
DAY_MONTH_YEAR = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
TEXT_DATE = r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}\s*$"  # DAY_MONTH_YEAR without its groups


def map_values(values: pd.Series, table: dict[str, str], is_list: bool):
    """Map ``values`` through ``table`` (keys matched without regard to case and surrounding
    spaces; for a list column each item). Returns (mapped values, mask of unmapped values); an
    unmapped value, or one mapped to ``""``, is kept as written."""
    lookup = {k.strip().casefold(): v for k, v in table.items()}
    # each distinct word is looked up once; the rows take their word's result by its code
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    converted, failed = [], []
    for value in map(str, uniques):
        whole = lookup.get(value.strip().casefold(), "")
        items = [i for i in LIST_SPLIT.split(value.strip()) if i] if is_list and not whole else []
        targets = [lookup.get(i.casefold(), "") for i in items] if items else [whole]
        failed.append(any(t == "" for t in targets))
        converted.append(value if failed[-1] else LIST_SEPARATOR.join(targets))
    present = codes >= 0
    mapped = np.full(len(codes), None, dtype=object)
    bad = np.zeros(len(codes), dtype=bool)
    if converted:
        mapped[present] = np.array(converted, dtype=object)[codes[present]]
        bad[present] = np.array(failed, dtype=bool)[codes[present]]
    return pd.array(mapped, dtype="string"), bad


def read_text_dates(values: pd.Series, order: str | None):
    """Dates written ``dd/mm/yyyy`` or ``mm/dd/yyyy`` -> ``YYYY-MM-DD`` in the stated
    ``order``; without an order, such values are returned as written and marked ambiguous.
    Returns (values, mask of ambiguous values)."""
    # one vectorised match first: most date columns hold none (ISO text or Excel dates)
    shaped = values.str.contains(TEXT_DATE, na=False).to_numpy(dtype=bool)
    if not shaped.any():
        return values, shaped
    if order not in ("DMY", "MDY"):
        return values, shaped
    parts = values.str.extract(DAY_MONTH_YEAR)
    day, month = (parts[0], parts[1]) if order == "DMY" else (parts[1], parts[0])
    iso = parts[2] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    out = values.copy()
    out[shaped] = iso[shaped]
    return out, shaped & False


def guess_date_order(values: pd.Series) -> str | None:
    """``DMY`` or ``MDY`` when the text dates of a column decide it (a first part above 12 is a
    day, a second part above 12 is a day), else None (ambiguous, or no such dates)."""
    parts = values.dropna().astype(str).str.extract(DAY_MONTH_YEAR).dropna()
    if parts.empty:
        return None
    first, second = parts[0].astype(int), parts[1].astype(int)
    if (first > 12).any() and not (second > 12).any():
        return "DMY"
    if (second > 12).any() and not (first > 12).any():
        return "MDY"
    return None
