"""A REDCap project made from the contract: its data dictionary, and its export read back as the
contract's tables with no mapping.

``redcap_dictionary_rows`` designs one instrument per contract table (``patients`` first, its
record ID ``patient_id``; every other table a repeating instrument, listed in
``repeating_instruments.csv`` for the project's "Repeating instruments and events" page). Field
names are the contract's column names, prefixed per table (``TABLE_PREFIXES``) because REDCap
field names are unique across a project; categories are radio buttons (a list is a checkbox)
coded 1..k whose labels are the contract values, booleans are ``yesno``, dates are validated
``date_ymd`` (partial dates are free text, YYYY, YYYY-MM or YYYY-MM-DD), numbers ``number`` or
``integer`` with the contract's range.

``contract_streams`` reads an export of such a project as the contract's tables;
``write_redcap_export`` writes contract tables as that project's raw export (for tests and
for moving a study into REDCap).

References
----------
REDCap (Vanderbilt University), "Data Dictionary" help (field names: lower-case letters,
digits, underscores; choices ``code, label | ...``), "Repeating instruments and events".
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.formats.redcap import (
    INSTANCE,
    INSTRUMENT,
    checkbox_column,
    find_export,
    form_stream,
)
from oncorwe.io.formats.redcap_dictionary import (
    DICTIONARY_HEADERS,
    RedcapDictionary,
    read_dictionary,
)
from oncorwe.io.readers import CHUNK_ROWS, TableStream
from oncorwe.io.schema import LIST_SEPARATOR, TABLES
from oncorwe.io.schema_types import Column
from oncorwe.io.sources import SourceFile, sha256_of

RECORD_ID = "patient_id"
TABLE_PREFIXES = {
    "patients": "",
    "radiotherapy": "rt_",
    "systemic_therapy": "st_",
    "tumor_assessments": "ta_",
    "lesions": "les_",
    "progression_events": "pe_",
    "adverse_events": "ae_",
    "labs": "lab_",
}
DICTIONARY_FILE = "redcap_data_dictionary.csv"
REPEATING_FILE = "repeating_instruments.csv"
YESNO = {"true": "1", "false": "0"}


def table_prefix(table: str) -> str:
    """The field-name prefix of a table: declared above, or the initials of its words."""
    return TABLE_PREFIXES.get(table, "".join(w[0] for w in table.split("_")) + "_")


def field_name(table: str, column: str) -> str:
    return RECORD_ID if column == RECORD_ID else table_prefix(table) + column


def _validation(column: Column) -> tuple[str, str, str]:
    """(validation, min, max) of a text field."""
    low = "" if column.minimum is None else f"{column.minimum:g}"
    high = "" if column.maximum is None else f"{column.maximum:g}"
    if column.type == "date":
        return ("", "", "") if column.partial_date else ("date_ymd", "", "")
    if column.type in ("int", "num"):
        return ("integer" if column.type == "int" else "number", low, high)
    return ("", "", "")


def _field_row(table: str, column: Column) -> dict[str, str]:
    row = dict.fromkeys(DICTIONARY_HEADERS, "")
    row.update(
        {
            "Variable / Field Name": field_name(table, column.name),
            "Form Name": table,
            "Field Label": column.description,
            "Field Type": "text",
            "Required Field?": "y" if column.required == "yes" else "",
        }
    )
    if column.allowed:
        row["Field Type"] = "checkbox" if column.type == "list" else "radio"
        row["Choices, Calculations, OR Slider Labels"] = " | ".join(
            f"{k}, {value}" for k, value in enumerate(column.allowed, start=1)
        )
    elif column.type == "bool":
        row["Field Type"] = "yesno"
    else:
        validation, low, high = _validation(column)
        row["Text Validation Type OR Show Slider Number"] = validation
        row["Text Validation Min"], row["Text Validation Max"] = low, high
        if column.partial_date:
            row["Field Note"] = "YYYY-MM-DD, or YYYY-MM / YYYY when only part is known"
    if column.name == RECORD_ID:
        row["Identifier?"] = ""  # a study pseudonym, never a medical record number
    return row


def redcap_dictionary_rows() -> list[dict[str, str]]:
    """The contract's REDCap data dictionary, one dict per field (``DICTIONARY_HEADERS``)."""
    rows = [_field_row("patients", TABLES["patients"].column(RECORD_ID))]
    for name, table in TABLES.items():
        rows += [_field_row(name, c) for c in table.columns if c.name != RECORD_ID]
    return rows


def write_redcap_template(folder: str | Path, overwrite: bool = False) -> list[Path]:
    """Write ``redcap_data_dictionary.csv`` and ``repeating_instruments.csv`` into ``folder``.

    Raises
    ------
    FileExistsError
        A file exists and ``overwrite`` is False.
    """
    folder = Path(folder)
    paths = [folder / DICTIONARY_FILE, folder / REPEATING_FILE]
    for path in paths:
        if path.exists() and not overwrite:
            raise FileExistsError(str(path))
    folder.mkdir(parents=True, exist_ok=True)
    with paths[0].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, DICTIONARY_HEADERS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(redcap_dictionary_rows())
    with paths[1].open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["form_name", "custom_form_label"])
        writer.writerows([name, ""] for name in TABLES if name != "patients")
    return paths


# --- contract tables <-> the template project's raw export -----------------------------------


def _coded(values: pd.Series, column: Column, table: str) -> dict[str, pd.Series]:
    """Export columns of one contract column (raw codes; checkbox columns 0/1)."""
    name = field_name(table, column.name)
    text = values.astype("string")
    if column.allowed and column.type == "list":
        items = text.fillna("").str.split(LIST_SEPARATOR)
        return {
            checkbox_column(name, str(k)): items.map(lambda xs, v=value: "1" if v in xs else "0")
            for k, value in enumerate(column.allowed, start=1)
        }
    if column.allowed:
        codes = {value: str(k) for k, value in enumerate(column.allowed, start=1)}
        return {name: text.map(codes).fillna(text)}
    if column.type == "bool":
        return {name: text.str.lower().map(YESNO).fillna(text)}
    return {name: text}


def _form_rows(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    columns = {RECORD_ID: frame[RECORD_ID].astype("string")}
    if table != "patients":
        columns[INSTRUMENT] = pd.Series(table, index=frame.index, dtype="string")
        columns[INSTANCE] = (frame.groupby(RECORD_ID, sort=False).cumcount() + 1).astype("string")
    for column in TABLES[table].columns:
        if column.name != RECORD_ID and column.name in frame.columns:
            columns.update(_coded(frame[column.name], column, table))
    columns[f"{table}_complete"] = pd.Series("2", index=frame.index, dtype="string")
    return pd.DataFrame(columns)


def write_redcap_export(tables: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write contract tables (text) as the raw CSV export of the template project: one row per
    patient, one per instance of each repeating instrument, records in patient order."""
    parts = [_form_rows(name, tables[name]) for name in TABLES if name in tables]
    header = list(dict.fromkeys(c for p in parts for c in p.columns))
    header.insert(1, INSTRUMENT)
    header.insert(2, INSTANCE)
    header = list(dict.fromkeys(header))
    export = pd.concat(parts, ignore_index=True).reindex(columns=header)
    order = export[RECORD_ID].map({p: k for k, p in enumerate(dict.fromkeys(export[RECORD_ID]))})
    export = export.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")
    path = Path(path)
    export.to_csv(path, index=False, lineterminator="\n")
    return path


def contract_streams(
    export: Path,
    dictionary: RedcapDictionary,
    encoding: str | None = None,
    chunk_rows: int | None = CHUNK_ROWS,
) -> dict[str, TableStream]:
    """The contract tables of an export of a template project (instruments named after the
    tables, fields ``<prefix><column>``); instruments of other names are left out."""
    streams = {}
    for form in dictionary.forms:
        if form not in TABLES:
            continue
        stream = form_stream(export, dictionary, form, encoding, chunk_rows)
        streams[form] = _as_contract(stream, form, dictionary.record_id)
    return streams


def _as_contract(stream: TableStream, table: str, record_id: str) -> TableStream:
    prefix = table_prefix(table)
    rename = {record_id: RECORD_ID}
    for name in stream.header:
        if prefix and name.startswith(prefix):
            rename[name] = name[len(prefix) :]
    kept = [
        rename.get(n, n)
        for n in stream.header
        if not n.startswith("redcap_") and n != f"{table}_complete"
    ]

    def chunks():
        for chunk in stream.chunks:
            yield chunk.rename(columns=rename)[["_row", *kept]]

    return TableStream(table, kept, chunks(), stream.notes)


def open_redcap_folder(folder: Path, dictionary_path: Path, encoding, chunk_rows):
    """A folder holding a REDCap data dictionary and an export of an ``oncorwe template
    --redcap`` project: the contract tables, with no mapping."""
    dictionary = read_dictionary(dictionary_path)
    export = find_export(folder, dictionary)
    streams = contract_streams(export, dictionary, encoding, chunk_rows)
    if "patients" not in streams:
        raise InputError(
            f"{folder}: the REDCap project's instruments ({', '.join(dictionary.forms)}) are not "
            "the contract's tables; propose a mapping with `oncorwe map` and run with --mapping, "
            "or start the project from `oncorwe template --redcap DIR`."
        )
    files = [
        SourceFile(p.name, sha256_of(p), tables)
        for p, tables in ((dictionary_path, ()), (export, tuple(streams)))
    ]
    return "redcap", streams, files, []


def read_template_dictionary(folder: Path) -> RedcapDictionary:
    """The dictionary ``write_redcap_template`` wrote into ``folder``."""
    return read_dictionary(folder / DICTIONARY_FILE)
