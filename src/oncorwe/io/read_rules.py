"""The read-level rules (reading a source, before validation), described as data; the
validator's rule registry lists them with its own rules."""

# Read-level rules: the validator's rule registry lists them with its own rules.
READ_RULES = {
    "source.encoding_detected": (
        "warning",
        "A file was not UTF-8 and its encoding was detected (GB18030 or Latin-1).",
    ),
    "source.column_renamed": (
        "warning",
        "A header differed from the contract name only in case or spaces and was renamed.",
    ),
    "source.unknown_table": (
        "warning",
        "A file or sheet does not name a contract table and was not read.",
    ),
    "source.empty_rows": (
        "warning",
        "Rows with no value at all were skipped; they are not counted as read.",
    ),
    "privacy.identifier_column_dropped": (  # emitted by oncorwe.privacy.deidentify
        "warning",
        "An extra column that looks like a direct identifier was dropped before the study store "
        "and every output (protocol privacy.allow_identifiers = false); its values are never "
        "shown.",
    ),
    "redcap.missing_code": (
        "warning",
        "A REDCap missing-data code (UNK, NASK, ...) was read as an empty value.",
    ),
    "redcap.unknown_choice": (
        "warning",
        "A REDCap choice value is neither a code nor a label of the field's choices in the data "
        "dictionary; it was kept as written.",
    ),
    "structure.field_count": (
        "error",
        "A row has more or fewer fields than the header (extra values are kept in _extra).",
    ),
}
