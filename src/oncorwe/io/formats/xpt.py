"""SAS transport (XPORT) version 5 files, the format regulators take data sets in.

``write_xpt_v5`` writes one data set after checking the version 5 limits: the header through
ReadStat (``pyreadstat.write_xport`` on a one-row template of the data set, which declares the
same variables, types and lengths as the whole), the observations column by column with numpy
(``oncorwe.io.formats.xpt_records``, the same bytes ReadStat writes, without its Python loop
over every cell); then it sets the creation and modification stamps of the header records to a
given time, so that a build under ``SOURCE_DATE_EPOCH`` gives the same bytes.

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
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from oncorwe.io.formats.xpt_records import arrow_text, encode_records, header_variables

RECORD = 80
# observations encoded per chunk: a multiple of RECORD, so that every chunk but the last fills
# whole 80-byte records and only the file's end is blank-padded
CHUNK_ROWS = 1_250 * RECORD
MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR = 200
_STAMPED_AFTER = (b"LIBRARY HEADER RECORD", b"DSCRPTR HEADER RECORD")
_OBS_HEADER = b"HEADER RECORD*******OBS"
_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,7}$")
# the kinds of present values of a column a template row declares (numbers, texts or dates)
_DECLARED = ({"float64"}, {"string"}, {"date"}, set())
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
            if _longest(frame[column]) > MAX_CHAR:
                raise ValueError(f"{name}.{column}: a value is longer than {MAX_CHAR} bytes")


def _byte_lengths(texts: pd.Series) -> np.ndarray:
    """UTF-8 lengths of ``texts`` (str values, no missing)."""
    return pc.binary_length(arrow_text(texts)).to_numpy(zero_copy_only=False)


def _longest(values: pd.Series) -> int:
    """The most bytes of a value written as text: ``str(value)`` in UTF-8 (0 when none)."""
    present = values.dropna()
    kind = pd.api.types.infer_dtype(present, skipna=False)
    if kind == "empty":
        return 0
    if kind == "date":
        return len(str(present.iloc[0]))  # ISO dates, YYYY-MM-DD: all of the same length
    if kind == "string":
        return int(_byte_lengths(present).max())
    return int(present.map(lambda v: len(str(v).encode("utf-8"))).max())


def _is_date(values: pd.Series) -> bool:
    """Every present value is a ``datetime.date`` (not a datetime), and there is one."""
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) == "date"


def _template(frame: pd.DataFrame) -> pd.DataFrame | None:
    """One row from which ReadStat declares the same variables as from ``frame``: each text
    column's longest value (ReadStat sizes text variables by their longest value), each
    number or date column's first present value; None when a column is of another kind."""
    kinds: dict[str, set[str]] = {}
    row: dict[str, pd.Series] = {}
    for column in frame.columns:
        _template_step(frame[column], column, kinds, row)
    return pd.DataFrame(row) if _declared(kinds) else None


def _declared(kinds: dict[str, set[str]]) -> bool:
    """Whether every column's kinds (``_template_step``) are one a template row declares."""
    return all((k - {"empty"}) in _DECLARED for k in kinds.values())


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


def _write_records(path: Path, header: bytes, frame: pd.DataFrame, dates: set[str]) -> bool:
    """``header`` then the observation records of ``frame``, encoded ``CHUNK_ROWS`` rows at a
    time (memory follows the chunk); False when a value must be left to ReadStat."""
    variables = header_variables(header)
    with path.open("wb") as handle:
        handle.write(header)
        for start in range(0, len(frame), CHUNK_ROWS):
            records = encode_records(frame.iloc[start : start + CHUNK_ROWS], variables, dates)
            if records is None:
                return False
            handle.write(records)
    return True


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
        ``datetime.date``, text as str or a pandas string column ("" = missing).
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
    dates = {c for c in frame.columns if _is_date(frame[c])}
    template = _template(frame) if len(frame) else None
    if template is not None:
        header = _header(template, path, name, label, labels, dates, stamp_time)
        if _write_records(path, header, frame, dates):
            return path
    # no rows, or a value only ReadStat encodes (xpt_records)
    pyreadstat.write_xport(frame, path, **_options(frame.columns, name, label, labels, dates))
    content = path.read_bytes()
    if stamp_time is not None:
        content = _restamp(content, xpt_stamp(stamp_time))
    path.write_bytes(content)
    return path


def write_xpt_v5_batches(
    batches: Callable[[], Iterable[pd.DataFrame]],
    path: Path,
    name: str,
    label: str,
    labels: dict[str, str],
    stamp_time: datetime | None = None,
) -> Path:
    """``write_xpt_v5`` for a data set read in batches: ``batches()`` gives its frames in order
    (the same each time it is called; it is read twice: once for the variables' types and
    lengths, once for the observations), so memory follows one batch. One batch is written by
    ``write_xpt_v5`` itself; the bytes equal those of ``write_xpt_v5`` on the whole frame.

    Raises
    ------
    ValueError
        As ``write_xpt_v5``.
    """
    frames = iter(batches())
    first = next(frames)
    if next(frames, None) is None:
        return write_xpt_v5(first, path, name, label, labels, stamp_time)
    kinds: dict[str, set[str]] = {}
    template: dict[str, pd.Series] = {}
    rows = 0
    for frame in batches():
        check_xpt_v5(frame, name, label, labels)
        rows += len(frame)
        for column in frame.columns:
            _template_step(frame[column], column, kinds, template)
    if not rows:
        return write_xpt_v5(first, path, name, label, labels, stamp_time)
    if not _declared(kinds):
        whole = pd.concat(list(batches()), ignore_index=True)  # a value only ReadStat writes
        return write_xpt_v5(whole, path, name, label, labels, stamp_time)
    dates = {c for c, k in kinds.items() if "date" in k and k <= {"date", "empty"}}
    header = _header(pd.DataFrame(template), path, name, label, labels, dates, stamp_time)
    if _write_record_batches(path, header, batches(), dates):
        return path
    whole = pd.concat(list(batches()), ignore_index=True)
    return write_xpt_v5(whole, path, name, label, labels, stamp_time)


def _template_step(
    values: pd.Series, column: str, kinds: dict[str, set[str]], template: dict[str, pd.Series]
) -> None:
    """Fold one batch of a column into the template row of ``_template``: the first present
    number or date, the first of the longest texts; ``kinds`` collects the column's kinds."""
    present = values.dropna()
    if values.dtype == "float64":
        kinds.setdefault(column, set()).add("float64")
        if column not in template or (template[column].isna().all() and len(present)):
            template[column] = pd.Series(present.iloc[:1].tolist() or [np.nan], dtype="float64")
        return
    text = values.dtype == object or pd.api.types.is_string_dtype(values)
    kind = pd.api.types.infer_dtype(present, skipna=False) if text else "other"
    kinds.setdefault(column, set()).add(kind)
    held = template.get(column)
    empty = held is None or held.isna().all()
    if kind == "string":
        longest = present.iloc[[int(np.argmax(_byte_lengths(present)))]]
        if empty or _byte_lengths(longest)[0] > _byte_lengths(held)[0]:
            template[column] = pd.Series(longest.tolist(), dtype=object)
    elif kind == "date" and empty:
        template[column] = pd.Series(present.iloc[:1].tolist(), dtype=object)
    elif held is None:
        template[column] = pd.Series([None], dtype=object)


def _header(
    template: pd.DataFrame,
    path: Path,
    name: str,
    label: str,
    labels: dict[str, str],
    dates: set[str],
    stamp_time: datetime | None,
) -> bytes:
    """The header records ReadStat writes for the variables of the one-row ``template``."""
    import pyreadstat

    pyreadstat.write_xport(template, path, **_options(template.columns, name, label, labels, dates))
    header = path.read_bytes()
    header = header[: header.index(_OBS_HEADER) + RECORD]
    return header if stamp_time is None else _restamp(header, xpt_stamp(stamp_time))


def _options(columns, name: str, label: str, labels: dict[str, str], dates: set[str]) -> dict:
    """ReadStat's options for a version 5 data set of ``columns``."""
    return dict(
        file_label=label,
        column_labels={c: labels.get(c, "") for c in columns},
        table_name=name.upper(),
        file_format_version=5,
        variable_format={c: "DATE9" for c in dates},
    )


def _write_record_batches(
    path: Path, header: bytes, frames: Iterable[pd.DataFrame], dates: set[str]
) -> bool:
    """``header`` then the observation records of ``frames``, each batch's whole 80-byte
    records at once (the rows left over carried to the next batch, so that only the file's end
    is blank-padded); False when a value must be left to ReadStat."""
    variables = header_variables(header)
    carry = None
    with path.open("wb") as handle:
        handle.write(header)
        for batch in frames:
            frame = batch if carry is None else pd.concat([carry, batch], ignore_index=True)
            whole = len(frame) - len(frame) % RECORD
            parts = [
                frame.iloc[s : min(s + CHUNK_ROWS, whole)] for s in range(0, whole, CHUNK_ROWS)
            ]
            carry = frame.iloc[whole:]
            for part in parts:
                records = encode_records(part, variables, dates)
                if records is None:
                    return False
                handle.write(records)
        if carry is not None and len(carry):
            records = encode_records(carry, variables, dates)
            if records is None:
                return False
            handle.write(records)
    return True
