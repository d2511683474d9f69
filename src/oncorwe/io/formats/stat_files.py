"""SAS, SPSS and Stata data files as study tables: read in chunks, written for a round trip.

A statistician's file (``.sas7bdat``, SAS transport ``.xpt`` v5 or v8, SPSS ``.sav``/``.zsav``,
Stata ``.dta``) becomes the same text stream as a CSV file (``oncorwe.io.readers.TableStream``):
value labels applied (SPSS/Stata labels; SAS formats from a ``formats.sas7bcat`` catalogue
beside the file), date variables written as ``YYYY-MM-DD``, system missing values empty, ``_row``
the 1-based record number. The reading is done by ReadStat (through ``pyreadstat``), in chunks of
``chunk_rows`` records, so the file is never held in memory whole.

``write_stat_tables`` writes contract tables the other way (typed columns, dates as dates,
variable labels from the contract, categories as labelled integer codes in SPSS and Stata) so that
a study can be handed to a statistician and read back unchanged.

References
----------
ReadStat (E. Miller), https://github.com/WizardMac/ReadStat; pyreadstat (O. Fajardo),
https://github.com/Roche/pyreadstat. SAS Institute, "The SAS transport format" (TS-140, version 5
XPORT), and "Record layout of a SAS version 8 and 9 transport file".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.readers import CHUNK_ROWS, TableStream, _frame, _header_names
from oncorwe.io.schema import TABLES, Column
from oncorwe.io.text import series_to_text

StatFormat = Literal["sas7bdat", "xpt", "sav", "dta"]
# file suffix -> pyreadstat reader and its options (value labels applied, as text not category);
# a transport file has no value labels (SAS keeps formats in a separate catalogue)
_LABELLED = {"apply_value_formats": True, "formats_as_category": False}
STAT_SUFFIXES: dict[str, tuple[str, dict]] = {
    ".sas7bdat": ("read_sas7bdat", {"formats_as_category": False}),
    ".xpt": ("read_xport", {}),
    ".sav": ("read_sav", _LABELLED),
    ".zsav": ("read_sav", _LABELLED),
    ".dta": ("read_dta", _LABELLED),
}
SAS_CATALOG = "formats.sas7bcat"


def is_stat_file(path: Path) -> bool:
    """True when ``path`` has a SAS, SPSS or Stata data file suffix."""
    return path.suffix.lower() in STAT_SUFFIXES


def _reader(path: Path):
    import pyreadstat

    name, fixed = STAT_SUFFIXES[path.suffix.lower()]
    options = dict(fixed)
    catalog = path.parent / SAS_CATALOG
    if name == "read_sas7bdat" and catalog.is_file():
        options["catalog_file"] = str(catalog)
    return getattr(pyreadstat, name), options


def _read_error(path: Path, table: str, exc: Exception) -> InputError:
    return InputError(
        f"{path.name} cannot be read as a {path.suffix.lstrip('.')} file for table '{table}' "
        f"({type(exc).__name__}: {exc}). Save it again from SAS/SPSS/Stata, or export the table "
        "as CSV."
    )


def _no_nan(column: pd.Series) -> pd.Series:
    # system missing arrives as NaN (in a date column of ``datetime.date`` objects too): None
    if pd.api.types.is_datetime64_any_dtype(column) or not column.isna().any():
        return column
    return column.astype(object).where(column.notna(), None)


def _text_chunk(data: pd.DataFrame, names: list[str], start: int) -> pd.DataFrame:
    """A typed pyreadstat chunk as contract text (dates ISO, whole numbers without ``.0``)."""
    if data.columns.size:
        frame = pd.concat([series_to_text(_no_nan(data[c])) for c in data.columns], axis=1)
        frame.columns = names
    else:
        frame = pd.DataFrame(index=range(len(data)))
    frame.index = pd.RangeIndex(len(frame))
    frame.insert(0, "_row", pd.array(range(start, start + len(frame)), dtype="Int64"))
    return frame


def stream_stat_file(path: Path, table: str, chunk_rows: int | None = CHUNK_ROWS) -> TableStream:
    """Read one SAS/SPSS/Stata file as text, ``chunk_rows`` records at a time (all for None).

    Parameters
    ----------
    path : a ``.sas7bdat``, ``.xpt``, ``.sav``/``.zsav`` or ``.dta`` file.
    table : the contract table it holds (for messages).
    chunk_rows : records per chunk.

    Raises
    ------
    InputError
        The file cannot be read by ReadStat (damaged, another format under this suffix).
    """
    import pyreadstat

    read, options = _reader(path)
    try:
        _, meta = read(str(path), metadataonly=True, **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError) as exc:
        raise _read_error(path, table, exc) from None
    names = _header_names(list(meta.column_names))

    def parts():
        if chunk_rows is None:  # one read (a transport file does not state its row count)
            yield read(str(path), **options)
        else:
            yield from pyreadstat.read_file_in_chunks(read, str(path), chunk_rows, **options)

    def chunks() -> Iterator[pd.DataFrame]:
        start, yielded = 1, False
        try:
            for data, _ in parts():
                if data.empty and yielded:
                    break
                frame = _text_chunk(data, names, start)
                start += len(frame)
                yielded = True
                yield frame
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, ValueError) as exc:
            raise _read_error(path, table, exc) from None
        if not yielded:
            yield _frame(names, [], [])

    return TableStream(table, names, chunks())


# --- writing: contract tables -> SAS transport / SPSS / Stata -------------------------------


def _typed(text: pd.Series, column: Column | None) -> pd.Series:
    """A contract text column as the typed column a statistics package stores."""
    kind = column.type if column is not None else "text"
    values = text.astype("string")
    if kind in ("int", "num"):
        return pd.to_numeric(values, errors="raise").astype("float64")
    if kind == "date" and values.dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
        return pd.to_datetime(values, format="%Y-%m-%d").dt.date.astype(object)
    return values.astype(object).where(values.notna(), "")


def _coded(values: pd.Series, allowed: tuple[str, ...]) -> tuple[pd.Series, dict[int, str]]:
    """Categories as integer codes 1..k (labels = the contract values), as SPSS/Stata keep them."""
    codes = {value: k for k, value in enumerate(allowed, start=1)}
    return values.map(codes).astype("float64"), {k: v for v, k in codes.items()}


def _label(column: Column | None, name: str) -> str:
    return column.description if column is not None else name


def typed_table(frame: pd.DataFrame, table: str, coded: bool) -> tuple[pd.DataFrame, dict, dict]:
    """(typed frame, variable labels, value labels) for one contract table of text."""
    spec = TABLES[table]
    known = {c.name: c for c in spec.columns}
    out, labels, value_labels = {}, {}, {}
    for name in (c for c in frame.columns if not c.startswith("_")):
        column = known.get(name)
        labels[name] = _label(column, name)
        text = frame[name].astype("string").mask(frame[name].astype("string").str.strip() == "")
        categorical = column is not None and column.type == "text" and bool(column.allowed)
        if coded and categorical and text.dropna().isin(column.allowed).all():
            out[name], value_labels[name] = _coded(text, column.allowed)
        elif coded and column is not None and column.type == "bool":
            out[name] = text.str.lower().map({"true": 1.0, "false": 0.0}).astype("float64")
            value_labels[name] = {0: "false", 1: "true"}
        else:
            out[name] = _typed(text, column)
    return pd.DataFrame(out), labels, value_labels


def write_stat_table(frame: pd.DataFrame, table: str, path: Path, fmt: StatFormat) -> Path:
    """Write one contract table of text as ``fmt`` (``xpt`` = SAS transport v8, long names).

    Integers and numbers are stored as doubles, full dates as dates, partial dates and text as
    strings, missing values as system missing; SPSS and Stata also get the categories and
    booleans as labelled integer codes. Variable labels are the contract's descriptions.
    """
    import pyreadstat

    typed, labels, value_labels = typed_table(frame, table, coded=fmt in ("sav", "dta"))
    label = TABLES[table].description
    if fmt == "sav":
        pyreadstat.write_sav(
            typed, path, file_label=label, column_labels=labels, variable_value_labels=value_labels
        )
    elif fmt == "dta":
        labels = {k: v[:80] for k, v in labels.items()}  # Stata keeps 80 characters
        pyreadstat.write_dta(
            typed, path, file_label=label[:80], column_labels=labels,
            variable_value_labels=value_labels,
        )  # fmt: skip
    elif fmt == "xpt":
        pyreadstat.write_xport(
            typed, path, file_label=label[:40], column_labels=labels, table_name=table[:32],
            file_format_version=8,
        )  # fmt: skip
    else:
        raise ValueError(f"oncorwe writes sav, dta or xpt, not {fmt}")
    return path


def write_stat_tables(tables: dict[str, pd.DataFrame], folder: Path, fmt: StatFormat) -> Path:
    """Write every contract table as ``<table>.<fmt>`` in ``folder`` (created)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_stat_table(frame, name, folder / f"{name}.{fmt}", fmt)
    return folder
