"""A REDCap project's data dictionary: its fields, instruments, choices and validations, as data.

REDCap's data dictionary is a CSV file with one row per field and fixed headers (the "Data
Dictionary" download of the project's Designer, or the API's ``metadata`` export whose headers are
the short names in ``API_HEADERS``). It says, for every field, its instrument (form), its type
(``text``, ``radio``, ``dropdown``, ``checkbox``, ``yesno``, ``truefalse``, ``calc``, ``notes``
...), its choices (``1, Male | 2, Female``) and its text validation (``date_ymd``, ``integer``,
``number`` ...): the export's values are decoded and typed from it, never guessed from the rows.

References
----------
REDCap (Vanderbilt University), "Data Dictionary" help and the API documentation of
``export_metadata``; P. A. Harris et al., "Research electronic data capture (REDCap)", J Biomed
Inform 2009;42:377-381.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from oncorwe.errors import InputError

DICTIONARY_HEADERS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
API_HEADERS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
CHOICE_TYPES = ("radio", "dropdown", "checkbox", "yesno", "truefalse")
FIXED_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
NO_DATA_TYPES = ("descriptive",)  # fields with no value in an export
COMPLETE_CHOICES = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}


@dataclass(frozen=True)
class RedcapField:
    """One field of the dictionary.

    ``choices`` maps raw codes to labels in the dictionary's order (fixed ones for ``yesno``
    and ``truefalse``); ``validation`` is the text validation type (``date_ymd`` ...) or "".
    """

    name: str
    form: str
    type: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    validation: str = ""

    @property
    def choice_map(self) -> dict[str, str]:
        return dict(self.choices)


@dataclass(frozen=True)
class RedcapDictionary:
    """A project's fields in dictionary order; the first is the record ID."""

    path: Path
    fields: tuple[RedcapField, ...]

    @property
    def record_id(self) -> str:
        return self.fields[0].name

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.form for f in self.fields))

    def form_fields(self, form: str) -> tuple[RedcapField, ...]:
        """The fields of ``form`` that hold data (not the record ID, not descriptive text)."""
        return tuple(f for f in self.fields[1:] if f.form == form and f.type not in NO_DATA_TYPES)


def parse_choices(text: str) -> tuple[tuple[str, str], ...]:
    """``"1, Male | 2, Female"`` -> ``(("1", "Male"), ("2", "Female"))``; codes may be negative
    or text (``-1, Unknown``); a choice without a comma is its own code and label."""
    out = []
    for part in (text or "").split("|"):
        part = part.strip()
        if not part:
            continue
        code, _, label = part.partition(",")
        out.append((code.strip(), label.strip() if label else code.strip()))
    return tuple(out)


def is_dictionary_header(header: list[str]) -> bool:
    """True when a CSV header is a REDCap data dictionary's (Designer or API names)."""
    first = [h.replace("\ufeff", "").strip() for h in header[:4]]
    return first[:2] in ([DICTIONARY_HEADERS[0], DICTIONARY_HEADERS[1]], list(API_HEADERS[:2]))


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            f"{path.name} cannot be read as a REDCap data dictionary ({exc}); download it again "
            "from the project's Dictionary page (CSV, UTF-8)."
        ) from None
    if not rows or not is_dictionary_header(rows[0]):
        raise InputError(
            f"{path.name} is not a REDCap data dictionary: its header must start with "
            f"'{DICTIONARY_HEADERS[0]}', '{DICTIONARY_HEADERS[1]}' (or the API's field_name, "
            "form_name)."
        )
    header = [h.replace("\ufeff", "").strip() for h in rows[0]]
    names = dict(zip(DICTIONARY_HEADERS, API_HEADERS, strict=True))
    header = [names.get(h, h) for h in header]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(c.strip() for c in r)]


_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def read_dictionary(path: str | Path) -> RedcapDictionary:
    """Read a REDCap data dictionary CSV.

    Raises
    ------
    InputError
        Not a dictionary; no field; a field without a name, form or type; a field name
        REDCap would not allow; two fields of one name.
    """
    path = Path(path)
    fields, seen = [], set()
    for number, row in enumerate(_rows(path), start=2):
        name, form = row.get("field_name", "").strip(), row.get("form_name", "").strip()
        kind = row.get("field_type", "").strip().lower()
        if not (name and form and kind) or not _FIELD_NAME.match(name) or name in seen:
            raise InputError(
                f"{path.name} line {number}: field '{name}' (form '{form}', type '{kind}') is "
                "not a valid REDCap field: each needs a unique lower-case name, a form and a type."
            )
        seen.add(name)
        choices = ()
        if kind in FIXED_CHOICES:
            choices = tuple(FIXED_CHOICES[kind].items())
        elif kind in CHOICE_TYPES:
            choices = parse_choices(row.get("select_choices_or_calculations", ""))
        validation = row.get("text_validation_type_or_show_slider_number", "").strip().lower()
        label = row.get("field_label", "").strip()
        fields.append(RedcapField(name, form, kind, label, choices, validation))
    if not fields:
        raise InputError(f"{path.name} is a REDCap data dictionary without any field.")
    return RedcapDictionary(path, tuple(fields))


def is_dictionary_file(path: Path) -> bool:
    """True when ``path`` is a CSV file whose header is a REDCap data dictionary's."""
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return False
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = next(csv.reader([handle.readline()]), [])
    return is_dictionary_header(header)


def find_dictionary(folder: Path) -> Path | None:
    """The REDCap data dictionary among a folder's CSV files (by its header), or None."""
    return next((p for p in sorted(folder.iterdir()) if is_dictionary_file(p)), None)
