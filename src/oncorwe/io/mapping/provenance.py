"""Where mapped rows came from: counts (source rows -> contract rows), findings about source
columns and rows the mapping does not use, and source locations added to the findings.

Reconciliation of a mapped source: every non-empty source row is read; each block makes
contract rows from it (a repeated group whose cells are all empty makes none and is counted in
``empty_groups``); a source row that makes no contract row at all is a finding
(``mapping.row_unused``). The contract rows then reconcile as always: read = accepted +
quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from oncorwe.io.mapping.spec import Mapping
from oncorwe.io.readers import finding

MAPPED_RECONCILIATION = ("sheet", "source_rows", "table", "contract_rows", "empty_groups")
SHOWN_ROWS = 10
SOURCE_MARK = " [source: "


@dataclass
class Tally:
    """Counts kept while a mapped source is staged."""

    rows: dict[str, int] = field(default_factory=dict)
    used: dict[str, set[int]] = field(default_factory=dict)
    unused: dict[str, list[int]] = field(default_factory=dict)
    seen: dict[str, list[int]] = field(default_factory=dict)
    made_rows: dict[tuple[str, int], int] = field(default_factory=dict)
    made_slots: dict[tuple[str, int], int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def read(self, sheet: str, numbers: pd.Series) -> None:
        self.rows[sheet] = self.rows.get(sheet, 0) + len(numbers)
        self.seen[sheet] = [int(n) for n in numbers]

    def next_row(self, table: str) -> int:
        return self.counters.get(table, 0) + 1

    def made(self, table: str, frame: pd.DataFrame) -> None:
        self.counters[table] = self.counters.get(table, 0) + len(frame)
        for block, count in frame.groupby("_block").size().items():
            key = (table, int(block))
            self.made_rows[key] = self.made_rows.get(key, 0) + int(count)

    def close_chunk(self, sheet: str, sources: set[int], slots: dict[int, int]) -> None:
        unused = [n for n in self.seen.get(sheet, []) if n not in sources]
        self.unused.setdefault(sheet, []).extend(unused)
        for block, count in slots.items():
            self.made_slots[(sheet, block)] = self.made_slots.get((sheet, block), 0) + count

    def reconciliation(self, mapping: Mapping) -> pd.DataFrame:
        rows = []
        for block in mapping.blocks:
            made = self.made_rows.get((block.table, block.number), 0)
            slots = self.made_slots.get((block.sheet, block.number), 0)
            rows.append(
                (block.sheet, self.rows.get(block.sheet, 0), block.table, made, slots - made)
            )
        frame = pd.DataFrame(rows, columns=list(MAPPED_RECONCILIATION))
        return (
            frame.groupby(["sheet", "source_rows", "table"], sort=False, as_index=False)
            .sum()
            .astype({"source_rows": int, "contract_rows": int, "empty_groups": int})
        )


def column_rows(mapping: Mapping, letters: dict[str, dict[str, str]]) -> pd.DataFrame:
    """``work.mapped_columns``: the source header and letter of each block's contract column,
    per instance (0 without instances)."""
    rows = []
    for block in mapping.blocks:
        for instance in block.instances or (0,):
            for rule in block.columns:
                header = rule.header(instance or None)
                if header is None:
                    continue
                letter = letters.get(block.sheet, {}).get(header, "?")
                rows.append((block.number, instance, rule.column, header, letter))
    frame = pd.DataFrame(rows, columns=["block", "instance", "column", "header", "letter"])
    return frame.astype({"block": "Int64", "instance": "Int64"}).astype(
        {c: "string" for c in ("column", "header", "letter")}
    )


def structure_notes(mapping: Mapping, tables, tally: Tally) -> list[dict]:
    """Findings about what the mapping leaves unread: unused sheets, columns, rows."""
    notes = []
    used_sheets = {b.sheet for b in mapping.blocks}
    for sheet, stream in tables.streams.items():
        if sheet not in used_sheets:
            notes.append(
                _note(
                    "mapping.sheet_unused",
                    sheet,
                    f"sheet '{sheet}' ({tally.rows.get(sheet, 0)} rows) is not in the mapping; "
                    "its rows are not read",
                )
            )
            continue
        settings = mapping.sheets.get(sheet)
        used = {h for b in mapping.blocks if b.sheet == sheet for h in b.sources()}
        dropped = set(settings.drop) if settings else set()
        ignored = set(settings.ignore) if settings else set()
        letters = tables.letters[sheet]
        unused = [h for h in stream.header if h not in used | dropped | ignored]
        if unused:
            shown = ", ".join(f"{letters[h]} '{h}'" for h in unused)
            notes.append(
                _note(
                    "mapping.column_unused",
                    str(len(unused)),
                    f"sheet '{sheet}': column(s) {shown} are not in the mapping; their values "
                    "are not read (add them to [map.columns], or to ignore = [...] of "
                    f'[sheets."{sheet}"])',
                )
            )
        gone = [h for h in stream.header if h in dropped]
        if gone:
            notes.append(
                _note(
                    "mapping.column_dropped",
                    str(len(gone)),
                    f"sheet '{sheet}': identifier column(s) "
                    + ", ".join(f"{letters[h]} '{h}'" for h in gone)
                    + " dropped; their values are never read into the study",
                )
            )
        rows = tally.unused.get(sheet, [])
        if rows:
            shown = ", ".join(str(n) for n in rows[:SHOWN_ROWS]) + (
                " ..." if len(rows) > SHOWN_ROWS else ""
            )
            notes.append(
                _note(
                    "mapping.row_unused",
                    str(len(rows)),
                    f"sheet '{sheet}': {len(rows)} row(s) gave no contract row (rows {shown}): "
                    "none of the mapped columns has a value there",
                )
            )
    return notes


def _note(rule: str, value: str, message: str) -> dict:
    return finding(None, None, None, value, rule, "warning", f"{message} (rule {rule}).")


def annotate_findings(con: duckdb.DuckDBPyConnection) -> None:
    """Add the source location to every validator finding on a mapped row: sheet, row and,
    when the contract column came from a source column, its letter and header."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'work' "
        "AND table_name = 'mapped_rows'"
    ).fetchone()[0]
    if not exists:
        return
    con.execute(
        f"""
        UPDATE work.findings AS f SET message = f.message || '{SOURCE_MARK}sheet '''
            || s.sheet || ''' row ' || s.source_row::VARCHAR || ', column ' || s.letter
            || ' ''' || s.header || ''']'
        FROM (SELECT p."table", p._row, p.sheet, p.source_row, c."column", c.letter, c.header
              FROM work.mapped_rows p JOIN work.mapped_columns c
              ON c.block = p.block AND c.instance = p.instance) s
        WHERE f."table" = s."table" AND f.row = s._row AND f."column" = s."column"
          AND f.rule NOT LIKE 'mapping.%'
        """
    )
    con.execute(
        f"""
        UPDATE work.findings AS f SET message = f.message || '{SOURCE_MARK}sheet '''
            || p.sheet || ''' row ' || p.source_row::VARCHAR || ']'
        FROM work.mapped_rows p
        WHERE f."table" = p."table" AND f.row = p._row AND f.rule NOT LIKE 'mapping.%'
          AND NOT contains(f.message, '{SOURCE_MARK}')
        """
    )


def reconciliation_lines(frame: pd.DataFrame) -> list[str]:
    """One line per source table: ``sheet 'X': 122 rows -> patients 122, ...``."""
    lines = []
    for sheet, part in frame.groupby("sheet", sort=False):
        made = ", ".join(
            f"{r.table} {r.contract_rows}"
            + (f" ({r.empty_groups} empty groups)" if r.empty_groups else "")
            for r in part.itertuples()
        )
        lines.append(f"sheet '{sheet}': {int(part['source_rows'].iloc[0])} rows -> {made}")
    return lines
