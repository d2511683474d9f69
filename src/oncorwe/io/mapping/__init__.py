"""Mapped intake: a source as the team keeps it (a hospital workbook with any sheet names, a
folder of CSV files, a registered format) -> the contract's tables, through a mapping file.

``propose`` writes a mapping from the headers and values it sees (``oncorwe map``); ``spec``
reads one; ``apply`` applies it inside the streamed intake (``oncorwe validate|run --mapping``).
"""

from __future__ import annotations

# Rules of the mapped intake: the validator's rule registry lists them with its read rules.
MAPPING_RULES = {
    "mapping.header_row": (
        "warning",
        "The header of a sheet is not on its first row; the title rows above it are not read.",
    ),
    "mapping.duplicate_header": (
        "warning",
        "Two columns of a sheet share a header; the later ones are read as '<header> [<letter>]'.",
    ),
    "mapping.hidden_sheet": ("warning", "A sheet is hidden in the workbook."),
    "mapping.merged_cells": (
        "warning",
        "Merged cells in a sheet's data; the top-left value is used for every cell of a range.",
    ),
    "mapping.formula": (
        "warning",
        "Cells hold formulas; the values Excel last calculated are read (cells never calculated "
        "are listed).",
    ),
    "mapping.formula_no_value": (
        "error",
        "A mapped cell holds a formula that was never calculated, so it has no value; its row is "
        "quarantined.",
    ),
    "mapping.error_cell": (
        "error",
        "A mapped cell holds an Excel error value (#N/A, #DIV/0!, #VALUE! ...) instead of a "
        "value; its row is quarantined.",
    ),
    "mapping.value_unmapped": (
        "error",
        "A source value has no entry in the mapping's value map of its column; it is kept as "
        "written and the row is quarantined.",
    ),
    "mapping.date_ambiguous": (
        "error",
        "A text date such as 01/02/2020 with no day/month order stated in the mapping.",
    ),
    "mapping.sheet_unused": ("warning", "A sheet of the source is not in the mapping."),
    "mapping.column_unused": ("warning", "Columns of a mapped sheet are not in the mapping."),
    "mapping.column_dropped": (
        "warning",
        "Identifier columns named in the mapping's drop list were not read.",
    ),
    "mapping.row_unused": (
        "warning",
        "Source rows that gave no contract row (no mapped column has a value there).",
    ),
}
