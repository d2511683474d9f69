"""Apply a mapping inside the streamed intake: source tables -> contract tables in staging.

Each source table (sheet) is read once, in chunks (``oncorwe.io.mapping.tables``); every
``[[map]]`` block on it turns the chunk into rows of its contract table (one per source row, or
one per source row and filled instance of a repeated group), values are converted
(``oncorwe.io.mapping.convert``), and the rows are appended to ``raw.<table>`` of the staging
database, where ``oncorwe.validate.streamed`` validates them like any other input. Only mapped
columns are written: identifier columns and unused columns never reach the staging tables.

Where each contract row came from is kept in ``work.mapped_rows`` (table, row, sheet, source
row, instance, block) and ``work.mapped_columns`` (block, instance, contract column, header,
column letter), so that every finding can point at the source cell
(``oncorwe.io.mapping.provenance``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from oncorwe.errors import InputError
from oncorwe.io.mapping.convert import map_values, read_text_dates
from oncorwe.io.mapping.provenance import Tally, column_rows, structure_notes
from oncorwe.io.mapping.spec import Block, Mapping, check_against
from oncorwe.io.mapping.tables import NamedTables, open_named_tables
from oncorwe.io.readers import CHUNK_ROWS, finding
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import SourceFile, check_structure, sha256_of
from oncorwe.io.staging import append_frame, quote, table_exists

Progress = Callable[[str], None]
ORDER = ["_src", "_inst", "_block"]


@dataclass(frozen=True)
class MappedStage:
    """What staging a mapped source did.

    Attributes
    ----------
    files : the input files with their SHA-256.
    notes : read and mapping findings (contract table and row where they concern one).
    reconciliation : ``sheet, source_rows, table, contract_rows, empty_groups``.
    """

    files: tuple[SourceFile, ...]
    notes: list[dict]
    reconciliation: pd.DataFrame


def stage_mapped(
    data,
    mapping: Mapping,
    con: duckdb.DuckDBPyConnection,
    encoding: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress = lambda stage: None,
) -> MappedStage:
    """Read ``data`` through ``mapping`` into ``raw.<table>`` of the staging database.

    Notes
    -----
    Steps: 1. open the source tables and check that the mapping fits them; 2. check that the
    mapping gives every required table and column; 3. per source table, per chunk, per block:
    make contract rows; 4. tables with no row get their header; notes and reconciliation.

    Raises
    ------
    InputError
        The source cannot be read; the mapping names a sheet or column the source lacks, or
        gives no required table or column.
    """
    # step 1
    with open_named_tables(
        data,
        encoding,
        chunk_rows,
        mapping.header_rows(),
        redcap_dictionary=mapping.redcap_dictionary,
    ) as tables:
        check_against(mapping, {k: s.header for k, s in tables.streams.items()})
        # step 2
        _check_contract(mapping)
        tally = Tally()
        notes: list[dict] = list(tables.notes)
        con.execute("CREATE SCHEMA IF NOT EXISTS work")
        append_frame(con, "work", "mapped_columns", column_rows(mapping, tables.letters))
        # step 3
        for sheet, stream in tables.streams.items():
            blocks = [b for b in mapping.blocks if b.sheet == sheet]
            progress(f"reading {sheet}")
            for chunk in stream.chunks:
                tally.read(sheet, chunk["_row"])
                if blocks:
                    _stage_chunk(con, chunk, blocks, tables, tally, notes)
            notes += stream.notes
        # step 4
        for block in mapping.blocks:
            _ensure_table(con, block)
        notes += structure_notes(mapping, tables, tally)
        files = tuple(tables.files)
    if mapping.path is not None:  # the mapping is an input of the study as much as the data
        files += (SourceFile(mapping.path.name, sha256_of(mapping.path), ()),)
    return MappedStage(files, notes, tally.reconciliation(mapping))


def _check_contract(mapping: Mapping) -> None:
    given: dict[str, set[str]] = {}
    for block in mapping.blocks:
        given.setdefault(block.table, set()).update(c.column for c in block.columns)
    frames = {t: pd.DataFrame(columns=sorted(c)) for t, c in given.items()}
    try:
        check_structure(frames)
    except InputError as exc:
        where = mapping.path.name if mapping.path else "the mapping"
        raise InputError(
            f"{where}: the mapped tables are incomplete: {exc} With a mapping, add a [[map]] "
            "block for the table or the column to [map.columns] (docs/mapping.md)."
        ) from None


def _ensure_table(con, block: Block) -> None:
    if table_exists(con, "raw", block.table):
        return
    columns = ["_row", *dict.fromkeys(c.column for c in block.columns)]
    frame = pd.DataFrame({c: pd.array([], dtype="string") for c in columns})
    frame["_row"] = pd.array([], dtype="Int64")
    append_frame(con, "raw", block.table, frame)


def _stage_chunk(con, chunk, blocks, tables: NamedTables, tally: Tally, notes) -> None:
    parts: dict[str, list[pd.DataFrame]] = {}
    pending: dict[str, list[dict]] = {}
    for block in blocks:
        for frame, found in block_rows(chunk, block, tables):
            parts.setdefault(block.table, []).append(frame)
            pending.setdefault(block.table, []).extend(found)
    sources: set[int] = set()
    for table, frames in parts.items():
        frame = pd.concat(frames, ignore_index=True).sort_values(ORDER, kind="stable")
        sources.update(int(n) for n in frame["_src"])
        start = tally.next_row(table)
        frame["_row"] = pd.array(range(start, start + len(frame)), dtype="Int64")
        tally.made(table, frame)
        _place_notes(frame, pending.get(table, []), notes)
        provenance = pd.DataFrame(
            {
                "table": table,
                "_row": frame["_row"],
                "sheet": blocks[0].sheet,
                "source_row": frame["_src"].astype("Int64"),
                "instance": frame["_inst"].astype("Int64"),
                "block": frame["_block"].astype("Int64"),
            }
        )
        append_frame(con, "work", "mapped_rows", provenance)
        contract = frame.drop(columns=ORDER)
        contract = contract[["_row", *[c for c in contract.columns if c != "_row"]]]
        append_frame(con, "raw", table, contract.reset_index(drop=True))
    slots = {b.number: len(chunk) * len(b.instances or (None,)) for b in blocks}
    tally.close_chunk(blocks[0].sheet, sources, slots)


def _place_notes(frame: pd.DataFrame, pending: list[dict], notes: list[dict]) -> None:
    """Give each finding of a block the contract row it concerns (by source row, instance and
    block), once the rows are numbered."""
    if not pending:
        return
    keys = (tuple(int(v) for v in key) for key in frame[ORDER].to_numpy())
    rows = dict(zip(keys, frame["_row"], strict=True))
    for note in pending:
        note["row"] = int(rows[note.pop("_key")])
        notes.append(note)


def block_rows(chunk: pd.DataFrame, block: Block, tables: NamedTables):
    """Contract rows of one block from one chunk: (frame, findings) per instance. The frame
    has the block's contract columns plus ``_src`` (source row), ``_inst``, ``_block``."""
    letters = tables.letters[block.sheet]
    bad = tables.bad_cells.get(block.sheet, {})
    table = TABLES[block.table]
    for instance in block.instances or (None,):
        when = [h.replace("{n}", str(instance)) if instance else h for h in block.when()]
        # only the rows with a value, and of them only the block's columns: a hospital sheet
        # is a hundred columns wide and a block reads a handful
        present = chunk[when].notna().any(axis=1).to_numpy() if when else None
        picked = slice(None) if present is None else np.flatnonzero(present)
        sources = chunk["_row"].to_numpy()[picked]
        inst = instance or 0
        frame = pd.DataFrame(
            {"_src": pd.array(sources, dtype="Int64"), "_inst": inst, "_block": block.number}
        )
        found: list[dict] = []
        for rule in block.columns:
            header = rule.header(instance)
            if header is None:
                frame[rule.column] = pd.array([rule.fixed(instance)] * len(frame), dtype="string")
                continue
            original = chunk[header].iloc[picked].reset_index(drop=True).astype("string")
            values = original.str.strip()
            blank = (values == "").to_numpy(dtype=bool, na_value=False)
            if blank.any():
                values = values.mask(blank)
            column = table.column(rule.column)
            values, problems = _convert(values, rule, column)
            frame[rule.column] = values
            where = (block, header, letters.get(header, "?"), inst)
            found += _value_findings(frame, original, rule, problems, where)
            found += _bad_cell_findings(sources, bad, rule, header, inst, block)
        yield frame, found


def _convert(values: pd.Series, rule, column):
    problems = []
    if rule.values is not None:
        values, unmapped = map_values(values, rule.values, column.type == "list")
        values = pd.Series(values)
        problems.append(("mapping.value_unmapped", unmapped))
    if column.type == "date":
        values, ambiguous = read_text_dates(values, rule.date_order)
        problems.append(("mapping.date_ambiguous", ambiguous))
    return pd.array(values, dtype="string"), problems


def _value_findings(frame, original: pd.Series, rule, problems, where) -> list[dict]:
    block, header, letter, inst = where
    found = []
    if not any(mask.any() for _, mask in problems):
        return found
    originals = original.to_numpy()
    for rule_id, mask in problems:
        for k in mask.nonzero()[0]:
            value, src = originals[k], int(frame["_src"].iloc[k])
            if rule_id == "mapping.value_unmapped":
                why = (
                    f"has no contract value in [map.values.{rule.column}] of block "
                    f"{block.number}; add it there"
                )
            else:
                why = (
                    "is an ambiguous date (day and month cannot be told apart); state the "
                    f'order in [map.dates] {rule.column} = "DMY" or "MDY" of block {block.number}'
                )
            found.append(
                {
                    **finding(
                        block.table,
                        None,
                        rule.column,
                        value,
                        rule_id,
                        "error",
                        f"sheet '{block.sheet}' row {src}, column {letter} '{header}': value "
                        f"'{value}' {why} (rule {rule_id}).",
                    ),
                    "_key": (src, inst, block.number),
                }
            )
    return found


def _bad_cell_findings(sources, bad, rule, header, inst, block) -> list[dict]:
    if not bad:
        return []
    found = []
    for src in sources.astype(int):
        problem = bad.get(src, {}).get(header)
        if problem is None:
            continue
        rule_id, message = problem
        found.append(
            {
                **finding(
                    block.table,
                    None,
                    rule.column,
                    None,
                    rule_id,
                    "error",
                    f"{message} (rule {rule_id}).",
                ),
                "_key": (src, inst, block.number),
            }
        )
    return found


def drop_provenance(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the provenance tables (they name source headers, never values)."""
    for name in ("mapped_rows", "mapped_columns"):
        con.execute(f"DROP TABLE IF EXISTS work.{quote(name)}")
