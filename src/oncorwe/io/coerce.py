"""Parse text columns into the contract's types, vectorised, and report what could not be parsed.

Types (``oncorwe.io.schema.ColumnType``) and their pandas dtypes in accepted tables:

========  ==================  ======================================================
type      dtype               text accepted
========  ==================  ======================================================
date      datetime64[ns]      ``YYYY-MM-DD`` (also ``/`` or ``.`` separators, or
                              ``YYYY年M月D日``; a time of day is dropped); partial
                              ``YYYY-MM`` / ``YYYY`` (``YYYY年M月``) where the
                              column allows it; Excel serial day numbers (warning)
int       Int64               whole numbers (``3`` or ``3.0``)
num       float64             decimal numbers with a ``.`` decimal point, finite
bool      boolean             ``true/false/yes/no/1/0/y/n/t/f`` in any case
text      string              anything
list      string              items separated by ``;`` (spaces around items removed)
========  ==================  ======================================================

Partial-date imputation (conservative, documented): ``YYYY-MM`` -> the first day of the month,
``YYYY`` -> 1 January. The first day is the earliest possible date, so an imputed diagnosis date
can never make a later event look as if it came before diagnosis. The flag column
``<column>_imputed`` (boolean) is True on imputed rows.
"""

from __future__ import annotations

import pandas as pd

from oncorwe.io.schema import BOOLEAN_FALSE, BOOLEAN_TRUE, LIST_SEPARATOR, Column

# Text read as "missing" in every column (case-sensitive; "none" is a category value).
MISSING_TOKENS = ("", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "NaN", "nan")
# the characters Python's str.strip() removes (str.isspace), for the SQL that cleans text as
# clean_text does; none lies above U+3000 (IDEOGRAPHIC SPACE), so the scan stops there
# instead of reading every code point each time the package is imported
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's 1900 date system, leap-year bug included
EXCEL_SERIAL_RANGE = (18264, 73050)  # 1950-01-01 .. 2099-12-31: other numbers are not dates
YEAR_RANGE = (1900, 2100)

_DATE = (
    r"^(?P<year>\d{4})(?:[-/.](?P<month>\d{1,2})(?:[-/.](?P<day>\d{1,2}))?)?"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_SERIAL = r"^\d{5}(?:\.0+)?$"
_INT = r"^[+-]?\d+(?:\.0*)?$"
_NUM = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def clean_text(series: pd.Series) -> pd.Series:
    """Strip spaces (and NUL bytes); missing tokens become NA. Returns a ``string`` series."""
    text = series.astype("string").str.replace("\x00", "", regex=False).str.strip()
    return text.mask(text.isin(MISSING_TOKENS))


def _numbers(text: pd.Series) -> pd.Series:
    """Text -> float64 (NaN where not a number)."""
    return pd.to_numeric(text.astype("object"), errors="coerce").astype("float64")


def parse_date(text: pd.Series) -> pd.DataFrame:
    """Parse dates. Returns columns ``value`` (datetime64[ns]), ``bad``, ``partial``
    (``month``/``year``/NA) and ``serial`` (bool)."""
    # Chinese dates: 2021年3月5日 / 2021年3月 -> 2021-3-5 / 2021-3
    chinese = text.str.replace("年", "-").str.replace("月", "-").str.replace("日", "")
    text = text.mask(text.str.contains("年").fillna(False), chinese.str.rstrip("-"))
    parts = text.str.extract(_DATE)
    serial = text.str.match(_SERIAL).fillna(False).astype(bool)
    serial_days = _numbers(text.where(serial))
    serial &= serial_days.between(*EXCEL_SERIAL_RANGE)
    year, month, day = (_numbers(parts[k]) for k in ("year", "month", "day"))
    in_range = year.between(*YEAR_RANGE)
    built = pd.to_datetime(
        pd.DataFrame(
            {"year": year.where(in_range), "month": month.fillna(1), "day": day.fillna(1)}
        ),
        errors="coerce",
    )
    from_serial = EXCEL_EPOCH + pd.to_timedelta(serial_days.where(serial), unit="D")
    value = built.where(~serial, from_serial).astype("datetime64[ns]").dt.normalize()
    partial = pd.Series(pd.NA, index=text.index, dtype="string")
    partial = partial.mask(parts["year"].notna() & parts["month"].isna(), "year")
    partial = partial.mask(parts["month"].notna() & parts["day"].isna(), "month")
    bad = text.notna() & value.isna()
    return pd.DataFrame(
        {"value": value, "bad": bad, "partial": partial.where(~bad), "serial": serial}
    )


def parse_int(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers -> (Int64 values, bad mask)."""
    ok = text.str.match(_INT).fillna(False).astype(bool)
    numbers = _numbers(text.where(ok))
    ok &= numbers.abs() < 2**53
    value = numbers.where(ok).round().astype("Int64")
    return value, text.notna() & ~ok


def parse_num(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal numbers -> (float64 values, bad mask); ``inf``/``nan`` words are not numbers."""
    ok = text.str.match(_NUM).fillna(False).astype(bool)
    value = _numbers(text.where(ok))
    ok &= value.abs() < float("inf")
    return value.where(ok), text.notna() & ~ok


def parse_bool(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booleans (``oncorwe.io.schema.BOOLEAN_TRUE/FALSE``, any case) -> (boolean, bad mask)."""
    lower = text.str.lower()
    value = pd.Series(pd.NA, index=text.index, dtype="boolean")
    value = value.mask(lower.isin(BOOLEAN_TRUE), True).mask(lower.isin(BOOLEAN_FALSE), False)
    return value, text.notna() & value.isna()


def normalise_list(text: pd.Series) -> pd.Series:
    """``a; b ;c`` -> ``a;b;c`` (empty items dropped)."""
    items = text.str.split(LIST_SEPARATOR)
    joined = items.map(
        lambda xs: (
            LIST_SEPARATOR.join(x.strip() for x in xs if x.strip())
            if isinstance(xs, list)
            else pd.NA
        )
    )
    out = pd.Series(joined, index=text.index, dtype="string")
    return out.mask(out == "")


def _parse_values(column: Column, text: pd.Series) -> pd.DataFrame:
    if column.type == "date":
        return parse_date(text)
    if column.type == "int":
        value, bad = parse_int(text)
    elif column.type == "num":
        value, bad = parse_num(text)
    elif column.type == "bool":
        value, bad = parse_bool(text)
    elif column.type == "list":
        value, bad = normalise_list(text), pd.Series(False, index=text.index)
    else:
        value, bad = text.astype("string"), pd.Series(False, index=text.index)
    return pd.DataFrame({"value": value, "bad": bad})


def parse_column(column: Column, text: pd.Series) -> pd.DataFrame:
    """Parse one column. Returns ``value``, ``bad`` and, for dates, ``partial`` and ``serial``.

    Each distinct text is parsed once (registries repeat dates and codes a lot), then the
    results are spread back over the rows.
    """
    codes, uniques = pd.factorize(text)
    distinct = pd.Series(pd.array(list(uniques) + [pd.NA], dtype="string"))
    parsed = _parse_values(column, distinct)
    codes[codes < 0] = len(uniques)  # missing values point at the trailing NA
    return parsed.iloc[codes].set_axis(text.index)
