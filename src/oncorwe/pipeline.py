"""A whole study run: read -> validate -> store -> cohort -> derive -> statistics -> report.

``run_study`` is what ``oncorwe run`` and ``oncorwe demo`` call. It writes into ``out_dir``:
``report.html`` (+ ``figures/``, ``tables/``), ``results.json`` (the single source of the report's
numbers), ``validation.csv``, ``adam/*.parquet`` and ``adam/*.xpt`` (ADSL, ADTTE, ADRS, ADAE)
and ``study.duckdb``.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import metadata
from itertools import chain
from pathlib import Path
from typing import Any

import pandas as pd

import oncorwe
from oncorwe.analysis import adam
from oncorwe.analysis.adam_xpt import write_adam_xpt_batches
from oncorwe.analysis.findings import derivation_finding_chunks
from oncorwe.analysis.study import AnalysisDatasets, analyse_study
from oncorwe.engine import Engine, connect
from oncorwe.engine.study_store import engine_count, open_engine
from oncorwe.engine.tables import contract_table
from oncorwe.errors import AnalysisError
from oncorwe.intake import take_in
from oncorwe.io.export import write_csv_chunks
from oncorwe.io.mapping.provenance import reconciliation_lines
from oncorwe.io.store import StudyStore, make_store_reproducible
from oncorwe.privacy.suppression import suppress_tables
from oncorwe.protocol import Protocol
from oncorwe.report import write_report
from oncorwe.results import DataQuality, StudyOutputs, StudyResults, records
from oncorwe.stats._serialise import SerialisableResult

Progress = Callable[[str], None]
STAGES = ("read", "validate", "store", "cohort", "derivations", "statistics", "report")
ADAM_DATASETS = ("adsl", "adtte", "adrs", "adae")
ADAM_BATCH_ROWS = 100_000  # rows of an ADaM dataset in memory at once while it is written
DEPENDENCIES = ("numpy", "scipy", "pandas", "duckdb", "matplotlib", "jinja2")


@dataclass(frozen=True)
class RunSummary:
    """What a run did: where the report is, the reconciliation, and the headline numbers."""

    report: Path
    results: StudyResults
    reconciliation: pd.DataFrame
    n_findings: int
    privacy_messages: tuple[str, ...] = ()  # one per identifier column dropped
    mapped_lines: tuple[str, ...] = ()  # with a mapping: source rows -> contract rows per sheet


def dependency_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "oncorwe": oncorwe.__version__}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def write_results_json(results: StudyResults | Mapping[str, Any], path: Path) -> None:
    """``results`` (``to_dict()`` of typed results, or a nested dict) as deterministic JSON
    (sorted keys, no NaN) so two runs give identical bytes."""
    if isinstance(results, SerialisableResult):
        results = results.to_dict()
    text = json.dumps(results, indent=2, sort_keys=True, allow_nan=False, default=_json_default)
    path.write_text(text + "\n", encoding="utf-8")


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def write_adam(data: AnalysisDatasets, folder: Path) -> None:
    """ADaM-shaped Parquet files (CDISC names, ``oncorwe.analysis.adam``; USUBJID = the study
    pseudonym) for reuse in R or SAS, each with its SAS transport v5 twin (``<name>.xpt``,
    ``oncorwe.analysis.adam_xpt``) for a submission. The per-event datasets are read from the
    engine batch by batch, and each transport file from its Parquet file: memory follows a
    batch, not the dataset. ``data``'s engine must still be open."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ADAM_DATASETS:
        shape = getattr(adam, name)
        batches = iter([data.adsl]) if name == "adsl" else data.batches(name, ADAM_BATCH_ROWS)
        path = adam.write_parquet_batches(map(shape, batches), folder / f"{name}.parquet")
        write_adam_xpt_batches(name, lambda p=path: adam.parquet_frames(p, ADAM_BATCH_ROWS), folder)


def analyse_store(
    store_path: Path,
    protocol: Protocol,
    out: Path,
    target: Engine | None = None,
    progress: Progress = lambda stage: None,
    synthetic: bool = False,
    provenance: dict[str, Any] | None = None,
) -> tuple[StudyOutputs, AnalysisDatasets, int]:
    """The analysis of a study store (``store_path``, written by the intake): cohort,
    derivations and statistics on ``target`` (None: the store itself, DuckDB), the findings
    (the validator's, then those only the derivations see) written to ``out/validation.csv``,
    the ADaM datasets to ``out/adam`` (``write_adam``, while the engine holding them is open).
    Returns the outputs, the analysis datasets (their per-event tables gone with the engine)
    and the number of findings."""
    with open_engine(store_path, target) as where:
        if not engine_count(where, contract_table("patients")):
            raise AnalysisError("No patient record was accepted; see validation.csv for why.")
        outputs, datasets, _ = analyse_study(
            where, protocol, progress, synthetic=synthetic, provenance=provenance
        )
        # the validator's findings, then those only the derivations see (same-day scans, ...)
        with StudyStore(store_path, read_only=True) as store:
            n_findings, _ = write_csv_chunks(
                chain(store.findings_chunks(), derivation_finding_chunks(where)),
                out / "validation.csv",
            )
        write_adam(datasets, out / "adam")
    return outputs, datasets, int(n_findings)


def run_study(
    data_path: str | Path,
    protocol: Protocol,
    out_dir: str | Path,
    progress: Progress = lambda stage: None,
    synthetic: bool = False,
    encoding: str | None = None,
    mapping: str | Path | None = None,
    engine: str = "duckdb",
    engine_url: str | None = None,
) -> RunSummary:
    """Run one study end to end; see the module docstring for what is written. With
    ``mapping`` (``oncorwe.io.mapping``), ``data_path`` is read through the mapping file.
    Cohort and derivations run on ``engine`` (``oncorwe.engine``: the study store itself for
    DuckDB; the accepted tables loaded into PostgreSQL or Spark at ``engine_url``)."""
    out = Path(out_dir)
    # an engine that is not installed or not reachable stops the run before any work
    target = None if engine == "duckdb" else connect(engine, engine_url)  # type: ignore[arg-type]
    out.mkdir(parents=True, exist_ok=True)
    progress("read")
    store_path = out / "study.duckdb"
    store_path.unlink(missing_ok=True)
    # read -> validate -> store in chunks (oncorwe.intake); identifier columns never reach the
    # store or an output unless the protocol allows them (privacy by default)
    intake = take_in(
        data_path,
        store_path=store_path,
        findings_path=out / "validation.csv",
        encoding=encoding,
        drop_identifiers=not protocol.privacy.allow_identifiers,
        progress=progress,
        mapping=mapping,
    )
    make_store_reproducible(store_path)
    provenance = {
        "inputs": [{"file": f.name, "sha256": f.sha256} for f in intake.files],
        "protocol": protocol.study.name,
        "protocol_source": protocol.source,
        "versions": dependency_versions(),
    }
    outputs, _, n_findings = analyse_store(
        store_path, protocol, out, target, progress, synthetic, provenance
    )
    quality = DataQuality(records(intake.validation.reconciliation), n_findings)
    outputs = replace(outputs, results=replace(outputs.results, data_quality=quality))
    write_results_json(outputs.results, out / "results.json")
    progress("report")
    # shareable output: small cells suppressed in every exported table
    if protocol.privacy.shareable:
        outputs = replace(
            outputs,
            tables=suppress_tables(outputs.tables, protocol.privacy.min_cell),
            min_cell=protocol.privacy.min_cell,
        )
    report = write_report(outputs, out, max_patients_shown=protocol.report.max_patients_shown)
    return RunSummary(
        report,
        outputs.results,
        intake.validation.reconciliation,
        n_findings,
        tuple(intake.validation.dropped["message"]),  # identifier columns dropped
        tuple(reconciliation_lines(intake.mapped)) if intake.mapped is not None else (),
    )
