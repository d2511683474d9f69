"""SAS/SPSS/Stata files and REDCap exports as *named source tables* for a mapping
(``oncorwe.io.mapping.tables.NamedTables``): what ``oncorwe map`` and ``--mapping`` read.

- a ``.sas7bdat``, ``.xpt``, ``.sav``/``.zsav`` or ``.dta`` file: one table named after the file
  (value labels applied, dates as dates; ``oncorwe.io.formats.stat_files``);
- a REDCap export (raw or labels) with the project's data dictionary, given explicitly
  (``oncorwe map export.csv --redcap-dictionary DICT.csv``) or found side by side in one folder:
  one table per instrument, named after it, decoded through the dictionary
  (``oncorwe.io.formats.redcap``), its columns headed by the fields' labels.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from oncorwe.errors import InputError
from oncorwe.io.formats.redcap import find_export, form_stream
from oncorwe.io.formats.redcap_dictionary import (
    RedcapDictionary,
    find_dictionary,
    is_dictionary_file,
    read_dictionary,
)
from oncorwe.io.formats.stat_files import is_stat_file, stream_stat_file
from oncorwe.io.mapping.tables import NamedTables, letter_map
from oncorwe.io.readers import TableStream
from oncorwe.io.sources import SourceFile, sha256_of


def open_stat_named(path: Path, chunk_rows: int | None) -> NamedTables:
    """One SAS/SPSS/Stata file as one named table (the file's stem)."""
    name = path.stem
    stream = stream_stat_file(path, name, chunk_rows)
    files = [SourceFile(path.name, sha256_of(path), (name,))]
    return NamedTables(path, {name: stream}, {name: letter_map(stream.header)}, {name: 1}, files)


def open_redcap_named(
    source: Path, dictionary_path: Path, encoding: str | None, chunk_rows: int | None
) -> NamedTables:
    """A REDCap export (a CSV file, or the one export of a folder that holds it) read through
    the data dictionary at ``dictionary_path``, as one named table per instrument.

    Raises
    ------
    InputError
        The dictionary is not one; ``source`` is the dictionary itself, not a CSV file, or a
        folder without exactly one export of the project.
    """
    dictionary = read_dictionary(dictionary_path)
    export = find_export(source, dictionary) if source.is_dir() else source
    if export.suffix.lower() != ".csv":
        raise InputError(
            f"{export.name} is not a REDCap export: give the project's CSV export (raw or "
            f"labels) with its data dictionary {dictionary_path.name}."
        )
    if export.resolve() == dictionary.path.resolve() or is_dictionary_file(export):
        raise InputError(
            f"{export.name} is a REDCap data dictionary, not an export: give the records "
            "exported as CSV (raw or labels) as the source and the dictionary with "
            "--redcap-dictionary."
        )
    streams = {
        form: _labelled(form_stream(export, dictionary, form, encoding, chunk_rows), dictionary)
        for form in dictionary.forms
    }
    files = [
        SourceFile(dictionary_path.name, sha256_of(dictionary_path), ()),
        SourceFile(export.name, sha256_of(export), tuple(streams)),
    ]
    letters = {name: letter_map(s.header) for name, s in streams.items()}
    return NamedTables(source, streams, letters, dict.fromkeys(streams, 1), files)


def _labelled(stream: TableStream, dictionary: RedcapDictionary) -> TableStream:
    """Headers as the fields' labels (what a person reads on the form, and what a mapping
    proposal recognises), the variable name where two fields of the form share a label."""
    labels = {f.name: f.label for f in dictionary.fields if f.label}
    counts = Counter(labels.get(h, h) for h in stream.header)
    names = [labels[h] if h in labels and counts[labels[h]] == 1 else h for h in stream.header]
    rename = dict(zip(stream.header, names, strict=True))

    def chunks():
        for chunk in stream.chunks:
            yield chunk.rename(columns=rename)

    return TableStream(stream.table, names, chunks(), stream.notes)


def open_format_named(
    path: Path,
    encoding: str | None,
    chunk_rows: int | None,
    redcap_dictionary: Path | None = None,
) -> NamedTables | None:
    """Named tables of a statistics file, a REDCap export with ``redcap_dictionary``, or a
    REDCap folder (dictionary and export side by side); None for any other source."""
    if redcap_dictionary is not None:
        return open_redcap_named(path, Path(redcap_dictionary), encoding, chunk_rows)
    if path.is_file() and is_stat_file(path):
        return open_stat_named(path, chunk_rows)
    if path.is_dir():
        dictionary = find_dictionary(path)
        if dictionary is not None:
            return open_redcap_named(path, dictionary, encoding, chunk_rows)
    return None
