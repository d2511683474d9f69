"""The observation records of a SAS transport v5 file, encoded column by column with numpy.

ReadStat (``pyreadstat.write_xport``) visits every cell of a data set in Python, which costs
seconds per million cells. The records themselves are simple: each observation is the variables
side by side at the positions the header's NAMESTR records give, numbers as 8-byte IBM
System/370 floating point (a missing number is ``.`` and seven zero bytes), text as its UTF-8
bytes padded with blanks to the variable's length; the last 80-byte record is padded with
blanks. ``encode_records`` writes them for a whole column at a time, byte for byte as ReadStat
does; a value it does not encode (an infinity, a negative zero, a number outside the IBM range,
text with a NUL byte) returns None and the caller lets ReadStat write the file.

References
----------
SAS Institute, "The record layout of a data set in SAS transport (XPORT) format", TS-140
(NAMESTR record: ``ntype`` 1 numeric / 2 character, ``nlng`` length, ``npos`` position;
observations in 80-byte records, blank-padded; IBM floating point, missing values).
IBM, "z/Architecture Principles of Operation", chapter 18 (hexadecimal floating point: sign,
7-bit excess-64 exponent of 16, 56-bit fraction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RECORD = 80
NAMESTR = 140
BLANK = 0x20
NUMERIC, CHARACTER = 1, 2
MISSING_NUMBER = b"." + bytes(7)
SAS_EPOCH_OFFSET_DAYS = 3653.0  # 1960-01-01 (SAS dates) to 1970-01-01 (Arrow dates)
_NAMESTR_HEADER = b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
# IBM exponents (powers of 16, excess 64) range over -64..63; ReadStat saturates numbers near
# the top of that range and denormalises those near the bottom: both are left to it
_IBM_LOWEST, _IBM_HIGHEST = 16.0**-64, 16.0**62


@dataclass(frozen=True)
class Variable:
    """One NAMESTR record: the variable's name, type, length and position in an observation."""

    name: str
    kind: int  # NUMERIC or CHARACTER
    length: int
    position: int


def header_variables(header: bytes) -> list[Variable]:
    """The variables declared by the NAMESTR records of a transport v5 header."""
    start = header.index(_NAMESTR_HEADER)
    count = int(header[start + 54 : start + 58])
    first = start + RECORD
    out = []
    for i in range(count):
        record = header[first + i * NAMESTR : first + (i + 1) * NAMESTR]
        out.append(
            Variable(
                name=record[8:16].decode("ascii").rstrip(),
                kind=int.from_bytes(record[0:2], "big"),
                length=int.from_bytes(record[4:6], "big"),
                position=int.from_bytes(record[84:88], "big"),
            )
        )
    return out


def ibm_doubles(values: np.ndarray) -> np.ndarray | None:
    """IEEE doubles as 8-byte IBM hexadecimal floating point, one row of bytes per value
    (NaN: the missing value ``.``); None when a value has no exact IBM form here.

    Steps
    -----
    1. Split each double into sign, binary exponent e and 53-bit integer mantissa m
       (value = m / 2^53 * 2^e).
    2. Take the power of 16 just above: E = ceil(e / 4); shifting m left by 3 - (4E - e) bits
       gives the 56-bit IBM fraction, exactly (53 + 3 bits fit in 56).
    3. Byte 1 is the sign and E + 64; bytes 2-8 the fraction, big-endian.
    """
    x = np.ascontiguousarray(values, dtype="float64")
    missing = np.isnan(x)
    present = x[~missing]
    magnitude = np.abs(present)
    zero = magnitude == 0
    if not np.isfinite(present).all() or np.signbit(present[zero]).any():
        return None
    if ((magnitude[~zero] < _IBM_LOWEST) | (magnitude[~zero] >= _IBM_HIGHEST)).any():
        return None
    # step 1
    bits = np.where(missing, 1.0, x).view(np.uint64)
    sign = bits >> np.uint64(63)
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1022
    mantissa = (bits & np.uint64((1 << 52) - 1)) | np.uint64(1 << 52)
    # step 2
    power = -(-exponent // 4)
    fraction = mantissa << (3 - (4 * power - exponent)).astype(np.uint64)
    # step 3
    ibm = (sign << np.uint64(63)) | ((power + 64).astype(np.uint64) << np.uint64(56)) | fraction
    ibm = np.where(x == 0, np.uint64(0), ibm)
    out = ibm.astype(">u8").view(np.uint8).reshape(-1, 8).copy()
    out[missing] = np.frombuffer(MISSING_NUMBER, dtype=np.uint8)
    return out


def sas_days(values: pd.Series) -> np.ndarray:
    """``datetime.date`` values (None: missing) as SAS dates: days since 1960-01-01, NaN when
    missing."""
    days = pa.array(values.to_numpy(object), type=pa.date32(), from_pandas=True)  # since 1970
    days = days.cast(pa.int32()).cast(pa.float64())
    return days.to_numpy(zero_copy_only=False) + SAS_EPOCH_OFFSET_DAYS


def arrow_text(values: pd.Series) -> pa.StringArray:
    """Text values (str objects or a pandas string column; missing as null) as one Arrow array,
    without a Python object per value when the column is Arrow-backed already."""
    out = pa.array(values, type=pa.string(), from_pandas=True)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def text_bytes(values: pd.Series, length: int) -> np.ndarray | None:
    """Text (None: missing) as UTF-8 bytes blank-padded to ``length``, one row per value; None
    when a value holds a NUL byte or is longer than ``length``."""
    encoded = arrow_text(values).fill_null("")
    sizes = pc.binary_length(encoded).to_numpy(zero_copy_only=False).astype(np.int64)
    if len(sizes) and sizes.max() > length:
        return None
    offsets = np.frombuffer(encoded.buffers()[1], dtype=np.int32)[
        encoded.offset : encoded.offset + len(encoded) + 1
    ]
    data = np.frombuffer(encoded.buffers()[2] or b"", dtype=np.uint8)[offsets[0] : offsets[-1]]
    if (data == 0).any():
        return None
    out = np.full((len(values), length), BLANK, dtype=np.uint8)
    rows = np.repeat(np.arange(len(values)), sizes)
    columns = np.arange(len(data)) - np.repeat(offsets[:-1] - offsets[0], sizes)
    out[rows, columns] = data
    return out


def encode_records(frame: pd.DataFrame, variables: list[Variable], dates: set[str]) -> bytes | None:
    """The observation records of ``frame`` for the header's ``variables`` (same order as the
    columns; ``dates``: columns of ``datetime.date``), blank-padded to whole 80-byte records;
    None when a value must be left to ReadStat (see ``ibm_doubles`` and ``text_bytes``)."""
    width = sum(v.length for v in variables)
    rows = np.empty((len(frame), width), dtype=np.uint8)
    for variable, column in zip(variables, frame.columns, strict=True):
        values = frame[column]
        if variable.kind == NUMERIC:
            numbers = sas_days(values) if column in dates else values.to_numpy("float64")
            cells = ibm_doubles(numbers) if variable.length == 8 else None
        else:
            cells = text_bytes(values, variable.length)
        if cells is None:
            return None
        rows[:, variable.position : variable.position + variable.length] = cells
    data = rows.tobytes()
    return data + b" " * (-len(data) % RECORD)
