"""The concept sets that map an OMOP CDM onto oncorwe's input contract, as data.

``data/concept_sets.csv`` ships with oncorwe; a study may pass its own file with the same
columns (``table, column, value, group, omop_table, concept_id, source_value, concept_name,
vocabulary_id, concept_code, source``). A row says: the contract value ``value`` of
``table.column`` is recorded in the CDM table ``omop_table`` under ``concept_id``; a row with
concept_id 0 (the CDM's "no matching concept") is matched on the CDM's ``*_source_value``
instead. ``group`` carries a second contract value where one concept gives two (an agent's
drug class). A user file replaces the shipped rows of every (table, column) it names.

References
----------
OHDSI, "OMOP Common Data Model v5.4", https://ohdsi.github.io/CommonDataModel/cdm54.html
OHDSI Standardized Vocabularies (Athena), https://athena.ohdsi.org
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.omop.layout import CDM_TABLES
from oncorwe.io.schema import TABLES

CONCEPT_SETS = Path(__file__).resolve().parent / "data" / "concept_sets.csv"
COLUMNS = (
    "table",
    "column",
    "value",
    "group",
    "omop_table",
    "concept_id",
    "source_value",
    "concept_name",
    "vocabulary_id",
    "concept_code",
    "source",
)


def load_concept_sets(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped concept sets, with the rows of a user file in place of the shipped ones.

    Raises
    ------
    InputError
        The user file cannot be read or lacks a column; a concept_id is not an integer.
    """
    shipped = _read(CONCEPT_SETS)
    if path is None:
        return shipped
    own = _read(Path(path))
    replaced = shipped.set_index(["table", "column"]).index.isin(
        own.set_index(["table", "column"]).index
    )
    return pd.concat([shipped[~replaced], own], ignore_index=True)


def _read(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise InputError(f"concept set file {path}: cannot be read ({error})") from error
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"concept set file {path}: missing column(s) {', '.join(missing)}")
    for column, rule, bad in _rules(frame):
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise InputError(
                f"concept set file {path}, row {row + 2}, column {column}: "
                f"{frame[column].iloc[row]!r} (rule: {rule})"
            )
    frame["concept_id"] = frame["concept_id"].astype("int64")
    return frame[list(COLUMNS)]


def _rules(frame: pd.DataFrame):
    """(column, rule, rows breaking it) for each rule of a concept set row."""
    yield "table", "a contract table", ~frame["table"].isin(list(TABLES))
    yield "column", "a column name is required", frame["column"].str.strip() == ""
    yield (
        "omop_table",
        "an OMOP CDM table oncorwe reads",
        ~frame["omop_table"].isin(list(CDM_TABLES)),
    )
    yield "concept_id", "an integer concept id", ~frame["concept_id"].str.fullmatch(r"\d+")
    no_source = (frame["concept_id"] == "0") & (frame["source_value"].str.strip() == "")
    yield "source_value", "concept 0 is matched on its source value", no_source


def concept_rows(concepts: pd.DataFrame, table: str, column: str) -> pd.DataFrame:
    """The concept set rows of one contract column."""
    return concepts[(concepts["table"] == table) & (concepts["column"] == column)]


def concept_of(concepts: pd.DataFrame, table: str, column: str, value: str = "") -> tuple[int, str]:
    """(concept_id, source_value) of the first row for ``table.column`` = ``value``.

    Raises
    ------
    InputError
        No concept set row names that value.
    """
    rows = concept_rows(concepts, table, column)
    rows = rows[rows["value"] == value]
    if rows.empty:
        raise InputError(
            f"concept sets: no concept for {table}.{column} = {value!r}; add a row to the "
            "concept set file"
        )
    first = rows.iloc[0]
    return int(first["concept_id"]), str(first["source_value"])
