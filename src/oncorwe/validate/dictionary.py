"""The data dictionary (every column of the contract) and the rule list, as a table and Markdown.

``oncorwe template DIR`` writes both next to empty CSV templates; ``docs/data_dictionary.md`` is
a generated copy (regenerate with ``oncorwe template DIR`` and copy ``data_dictionary.md``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from oncorwe.io.coerce import EXCEL_SERIAL_RANGE, MISSING_TOKENS
from oncorwe.io.schema import CONTRACT_VERSION, LIST_SEPARATOR, TABLES
from oncorwe.validate.rules import rules_table

DICTIONARY_COLUMNS = (
    "table",
    "column",
    "type",
    "required",
    "allowed_values",
    "partial_date_allowed",
    "range",
    "description",
)


def data_dictionary() -> pd.DataFrame:
    """One row per contract column: ``DICTIONARY_COLUMNS``."""
    rows = [
        (
            table.name,
            col.name,
            col.type,
            col.required,
            ", ".join(col.allowed),
            "yes" if col.partial_date else ("no" if col.type == "date" else ""),
            col.range_text,
            col.description,
        )
        for table in TABLES.values()
        for col in table.columns
    ]
    return pd.DataFrame(rows, columns=list(DICTIONARY_COLUMNS))


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(frame: pd.DataFrame) -> list[str]:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return lines


_CONVENTIONS = f"""\
## Conventions

- **Files.** A folder of CSV files named `<table>.csv` (or Parquet files `<table>.parquet`), or
  one `.xlsx` workbook with one sheet per table. Required tables: {{required}}. Columns are
  matched by name in any order (case and surrounding spaces are forgiven, with a warning); extra
  columns are kept.
- **Row numbers.** Findings give the row as in the source: the CSV line number (header = line
  1, first data row = 2), the Excel sheet row, or the 1-based Parquet record index. Rows with no
  value at all are skipped and reported; they are not counted as read.
- **Missing values.** An empty cell, or one of {", ".join(f"`{t}`" for t in MISSING_TOKENS if t)}.
- **Dates.** `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYY年M月D日`). Where "partial date
  allowed" is yes, `YYYY-MM` is imputed to the first day of the month and `YYYY` to
  1 January (the earliest possible day: conservative, an imputed diagnosis date never places
  a later assessment before diagnosis); the flag column `<column>_imputed` marks imputed rows.
  Excel serial day numbers ({EXCEL_SERIAL_RANGE[0]}..{EXCEL_SERIAL_RANGE[1]}) are converted,
  with a warning.
- **Lists** are written `a{LIST_SEPARATOR}b{LIST_SEPARATOR}c`; every item must be allowed.
- **Booleans** accept `true/false/yes/no/1/0` (any case).
- **Ranges** `a..b` include both ends; `>a..b` excludes `a`; an empty end is open. A number
  outside its range is an error (rule `column.range`, or the column's own range rule).
- **Encodings.** CSV files are read as UTF-8 (with or without BOM). If a file is not UTF-8,
  GB18030 is used when the text decodes as Chinese, Latin-1 otherwise, with a warning
  (`source.encoding_detected`); `--encoding` sets the encoding explicitly.
- **Lab units.** `bilirubin_umol_l` and `albumin_g_l` (and `labs` rows of those tests) written
  with a unit (`1.2 mg/dL`, `3.5 g/dL`) are converted (x17.1, x10); a column whose median is
  below 3 (bilirubin) or 10 (albumin) is taken to be in mg/dL or g/dL and converted; each
  conversion is a warning (`units.converted`).
- **Category synonyms.** Allowed values match without regard to case, and through the synonyms
  file (`table,column,synonym,value`; oncorwe's defaults in `oncorwe/validate/synonyms.csv`,
  a study's own file with `--synonyms`); each mapping is a warning (`column.synonym_mapped`).
- **Identifiers.** Extra columns that look like names, phone numbers, e-mail addresses, ID-card
  or record numbers, addresses or exact birth dates get a warning
  (`privacy.identifier_column`) naming the column and the kind, never the values.
- **Quarantine.** A row with any error is quarantined (kept in the store with its findings,
  excluded from analysis); a quarantined patient quarantines all of that patient's rows. Per
  table, rows read = rows accepted + rows quarantined.
- **`oncorwe validate DATA`** reads and validates only: it writes nothing but `validation.csv`
  (into `--out`, default the current folder), prints one reconciliation line per table, and
  exits 0 when clean (warnings allowed), 1 when rows were quarantined, 2 when the input cannot
  be read or lacks a required table or column. `--strict` reports only the first error class
  (the first rule, in the order below, that has errors).
"""


def data_dictionary_markdown() -> str:
    """The data dictionary and the validation rules as a Markdown document."""
    required = ", ".join(
        f"`{t.name}`" + "".join(f" (or `{u}`)" for u in t.required_unless)
        for t in TABLES.values()
        if t.required
    )
    lines = [
        f"# oncorwe data dictionary (contract v{CONTRACT_VERSION})",
        "",
        "Generated by `oncorwe template DIR` from `oncorwe.io.schema` and the rule registry "
        "`oncorwe.validate.RULES`; do not edit by hand.",
        "",
        _CONVENTIONS.format(required=required),
    ]
    dictionary = data_dictionary()
    for table in TABLES.values():
        key = f" Key: `{', '.join(table.key)}`." if table.key else ""
        status = table.requirement
        lines += ["", f"## {table.name} ({status})", "", f"{table.description}.{key}", ""]
        mine = dictionary[dictionary["table"] == table.name].drop(columns="table")
        lines += _md_table(mine)
    lines += [
        "",
        "## Validation rules",
        "",
        "Checks run in this order; an error quarantines the row, a warning does not.",
        "",
    ]
    lines += _md_table(rules_table())
    return "\n".join(lines) + "\n"


def write_templates(directory: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Write header-only ``<table>.csv`` for every table, ``data_dictionary.csv`` and
    ``data_dictionary.md`` into ``directory``; return the paths written.

    Raises ``FileExistsError`` naming the first existing file unless ``overwrite``.
    """
    directory = Path(directory)
    targets = {f"{name}.csv": None for name in TABLES}
    targets.update({"data_dictionary.csv": None, "data_dictionary.md": None})
    existing = [directory / n for n in targets if (directory / n).exists()]
    if existing and not overwrite:
        raise FileExistsError(existing[0])
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in TABLES.items():
        path = directory / f"{name}.csv"
        path.write_text(",".join(table.column_names) + "\n", encoding="utf-8")
        written.append(path)
    path = directory / "data_dictionary.csv"
    data_dictionary().to_csv(path, index=False, lineterminator="\n")
    written.append(path)
    path = directory / "data_dictionary.md"
    path.write_text(data_dictionary_markdown(), encoding="utf-8")
    written.append(path)
    return written
