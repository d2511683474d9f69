"""Decoding bytes to text and turning typed cells (Excel, Parquet) into contract text.

Encoding rule (documented in docs/data_dictionary.md and ``read_source``):

1. ``encoding`` given: decode with it, strictly; a byte it cannot decode is an ``InputError``.
2. ``encoding`` not given: try UTF-8 (a byte-order mark is removed). If that fails, the text is
   *detected*: GB18030 is used when it decodes strictly and every non-ASCII character it yields
   is a CJK character or CJK/full-width punctuation (the shape of Chinese hospital exports);
   otherwise Latin-1, which decodes any byte. A detected encoding is reported as a warning
   (rule ``source.encoding_detected``) so that the user can confirm it with ``--encoding``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re

import numpy as np
import pandas as pd

from oncorwe.errors import InputError

UTF8 = "utf-8-sig"
FALLBACK_ENCODINGS = ("gb18030", "latin-1")
# CJK ideographs, CJK symbols and punctuation, full-width forms, and general punctuation that
# Chinese text uses (e.g. the ideographic comma and full-width brackets).
_CJK_TEXT = re.compile(
    r"[^\x00-\x7f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u2010-\u2027\u00b7]"
)
_BINARY_SIGNATURES = (
    b"PK\x03\x04",  # zip (xlsx, docx)
    b"\xd0\xcf\x11\xe0",  # OLE2 (old .xls)
    b"%PDF",
    b"PAR1",
    b"\x89PNG",
    b"\x1f\x8b",  # gzip
    b"SQLite format 3",
)


def check_encoding_name(encoding: str) -> str:
    """Return the canonical codec name of ``encoding``; ``InputError`` when Python lacks it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"Unknown encoding '{encoding}'. Use a name Python knows, for example utf-8, "
            "utf-8-sig, gb18030 or latin-1 (see docs/data_dictionary.md, 'Encodings')."
        ) from None


def looks_binary(data: bytes) -> bool:
    """True when ``data`` starts like a known binary format or holds NUL bytes early on."""
    head = data[:8192]
    if any(head.startswith(sig) for sig in _BINARY_SIGNATURES):
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head


def decode_bytes(data: bytes, file_name: str, encoding: str | None) -> tuple[str, str, bool]:
    """Decode a text file.

    Parameters
    ----------
    data : the file's bytes.
    file_name : used in error messages.
    encoding : codec name, or None to detect (see the module docstring).

    Returns
    -------
    (text, encoding used, detected) where ``detected`` is True when a fallback was chosen.
    """
    if encoding is not None:
        name = check_encoding_name(encoding)
        if name == "utf-8":
            name = UTF8  # a BOM is never part of the first column's name
        try:
            return data.decode(name), name, False
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{file_name}: byte {exc.start} ({data[exc.start : exc.start + 1]!r}) cannot be "
                f"decoded as {encoding}. Check the file's encoding and pass it with --encoding "
                "(utf-8, gb18030 or latin-1), or leave --encoding out to detect it."
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16", True
    try:
        return data.decode(UTF8), UTF8, False
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if not _CJK_TEXT.search(text):
            return text, "gb18030", True
    except UnicodeDecodeError:
        pass
    return data.decode("latin-1"), "latin-1", True


def _format_datetime(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        return value.isoformat(sep=" ")
    return value.strftime("%Y-%m-%d")


def cell_to_text(value: object) -> str | None:
    """One typed cell (from openpyxl) as contract text; None for empty.

    Dates become ``YYYY-MM-DD`` (a time of day is kept only when not midnight), whole floats
    lose their ``.0``, booleans become ``true``/``false``.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return _format_datetime(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if not np.isfinite(value):
            return str(value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value)
    return text if text.strip() != "" else None


def series_to_text(series: pd.Series) -> pd.Series:
    """A typed column (from Parquet) as a string column with the same text rules as cells."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = pd.to_datetime(series)
        has_time = bool(((values - values.dt.normalize()).dt.total_seconds().fillna(0) != 0).any())
        fmt = "%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d"
        out = values.dt.strftime(fmt)
    elif pd.api.types.is_bool_dtype(series):
        out = series.map({True: "true", False: "false"})
    elif pd.api.types.is_numeric_dtype(series):
        out = series.astype(object).map(cell_to_text)
    else:
        out = series.astype(object).map(cell_to_text)
    result = pd.Series(out, index=series.index, dtype="string")
    return result.mask(result.str.strip() == "")
