"""Normalising rules that run before typing: lab units and category synonyms.

Units. The contract states the unit in the column (``bilirubin_umol_l``, ``albumin_g_l``) and,
for ``labs``, in the test name. Values written with a unit (``1.2 mg/dL``) are converted; a
whole column (or all ``labs`` rows of one test) whose median only makes sense in the
conventional unit is converted too. Every conversion is a warning naming the factor.

Synonyms. Category values are matched to the allowed values without regard to case, and through
a mapping file (``table,column,synonym,value``; blank ``table`` = any table). The default file
``oncorwe/validate/synonyms.csv`` ships with oncorwe; a study's own file is added on top (its
rows win). Every mapped value is a warning.

References
----------
Bilirubin: 1 mg/dL = 17.1 umol/L (molar mass 584.7 g/mol); albumin: 1 g/dL = 10 g/L.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.schema import LIST_SEPARATOR, TABLES
from oncorwe.validate.rules import Work, define_rule, make_findings, rule

STAGE = 1


# (contract column / labs test, contract unit, conventional unit, factor, median threshold):
# a median below the threshold is impossible in the contract unit for an adult (bilirubin below
# 3 umol/L, albumin below 10 g/L) and ordinary in the conventional one.
UNIT_RULES = (
    ("bilirubin_umol_l", "umol/L", "mg/dL", 17.1, 3.0),
    ("albumin_g_l", "g/L", "g/dL", 10.0, 10.0),
)
MIN_VALUES_FOR_DETECTION = 3  # too few values say nothing about the unit of a column
_UNIT_TEXT = {
    "umol/l": "umol/L",
    "µmol/l": "umol/L",
    "μmol/l": "umol/L",
    "mg/dl": "mg/dL",
    "g/l": "g/L",
    "g/dl": "g/dL",
}
_VALUE_WITH_UNIT = r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))\s*(?P<unit>[A-Za-zµμ].*)$"
DEFAULT_SYNONYMS = "synonyms.csv"


def unit_targets(text_tables: dict[str, pd.DataFrame]):
    """Yield (table, column, row mask, unit rule) for every place a lab unit applies."""
    for name, column, contract, conventional, factor, threshold in (
        (t, c[0], *c[1:]) for t in text_tables for c in UNIT_RULES
    ):
        text = text_tables[name]
        spec = (column, contract, conventional, factor, threshold)
        if column in text.columns:
            yield name, column, pd.Series(True, index=text.index), spec
        if name == "labs" and {"test", "value"} <= set(text.columns):
            yield name, "value", text["test"] == column, spec


def _number_parts(text: pd.Series, mask: pd.Series) -> pd.DataFrame:
    """``number`` and ``unit`` of the values where ``mask`` holds (NA elsewhere); the pattern
    runs on those values only (a labs table holds many tests, two of them with a unit rule)."""
    inside = text[mask.fillna(False).astype(bool) & text.notna()]
    return inside.str.extract(_VALUE_WITH_UNIT).reindex(text.index)


def plain_numbers(text: pd.Series, mask: pd.Series, parts: pd.DataFrame | None = None):
    """Numbers written without a unit where ``mask`` holds (NaN elsewhere); ``parts`` as
    ``_number_parts`` when already computed."""
    parts = _number_parts(text, mask) if parts is None else parts
    return pd.to_numeric(text.where(mask & parts["unit"].isna()), errors="coerce")


def column_is_conventional(count: int, median: float, threshold: float) -> bool:
    """A column's plain numbers are in conventional units when there are enough of them and
    their median is only plausible in that unit."""
    return count >= MIN_VALUES_FOR_DETECTION and median < threshold


def _convert(
    text: pd.Series, mask: pd.Series, spec, conventional: bool | None = None
) -> tuple[pd.Series, pd.Series]:
    """Converted text and the mask of converted rows, for one column or test.

    ``conventional`` is the whole column's unit decision (None: decide on ``text``)."""
    column, contract, conventional_unit, factor, threshold = spec
    parts = _number_parts(text, mask)
    unit = parts["unit"].dropna().str.strip().str.lower().map(_UNIT_TEXT).reindex(text.index)
    number = pd.to_numeric(parts["number"], errors="coerce")
    explicit = unit.isin([contract, conventional_unit])
    plain = plain_numbers(text, mask, parts)
    as_conventional = (unit == conventional_unit) & number.notna()
    if conventional is None:
        conventional = column_is_conventional(int(plain.notna().sum()), plain.median(), threshold)
    if conventional:
        as_conventional |= plain.notna()
        number = number.fillna(plain)
    converted = number.where(~as_conventional, number * factor).round(4)
    changed = (explicit | as_conventional) & number.notna()
    # only the changed values are formatted (a Python call per value)
    where = changed.fillna(False).astype(bool)
    shown = converted[where].map(lambda v: f"{v:g}").astype("string")
    new = text.mask(where, shown.reindex(text.index))
    return new, changed


@rule(
    "units.converted",
    "warning",
    "A bilirubin or albumin value in mg/dL or g/dL (written with its unit, or a whole column "
    "whose median is only plausible in that unit) was converted to umol/L or g/L.",
    ("patients", "labs"),
    stage=STAGE,
)
def check_lab_units(work: Work) -> pd.DataFrame | None:
    """Convert bilirubin/albumin given in conventional units to the contract's SI units."""
    parts = []
    for name, column, mask, spec in unit_targets(work.text):
        before = work.text[name][column]
        decided = None
        if work.context is not None:
            decided = (name, column, spec[0]) in work.context.conventional_units
        after, changed = _convert(before, mask, spec, decided)
        if not changed.any():
            continue
        work.text[name][column] = after
        work.typed[name][column] = after
        parts.append(
            make_findings(
                "units.converted",
                name,
                work.text[name],
                changed,
                column,
                f"{{table}} row {{row}}, column {{column}}: '{{value}}' read as {{extra}} "
                f"{spec[1]} (1 {spec[2]} = {spec[3]:g} {spec[1]})",
                values=before,
                extra=after,
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else None


def load_synonyms(path: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """The default synonyms plus those of ``path`` (a CSV ``table,column,synonym,value``)."""
    source = resources.files("oncorwe.validate").joinpath(DEFAULT_SYNONYMS)
    with source.open("r", encoding="utf-8") as handle:
        frames = [pd.read_csv(handle, dtype="string", keep_default_na=False)]
    if isinstance(path, pd.DataFrame):
        frames.append(path.astype("string"))
    elif path is not None:
        try:
            frames.append(pd.read_csv(path, dtype="string", keep_default_na=False))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"Synonyms file {path} cannot be read ({exc}).") from None
    missing = {"column", "synonym", "value"} - set(frames[-1].columns)
    if missing:
        raise InputError(
            f"Synonyms file {path} lacks column(s) {', '.join(sorted(missing))}; it needs "
            "table,column,synonym,value (table may be blank)."
        )
    table = pd.concat(frames, ignore_index=True).fillna("")
    if "table" not in table.columns:
        table["table"] = ""
    table["key"] = table["synonym"].str.strip().str.casefold()
    return table.drop_duplicates(["table", "column", "key"], keep="last")


def _synonym_index(synonyms: pd.DataFrame) -> dict[tuple[str, str], dict[str, str]]:
    """(table or "", column) -> {synonym key: value}, read once from the synonyms table."""
    index: dict[tuple[str, str], dict[str, str]] = {}
    for table, column, key, value in zip(
        synonyms["table"], synonyms["column"], synonyms["key"], synonyms["value"], strict=True
    ):
        index.setdefault((table, column), {})[key] = value
    return index


def _mapping(index: dict, table: str, column) -> dict[str, str]:
    mapping = {v.casefold(): v for v in column.allowed}
    # table-specific rows win over blank ones
    mapping.update(index.get(("", column.name), {}))
    mapping.update(index.get((table, column.name), {}))
    return mapping


def _map_values(text: pd.Series, mapping: dict[str, str], is_list: bool) -> pd.Series | None:
    """The mapped values, or None when no value changes."""

    def one(value: str) -> str:
        return mapping.get(" ".join(value.split()).casefold(), value)

    def one_list(value: str) -> str:
        return LIST_SEPARATOR.join(one(i.strip()) for i in value.split(LIST_SEPARATOR))

    distinct = text.dropna().unique()
    mapped = {v: (one_list(v) if is_list else one(v)) for v in distinct}
    if all(new == old for old, new in mapped.items()):
        return None
    return text.astype(object).map(mapped).astype("string")


@rule(
    "column.synonym_mapped",
    "warning",
    "A category value was mapped to its contract spelling (case, or the synonyms file).",
    stage=STAGE,
)
def check_synonyms(work: Work) -> pd.DataFrame | None:
    """Map category synonyms (``male`` -> ``M``) before the allowed-values rule."""
    synonyms = work.synonyms if work.synonyms is not None else load_synonyms()
    index = _synonym_index(synonyms)
    parts = []
    for name, text in work.text.items():
        for column in TABLES[name].columns:
            if not column.allowed or column.name not in text.columns:
                continue
            before = text[column.name]
            after = _map_values(before, _mapping(index, name, column), column.type == "list")
            if after is None:
                continue
            changed = before.notna() & (after != before)
            if not changed.any():
                continue
            text[column.name] = after
            work.typed[name][column.name] = after
            parts.append(
                make_findings(
                    "column.synonym_mapped",
                    name,
                    text,
                    changed,
                    column.name,
                    "{table} row {row}, column {column}: '{value}' read as '{extra}'",
                    values=before,
                    extra=after,
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else None


# a rule of whole columns, judged on a sample of each extra column of the staged table
# (``whole_table.identifier_sample``) and reported with ``identifier_findings``
define_rule(
    "privacy.identifier_column",
    "warning",
    "An extra (non-contract) column looks like a direct identifier (name, phone, e-mail, ID "
    "card, record number, address, birth date); its values are never shown.",
    stage=STAGE,
)


def identifier_findings(found_by_table: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """Findings of rule ``privacy.identifier_column``, one per flagged column."""
    rows = []
    for name, found_here in found_by_table.items():
        for found in found_here.itertuples():
            rows.append(
                {
                    "table": name,
                    "row": pd.NA,
                    "column": found.column,
                    "value": found.kind,
                    "rule": "privacy.identifier_column",
                    "severity": "warning",
                    "message": f"{name}, {found.message} (rule privacy.identifier_column)",
                    "_pos": pd.NA,
                }
            )
    return pd.DataFrame(rows) if rows else None
