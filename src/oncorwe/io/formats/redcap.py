"""A REDCap export read through the project's data dictionary: one table of text per instrument.

A REDCap CSV export (raw codes or labels, with variable names or field labels as headers) holds
every instrument of a project in one file: in a classic project one row per record, in a
longitudinal one a row per record and event (``redcap_event_name``), and one more row per
instance of a repeating instrument (``redcap_repeat_instrument``, ``redcap_repeat_instance``;
a repeating event has an instance but no instrument). ``open_redcap`` turns it into one stream
per instrument, in the chunk shape of ``oncorwe.io.readers`` (``TableStream``; ``_row`` = the
export's line number), holding the record ID, ``redcap_event_name`` and
``redcap_repeat_instance`` when present, the instrument's fields and ``<form>_complete``:

- a row belongs to a repeating instrument when ``redcap_repeat_instrument`` names it, and to any
  other instrument when it has a value in one of its fields;
- choices (radio, dropdown, yesno, truefalse) are decoded to their labels through the
  dictionary (a label export's labels are kept); a value that is neither a code nor a label is
  kept and reported (``redcap.unknown_choice``);
- checkbox columns ``field___code`` (a negative code ``-1`` is exported as ``field____1``) become
  one column ``field``: the labels of the checked choices, ``;``-separated, in the dictionary's
  order; ``<form>_complete`` is decoded (Incomplete, Unverified, Complete);
- the project's missing-data codes (``MISSING_DATA_CODES``, REDCap's defaults) become empty
  values, each reported (``redcap.missing_code``);
- types come from the dictionary's text validation: ``date_dmy`` / ``date_mdy`` values written
  day- or month-first are rewritten ``YYYY-MM-DD`` (``datetime_*`` keep their time),
  ``number_comma_decimal`` gets a decimal point; nothing is guessed from the rows.

References
----------
REDCap (Vanderbilt University), "Data Export" and "Repeating instruments and events" help, API
``export_records`` (``rawOrLabel``, ``rawOrLabelHeaders``); "Missing data codes" (project
setup, Additional customizations).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.formats.redcap_dictionary import (
    COMPLETE_CHOICES,
    RedcapDictionary,
    RedcapField,
)
from oncorwe.io.readers import CHUNK_ROWS, TableStream, finding, stream_csv_file

EVENT, INSTRUMENT, INSTANCE = (
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
)
SPECIAL_LABELS = {
    "Event Name": EVENT,
    "Repeat Instrument": INSTRUMENT,
    "Repeat Instance": INSTANCE,
    "Data Access Group": "redcap_data_access_group",
}
# REDCap's default missing-data codes (project setup -> Missing Data Codes)
MISSING_DATA_CODES = (
    "NI", "INV", "UNK", "NASK", "ASKU", "NAV", "MSK", "NA", "NAVU", "NP", "QS", "QI", "TRC",
    "UNC", "DER", "PINF", "NINF", "OTH",
)  # fmt: skip
CHECKED = ("1", "Checked")
DATE_PARTS = {"dmy": ("day", "month"), "mdy": ("month", "day")}
_FIRST_YEAR_LAST = re.compile(
    r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})((?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)$"
)


def checkbox_column(name: str, code: str) -> str:
    """The export column of one checkbox choice: ``name___code``, the code lower-cased and every
    character other than a-z, 0-9 and ``_`` (a minus sign) written ``_``."""
    return f"{name}___{re.sub(r'[^a-z0-9_]', '_', code.lower())}"


def _label_lookup(dictionary: RedcapDictionary) -> dict[str, str]:
    lookup = {}
    for f in dictionary.fields:
        if f.type == "checkbox":
            for code, label in f.choices:
                lookup[f"{f.label} (choice={label})"] = checkbox_column(f.name, code)
        else:
            lookup.setdefault(f.label, f.name)
    return lookup


def raw_header(header: list[str], dictionary: RedcapDictionary) -> list[str]:
    """The export's header as variable names: a raw-header export as written; a label-header
    export (field labels, ``Label (choice=X)``, ``Complete?``) translated through the dictionary."""
    if header and header[0] == dictionary.record_id:
        return [_raw_checkbox(h, dictionary) for h in header]
    lookup, form_of = _label_lookup(dictionary), {f.name: f.form for f in dictionary.fields}
    names, last_form = [], dictionary.forms[0]
    for h in header:
        name = SPECIAL_LABELS.get(h) or lookup.get(h)
        if name is None and h == "Complete?":
            name = f"{last_form}_complete"
        name = name or h
        last_form = form_of.get(name.split("___")[0], last_form)
        names.append(name)
    return names


def _raw_checkbox(header: str, dictionary: RedcapDictionary) -> str:
    # an export written with the code as typed (``field___-1``) is read as REDCap names it
    name, sep, code = header.partition("___")
    return checkbox_column(name, code) if sep else header


def _note(form, row, column, value, rule, message) -> dict:
    return finding(form, row, column, value, rule, "warning", f"{message} (rule {rule}).")


def _missing_codes(chunk, columns, form, codes, notes) -> pd.DataFrame:
    """Project missing-data codes -> empty, one finding each."""
    for column in columns:
        hit = chunk[column].isin(codes)
        for row, value in zip(chunk.loc[hit, "_row"], chunk.loc[hit, column], strict=True):
            notes.append(
                _note(form, int(row), column, value, "redcap.missing_code",
                      f"{form} row {row}, {column}: REDCap missing-data code '{value}' read as "
                      "an empty value")
            )  # fmt: skip
        chunk[column] = chunk[column].mask(hit)
    return chunk


def _decode_choice(values: pd.Series, field: RedcapField, form, rows, notes) -> pd.Series:
    codes = field.choice_map
    decoded = values.map(codes).fillna(values).astype("string")
    unknown = values.notna() & ~values.isin(list(codes)) & ~values.isin(list(codes.values()))
    for row, value in zip(rows[unknown], values[unknown], strict=True):
        notes.append(
            _note(form, int(row), field.name, value, "redcap.unknown_choice",
                  f"{form} row {row}, {field.name}: '{value}' is not one of the field's choices "
                  f"in the data dictionary ({', '.join(codes)}); kept as written")
        )  # fmt: skip
    return decoded


def _decode_checkbox(chunk: pd.DataFrame, field: RedcapField) -> pd.Series:
    picked = pd.Series([[] for _ in range(len(chunk))], index=chunk.index, dtype=object)
    for code, label in field.choices:
        column = checkbox_column(field.name, code)
        if column not in chunk.columns:
            continue
        values = chunk[column]
        checked = values.isin(CHECKED) | (values == label)
        picked[checked] = picked[checked].map(lambda items, label=label: [*items, label])
    return picked.map(lambda items: ";".join(items) if items else None).astype("string")


def _typed_text(values: pd.Series, validation: str) -> pd.Series:
    """Dates to ``YYYY-MM-DD`` by the field's validation; decimal commas to points."""
    order = validation.split("_")[-1] if validation.startswith(("date_", "datetime")) else ""
    order = order[:3]
    if order in DATE_PARTS:
        first, second = DATE_PARTS[order]

        def iso(match: re.Match) -> str:
            parts = {first: int(match[1]), second: int(match[2])}
            return f"{match[3]}-{parts['month']:02d}-{parts['day']:02d}{match[4]}"

        return values.str.replace(_FIRST_YEAR_LAST, iso, regex=True)
    if validation.endswith("comma_decimal"):
        return values.str.replace(",", ".", regex=False)
    return values


def _has_data(chunk: pd.DataFrame, fields: tuple[RedcapField, ...]) -> pd.Series:
    columns = []
    for f in fields:
        if f.type == "checkbox":
            columns += [c for c in (checkbox_column(f.name, k) for k, _ in f.choices) if c in chunk]
        elif f.name in chunk.columns:
            columns.append(f.name)
    if not columns:
        return pd.Series(False, index=chunk.index)
    values = chunk[columns]
    return (values.notna() & ~values.isin(("0", "Unchecked"))).any(axis=1)


def _form_rows(chunk: pd.DataFrame, form: str, fields) -> pd.DataFrame:
    if INSTRUMENT in chunk.columns:
        # a label export names the instrument by its label: "Adverse Events" for adverse_events
        instrument = chunk[INSTRUMENT].str.strip().str.lower().str.replace(r"\W+", "_", regex=True)
        mine = (instrument == form) | (instrument.isna() & _has_data(chunk, fields))
    else:
        mine = _has_data(chunk, fields)
    return chunk[mine.fillna(False).astype(bool)]


class _FormReader:
    """Decodes the chunks of one instrument (see the module docstring)."""

    def __init__(self, dictionary: RedcapDictionary, form: str, missing_codes, notes):
        self.dictionary, self.form, self.notes = dictionary, form, notes
        self.fields = dictionary.form_fields(form)
        self.missing_codes = tuple(missing_codes)

    def header(self, export_header: list[str]) -> list[str]:
        keys = [self.dictionary.record_id] + [c for c in (EVENT, INSTANCE) if c in export_header]
        return keys + [f.name for f in self.fields] + [f"{self.form}_complete"]

    def frame(self, chunk: pd.DataFrame) -> pd.DataFrame:
        chunk = _form_rows(chunk, self.form, self.fields).copy()
        plain = [f.name for f in self.fields if f.type != "checkbox" and f.name in chunk]
        chunk = _missing_codes(chunk, plain, self.form, self.missing_codes, self.notes)
        out = {"_row": chunk["_row"]}
        for key in (self.dictionary.record_id, EVENT, INSTANCE):
            if key in chunk.columns:
                out[key] = chunk[key]
        for f in self.fields:
            out[f.name] = self._field(chunk, f)
        complete = chunk.get(f"{self.form}_complete")
        if complete is not None:
            out[f"{self.form}_complete"] = complete.map(COMPLETE_CHOICES).fillna(complete)
        frame = pd.DataFrame(out).astype({k: "string" for k in out if k != "_row"})
        return frame.reset_index(drop=True)

    def _field(self, chunk: pd.DataFrame, field: RedcapField) -> pd.Series:
        if field.type == "checkbox":
            return _decode_checkbox(chunk, field)
        if field.name not in chunk.columns:
            return pd.Series(pd.NA, index=chunk.index, dtype="string")
        values = chunk[field.name]
        if field.choices:
            return _decode_choice(values, field, self.form, chunk["_row"], self.notes)
        return _typed_text(values, field.validation)


def form_stream(
    export: Path,
    dictionary: RedcapDictionary,
    form: str,
    encoding: str | None = None,
    chunk_rows: int | None = CHUNK_ROWS,
    missing_codes=MISSING_DATA_CODES,
) -> TableStream:
    """One instrument of a REDCap export as a stream (one pass over the export per instrument,
    so that memory holds one chunk whatever the export's size)."""
    source, _ = stream_csv_file(export, form, encoding, chunk_rows)
    names = raw_header(source.header, dictionary)
    if dictionary.record_id not in names:
        raise InputError(
            f"{export.name}: no column '{dictionary.record_id}' (the record ID, the first field "
            f"of {dictionary.path.name}); give the export of the project the dictionary is from."
        )
    reader = _FormReader(dictionary, form, missing_codes, source.notes)

    def chunks() -> Iterator[pd.DataFrame]:
        yielded = False
        for chunk in source.chunks:
            chunk.columns = ["_row", *names, *chunk.columns[len(names) + 1 :]]
            frame = reader.frame(chunk)
            if len(frame) or not yielded:
                yielded = True
                yield frame

    return TableStream(form, reader.header(names), chunks(), source.notes)


def find_export(folder: Path, dictionary: RedcapDictionary) -> Path:
    """The export among a folder's CSV files: the one whose first column is the record ID (by
    name or by label); ``InputError`` unless exactly one is."""
    record = dictionary.fields[0]
    found = []
    for path in sorted(folder.iterdir()):
        if path == dictionary.path or path.suffix.lower() != ".csv" or not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            first = handle.readline().split(",")[0].strip().strip('"')
        if first in (record.name, record.label):
            found.append(path)
    if len(found) != 1:
        shown = ", ".join(p.name for p in found) or "none"
        raise InputError(
            f"{folder}: a REDCap folder holds the data dictionary ({dictionary.path.name}) and "
            f"one export whose first column is the record ID '{record.name}'; found {shown}. "
            "Give the export file itself: oncorwe map EXPORT.csv --redcap-dictionary "
            f"{dictionary.path.name}."
        )
    return found[0]
