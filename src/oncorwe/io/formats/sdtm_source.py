"""A folder of CDISC SDTM domains as a study source of ``oncorwe validate`` and ``oncorwe run``.

A folder is read as SDTM when it holds a DM domain (``dm.csv`` or ``dm.xpt``) and no contract
``patients`` table. ``stage_sdtm`` builds the contract's tables from the domains
(``oncorwe.io.formats.sdtm_tables``, ``sdtm_events``) and writes them into the staging database
like a mapped source (``oncorwe.io.mapping.apply``): ``raw.<table>`` for validation, and
``work.mapped_rows`` / ``work.mapped_columns`` so that every validator finding names the
domain file, its row and the SDTM variable (``oncorwe.io.mapping.provenance``).

Reconciliation: per domain, its rows -> the contract rows made from them; a domain row read into
no contract row is reported with the reason (``sdtm.rows_not_used``), a domain file not read at
all is reported (``sdtm.domain_not_read``); the contract rows then reconcile as always (read =
accepted + quarantined). A contract table SDTM has no domain for (``radiotherapy``, or EX, RS,
AE absent from the folder) is staged empty with a finding (``sdtm.table_not_in_sdtm``).

References
----------
CDISC SDTM v2.0 and SDTMIG v3.4.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from oncorwe.io.formats.sdtm import domain_path, read_domain
from oncorwe.io.formats.sdtm_events import sdtm_adverse_events, sdtm_labs, sdtm_lesions
from oncorwe.io.formats.sdtm_tables import (
    Piece,
    note,
    sdtm_assessments,
    sdtm_patients,
    sdtm_systemic_therapy,
)
from oncorwe.io.mapping.apply import MappedStage
from oncorwe.io.mapping.provenance import MAPPED_RECONCILIATION, SHOWN_ROWS
from oncorwe.io.mapping.tables import letter_map
from oncorwe.io.readers import CHUNK_ROWS
from oncorwe.io.schema import TABLES
from oncorwe.io.sources import FOLDER_SUFFIXES, SourceFile, sha256_of
from oncorwe.io.staging import append_frame

Progress = Callable[[str], None]
# the domain each contract table is made from, and its builder; DS and MH feed patients
BUILDERS: dict[str, tuple[str, Callable[[dict], Piece]]] = {
    "patients": ("dm", sdtm_patients),
    "systemic_therapy": ("ex", sdtm_systemic_therapy),
    "tumor_assessments": ("rs", sdtm_assessments),
    "lesions": ("tr", sdtm_lesions),
    "adverse_events": ("ae", sdtm_adverse_events),
    "labs": ("lb", sdtm_labs),
}
HELPER_DOMAINS = ("ds", "mh", "tu")  # read for columns of patients and lesions
SDTM_DOMAINS = tuple(d for d, _ in BUILDERS.values()) + HELPER_DOMAINS


def is_sdtm_folder(path: str | Path) -> bool:
    """True for a folder with an SDTM DM domain and no contract ``patients`` table."""
    path = Path(path)
    if not path.is_dir() or domain_path(path, "dm") is None:
        return False
    names = {p.name.lower() for p in path.iterdir()}
    return not any(f"patients{suffix}" in names for suffix in FOLDER_SUFFIXES)


def read_domains(folder: Path) -> dict[str, pd.DataFrame]:
    """Every SDTM domain oncorwe reads that the folder holds (DM is required)."""
    domains = {"dm": read_domain(folder, "dm")}
    for name in SDTM_DOMAINS[1:]:
        frame = read_domain(folder, name, required=False)
        if frame is not None:
            domains[name] = frame
    return domains


def stage_sdtm(
    folder: str | Path,
    con: duckdb.DuckDBPyConnection,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress = lambda stage: None,
) -> MappedStage:
    """Read the SDTM domains of ``folder`` into ``raw.<table>`` of the staging database.

    Notes
    -----
    Steps: 1. read the domains; 2. per contract table, build its rows from its domain, or stage
    it empty with a finding; 3. write rows, provenance and column origins; 4. report unused
    rows and files, and the reconciliation.

    Raises
    ------
    InputError
        DM is missing; a domain file cannot be read.
    """
    # step 1
    folder = Path(folder)
    progress("reading SDTM domains")
    domains = read_domains(folder)
    paths = {name: domain_path(folder, name) for name in domains}
    notes: list[dict] = []
    recon, columns = [], []
    con.execute("CREATE SCHEMA IF NOT EXISTS work")
    # step 2
    for number, table in enumerate(TABLES, start=1):
        domain, build = BUILDERS.get(table, (None, None))
        if build is None or domain not in domains:
            _stage_empty(con, table, domain, notes)
            continue
        piece = merged_duplicates(build(domains))
        notes += piece.notes
        # step 3
        _stage_piece(con, piece, paths[domain].name, number, chunk_rows)
        header = [c for c in domains[domain].columns if c != "_row"]
        letters = letter_map(header)
        columns += [
            (number, 0, col, var, letters[var])
            for col, var in piece.variables.items()
            if var in letters
        ]
        recon.append((paths[domain].name, len(domains[domain]), table, len(piece.frame), 0))
        notes += _unused_notes(piece, paths[domain].name)
    # step 4
    append_frame(con, "work", "mapped_columns", _columns_frame(columns))
    notes += _unread_files(folder, set(paths.values()))
    files = tuple(
        SourceFile(p.name, sha256_of(p), tuple(t for t, (d, _) in BUILDERS.items() if d == n))
        for n, p in paths.items()
    )
    frame = pd.DataFrame(recon, columns=list(MAPPED_RECONCILIATION))
    return MappedStage(files, notes, frame)


def merged_duplicates(piece: Piece) -> Piece:
    """A piece without repeated contract rows: domain records that differ only in variables the
    contract has no column for (AETERM, AEENDTC, ...) give one contract row, and the later
    records are reported as not used (the validator would quarantine them as duplicates)."""
    values = piece.frame.drop(columns=["_src"])
    repeat = values.duplicated(keep="first")
    if not repeat.any():
        return piece
    first = piece.frame.groupby(list(values.columns), dropna=False, sort=False)["_src"]
    first = first.transform("first")
    unused = piece.unused + tuple(
        (int(row), f"the same {piece.table} row as row {int(kept)} (it differs only in "
         "variables the contract has no column for)")
        for row, kept in zip(piece.frame.loc[repeat, "_src"], first[repeat], strict=True)
    )  # fmt: skip
    frame = piece.frame[~repeat]
    return Piece(piece.table, piece.domain, frame, piece.variables, unused, piece.notes)


def _stage_piece(con, piece: Piece, file: str, number: int, chunk_rows: int) -> None:
    frame = piece.frame.reset_index(drop=True)
    rows = pd.array(range(1, len(frame) + 1), dtype="Int64")
    provenance = pd.DataFrame(
        {
            "table": piece.table,
            "_row": rows,
            "sheet": file,
            "source_row": frame["_src"].astype("Int64"),
            "instance": pd.array([0] * len(frame), dtype="Int64"),
            "block": pd.array([number] * len(frame), dtype="Int64"),
        }
    )
    contract = frame.drop(columns=["_src"]).astype("string")
    contract.insert(0, "_row", rows)
    for start in range(0, max(len(frame), 1), chunk_rows):
        append_frame(con, "raw", piece.table, contract.iloc[start : start + chunk_rows])
        append_frame(con, "work", "mapped_rows", provenance.iloc[start : start + chunk_rows])


def _stage_empty(con, table: str, domain: str | None, notes: list[dict]) -> None:
    spec = TABLES[table]
    if not spec.required:
        return
    frame = pd.DataFrame({c: pd.array([], dtype="string") for c in spec.column_names})
    frame.insert(0, "_row", pd.array([], dtype="Int64"))
    append_frame(con, "raw", table, frame)
    where = f"no {domain.upper()} domain in the folder" if domain else "SDTM has no domain for it"
    notes.append(
        note(table, None, None, domain.upper() if domain else table, "sdtm.table_not_in_sdtm",
             f"table '{table}' is required by the contract but {where}: read as a table with "
             "no rows; analyses that need it have no data")
    )  # fmt: skip


def _unused_notes(piece: Piece, file: str) -> list[dict]:
    by_reason: dict[str, list[int]] = {}
    for row, reason in piece.unused:
        by_reason.setdefault(reason, []).append(row)
    notes = []
    for reason, rows in by_reason.items():
        shown = ", ".join(map(str, rows[:SHOWN_ROWS])) + (" ..." if len(rows) > SHOWN_ROWS else "")
        notes.append(
            note(piece.table, None, None, str(len(rows)), "sdtm.rows_not_used",
                 f"{file}: {len(rows)} row(s) not read into table '{piece.table}' (rows "
                 f"{shown}): {reason}")
        )  # fmt: skip
    return notes


def _unread_files(folder: Path, read: set[Path]) -> list[dict]:
    notes = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path not in read and path.suffix.lower() in (".csv", ".xpt"):
            notes.append(
                note(None, None, None, path.name, "sdtm.domain_not_read",
                     f"{path.name}: not a domain oncorwe reads ({', '.join(SDTM_DOMAINS)}); "
                     "its rows are not read")
            )  # fmt: skip
    return notes


def _columns_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["block", "instance", "column", "header", "letter"])
    return frame.astype({"block": "Int64", "instance": "Int64"}).astype(
        {c: "string" for c in ("column", "header", "letter")}
    )
