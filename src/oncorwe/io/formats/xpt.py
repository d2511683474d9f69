"""SAS transport (XPORT) version 5 files, the format regulators take data sets in.

``write_xpt_v5`` writes one data set through ReadStat (``pyreadstat.write_xport``) after
checking the version 5 limits, then sets the creation and modification stamps of its header
records to a given time, so that a build under ``SOURCE_DATE_EPOCH`` gives the same bytes.

References
----------
SAS Institute, "The record layout of a data set in SAS transport (XPORT) format", TS-140:
80-byte records; library and member headers carry ``ddMMMyy:hh:mm:ss`` stamps (created in
bytes 65-80 of the first real header record, modified in bytes 1-16 of the next); names of at
most 8 characters, labels of at most 40, character values of at most 200 bytes.
FDA, "Study Data Technical Conformance Guide", section 3.3.1 (SAS XPORT v5 for submissions).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd

RECORD = 80
MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR = 200
_STAMPED_AFTER = (b"LIBRARY HEADER RECORD", b"DSCRPTR HEADER RECORD")
_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def xpt_stamp(moment: datetime) -> bytes:
    """``ddMMMyy:hh:mm:ss`` (16 bytes), the transport header's date-time."""
    month = _MONTHS[moment.month - 1]
    return f"{moment:%d}{month}{moment:%y:%H:%M:%S}".encode("ascii")


def check_xpt_v5(frame: pd.DataFrame, name: str, label: str, labels: dict[str, str]) -> None:
    """Raise ``ValueError`` naming the data set, variable and limit a version 5 file breaks."""
    if not _NAME.match(name.upper()):
        raise ValueError(f"data set name {name!r} is not a SAS v5 name (8 characters, A-Z 0-9 _)")
    if len(label) > MAX_LABEL:
        raise ValueError(f"{name}: data set label longer than {MAX_LABEL}: {label!r}")
    for column in frame.columns:
        if not _NAME.match(str(column)):
            raise ValueError(f"{name}: variable {column!r} is not a SAS v5 name (8 characters)")
        if len(labels.get(column, "")) > MAX_LABEL:
            raise ValueError(f"{name}.{column}: label longer than {MAX_LABEL} characters")
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
            longest = frame[column].dropna().map(lambda v: len(str(v).encode("utf-8")))
            if len(longest) and longest.max() > MAX_CHAR:
                raise ValueError(f"{name}.{column}: a value is longer than {MAX_CHAR} bytes")


def _is_date(values: pd.Series) -> bool:
    present = values.dropna()
    return (
        values.dtype == object
        and len(present) > 0
        and all(isinstance(v, date) and not isinstance(v, datetime) for v in present)
    )


def _restamp(data: bytes, stamp: bytes) -> bytes:
    """Set every header date-time (created and modified) to ``stamp``."""
    out = bytearray(data)
    end = data.find(b"HEADER RECORD*******OBS")
    for start in range(0, end, RECORD):
        if any(marker in data[start : start + RECORD] for marker in _STAMPED_AFTER):
            created, modified = start + RECORD, start + 2 * RECORD
            out[created + 64 : created + 80] = stamp
            out[modified : modified + 16] = stamp
    return bytes(out)


def write_xpt_v5(
    frame: pd.DataFrame,
    path: Path,
    name: str,
    label: str,
    labels: dict[str, str],
    stamp_time: datetime | None = None,
) -> Path:
    """Write ``frame`` as a SAS transport v5 file with one data set.

    Parameters
    ----------
    frame : columns already named for v5 (<= 8 characters); numbers as float, dates as
        ``datetime.date``, text as str ("" = missing).
    path, name, label : the file, the data set (member) name and its label.
    labels : variable name -> label (<= 40 characters).
    stamp_time : the header's created/modified time (None: the time of writing).

    Raises
    ------
    ValueError
        A name, a label or a value breaks a version 5 limit (see ``check_xpt_v5``).
    """
    import pyreadstat

    check_xpt_v5(frame, name, label, labels)
    pyreadstat.write_xport(
        frame,
        path,
        file_label=label,
        column_labels={c: labels.get(c, "") for c in frame.columns},
        table_name=name.upper(),
        file_format_version=5,
        variable_format={c: "DATE9" for c in frame.columns if _is_date(frame[c])},
    )
    if stamp_time is not None:
        path.write_bytes(_restamp(path.read_bytes(), xpt_stamp(stamp_time)))
    return path
