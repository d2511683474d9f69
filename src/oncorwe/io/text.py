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
import math
import re
from pathlib import Path

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


def _decode_error(file_name: str, encoding: str, offset: int, byte: bytes) -> InputError:
    return InputError(
        f"{file_name}: byte {offset} ({byte!r}) cannot be decoded as {encoding}. Check the "
        "file's encoding and pass it with --encoding (utf-8, gb18030 or latin-1), or leave "
        "--encoding out to detect it."
    )


def _decodes(path: Path, codec: str, cjk_only: bool = False) -> tuple[bool, int, bytes]:
    """Decode the file in 1 MiB blocks with an incremental decoder.

    Returns (ok, offset of the first bad byte, that byte). With ``cjk_only`` a decoded character
    outside ASCII and CJK text counts as a failure (the GB18030 shape test).
    """
    decoder = codecs.getincrementaldecoder(codec)("strict")
    consumed = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 20)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                start = consumed + exc.start - len(getattr(decoder, "buffer", b"") or b"")
                return False, max(start, 0), exc.object[exc.start : exc.start + 1]
            if cjk_only and _CJK_TEXT.search(text):
                return False, consumed, b""
            if not block:
                return True, consumed, b""
            consumed += len(block)


def decode_stream(path: Path, encoding: str | None) -> tuple[str, bool]:
    """Choose the codec of a text file without loading it (see the module docstring).

    Parameters
    ----------
    path : the file.
    encoding : codec name, or None to detect.

    Returns
    -------
    (codec to open the file with, detected) where ``detected`` is True when a fallback was
    chosen. ``InputError`` when the given encoding cannot decode a byte (its offset is named).
    """
    if encoding is not None:
        name = check_encoding_name(encoding)
        if name == "utf-8":
            name = UTF8  # a BOM is never part of the first column's name
        ok, offset, byte = _decodes(path, name)
        if not ok:
            raise _decode_error(path.name, encoding, offset, byte)
        return name, False
    with path.open("rb") as handle:
        head = handle.read(2)
    if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16", True
    if _decodes(path, UTF8)[0]:
        return UTF8, False
    if _decodes(path, "gb18030", cjk_only=True)[0]:
        return "gb18030", True
    return "latin-1", True


def _format_datetime(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            return value.isoformat(sep=" ")
        value = value.date()
    return _date_text(value)


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _date_text(value: dt.date) -> str:
    # isoformat is strftime("%Y-%m-%d") without its cost, for four-digit years
    return value.isoformat() if value.year >= 1000 else value.strftime("%Y-%m-%d")


# exact cell types -> text, looked up before the general rules of ``cell_to_text`` (a workbook
# of 1,000 patients has half a million cells: one dictionary look-up instead of a chain of
# isinstance checks per cell)
_CELL_TEXT = {
    float: _float_text,
    int: str,
    bool: lambda value: "true" if value else "false",
    dt.datetime: _format_datetime,
    dt.date: _date_text,
    dt.time: dt.time.isoformat,
}


def cell_to_text(value: object) -> str | None:
    """One typed cell (from openpyxl or calamine) as contract text; None for empty.

    Dates become ``YYYY-MM-DD`` (a time of day is kept only when not midnight), whole floats
    lose their ``.0``, booleans become ``true``/``false``; blank text is empty.
    """
    kind = type(value)
    if kind is str:
        return value if value.strip() else None
    if value is None:
        return None
    fast = _CELL_TEXT.get(kind)
    if fast is not None:
        return fast(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return _format_datetime(value)
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return _float_text(value)
    text = str(value)
    return text if text.strip() != "" else None


def series_to_text(series: pd.Series, with_time: bool | None = None) -> pd.Series:
    """A typed column (from Parquet) as a string column with the same text rules as cells.

    Timestamps keep their time of day when ``with_time`` (None: when any value has one; a
    streamed file decides it over the whole column, not per chunk)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        values = pd.to_datetime(series)
        has_time = with_time
        if has_time is None:
            has_time = bool(
                ((values - values.dt.normalize()).dt.total_seconds().fillna(0) != 0).any()
            )
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
