"""Take a study in: read -> stage -> validate -> store, in memory that does not grow with the
size of the input files.

``take_in`` is what ``oncorwe validate`` and ``oncorwe run`` call. The tables are streamed from
their files into a temporary staging database (``oncorwe.io.staging``), validated there chunk by
chunk (``oncorwe.validate.streamed``), and copied into the study store in one transaction
(``StudyStore.write_staged``). The findings are written to ``validation.csv`` in chunks.

The staging database holds a copy of the input as read (identifier columns included until they
are dropped), so it lives in the system's temporary folder (``TMPDIR``), never next to the
outputs, and is deleted when the intake ends, whether it succeeds or fails.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from oncorwe.io import staging
from oncorwe.io.export import write_csv_chunks
from oncorwe.io.formats.sdtm_source import is_sdtm_folder, stage_sdtm
from oncorwe.io.mapping.apply import stage_mapped
from oncorwe.io.mapping.provenance import annotate_findings
from oncorwe.io.mapping.spec import load_mapping
from oncorwe.io.readers import CHUNK_ROWS
from oncorwe.io.sources import SourceFile, open_source
from oncorwe.io.store import StudyStore
from oncorwe.validate.streamed import StagedValidation, staged_findings, validate_staged

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Intake:
    """What taking a study in did.

    Attributes
    ----------
    files : every input file with its SHA-256.
    validation : reconciliation, counts of findings and errors, identifier columns dropped.
    shown : the first findings (for the console), after ``strict`` filtering.
    written : (findings written to ``findings_path``, errors among them); (0, 0) without one.
    mapped : with a mapping, source rows -> contract rows per sheet and table
        (``oncorwe.io.mapping.provenance.MAPPED_RECONCILIATION``); None without one.
    """

    files: tuple[SourceFile, ...]
    validation: StagedValidation
    shown: pd.DataFrame
    written: tuple[int, int] = (0, 0)
    mapped: pd.DataFrame | None = None


def take_in(
    data: str | Path,
    *,
    store_path: str | Path | None = None,
    findings_path: str | Path | None = None,
    strict: bool = False,
    encoding: str | None = None,
    synonyms: str | Path | pd.DataFrame | None = None,
    drop_identifiers: bool = False,
    work_dir: str | Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
    show: int = 20,
    progress: Progress = lambda stage: None,
    mapping: str | Path | None = None,
) -> Intake:
    """Read, validate and (with ``store_path``) store a study; see the module docstring.

    Parameters
    ----------
    data : a folder of CSV/Parquet files or an .xlsx workbook (``oncorwe.io.sources``), or a
        folder of CDISC SDTM domains (``oncorwe.io.formats.sdtm_source``).
    store_path : the study store to import into (None: validate only).
    findings_path : where to write the findings as CSV (``validation.csv``).
    strict : write and show only the first error class (``first_error_class``).
    encoding, synonyms : as ``read_source`` and ``validate_tables``.
    drop_identifiers : drop identifier-like extra columns before anything is stored.
    work_dir : folder for the temporary staging database (default: the system's temp folder).
    chunk_rows : rows per chunk; memory grows with it, not with the files.
    show : how many findings to return in ``shown``.
    mapping : a mapping file (``oncorwe.io.mapping.spec``): ``data`` is then read as named
        source tables (a workbook with any sheet names, a CSV folder) and mapped onto the
        contract while it is staged; findings name the source sheet, row and column.

    Raises
    ------
    InputError
        As ``read_source``: the input cannot be read or lacks a required table or column; the
        mapping cannot be read or does not fit the source.
    """
    plan = load_mapping(mapping) if mapping is not None else None
    mapped = None
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oncorwe-staging-", dir=work_dir) as folder:
        path = Path(folder) / "staging.duckdb"
        con = staging.connect(path)
        try:
            if plan is not None or is_sdtm_folder(data):
                stage = (
                    stage_mapped(data, plan, con, encoding, chunk_rows, progress)
                    if plan is not None
                    else stage_sdtm(data, con, chunk_rows, progress)
                )
                notes, files, mapped = stage.notes, stage.files, stage.reconciliation
            else:
                with open_source(data, encoding, chunk_rows) as source:
                    staging.stage_source(source, con, progress)
                    notes, files = source.read_notes(), tuple(source.files)
            progress("validate")
            result = validate_staged(
                con,
                notes,
                synonyms=synonyms,
                drop_identifiers=drop_identifiers,
                chunk_rows=chunk_rows,
                progress=progress,
            )
            annotate_findings(con)
            written = (0, 0)
            if findings_path is not None:
                written = write_csv_chunks(staged_findings(con, chunk_rows, strict), findings_path)
            shown = next(staged_findings(con, max(show, 1), strict)).head(show)
        finally:
            con.close()
        if store_path is not None:
            progress("store")
            with StudyStore(store_path) as store:
                store.write_staged(path, files, result.reconciliation)
    return Intake(files, result, shown, written, mapped)
