"""``oncorwe validate DATA``: read and validate a study, write only ``validation.csv``.

Exit codes: 0 clean (warnings allowed), 1 rows were quarantined, 2 the input cannot be read or is
structurally broken (missing table or column, bad encoding, not a CSV, empty file). Errors are
one paragraph, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from oncorwe.errors import OncorweError
from oncorwe.io.export import safe_frame
from oncorwe.io.sources import read_source
from oncorwe.validate import first_error_class, validate_tables

FINDINGS_FILE = "validation.csv"
EXIT_CLEAN, EXIT_QUARANTINED, EXIT_UNREADABLE = 0, 1, 2


def findings_table(findings: pd.DataFrame, limit: int) -> Table:
    """The first ``limit`` findings as a rich table."""
    table = Table(title=f"Findings (first {min(limit, len(findings))} of {len(findings)})")
    for column in ("table", "row", "column", "value", "rule", "severity"):
        # ids stay on one line (ellipsis if the terminal is narrow); values may fold
        table.add_column(
            column, overflow="fold" if column == "value" else "ellipsis", no_wrap=column != "value"
        )
    for row in findings.head(limit).itertuples(index=False):
        value = "" if pd.isna(row.value) else str(row.value)[:40]
        style = "red" if row.severity == "error" else "yellow"
        table.add_row(
            str(row.table),
            "" if pd.isna(row.row) else str(row.row),
            "" if row.column is None or pd.isna(row.column) else str(row.column),
            value,
            str(row.rule),
            f"[{style}]{row.severity}[/{style}]",
        )
    return table


def write_findings(findings: pd.DataFrame, directory: Path) -> Path:
    """Write ``validation.csv`` (formula-like text neutralised) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FINDINGS_FILE
    safe_frame(findings).to_csv(path, index=False, lineterminator="\n")
    return path


def validate(
    data: Annotated[Path, typer.Argument(help="Folder of CSV/Parquet files or an .xlsx workbook.")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Report only the first error class (rule order).")
    ] = False,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for validation.csv (default: current folder).")
    ] = Path("."),
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding (default: detect).")
    ] = None,
    synonyms: Annotated[
        Path | None,
        typer.Option(
            "--synonyms", help="Extra category synonyms CSV (table,column,synonym,value)."
        ),
    ] = None,
    show: Annotated[int, typer.Option("--show", help="Findings to print.")] = 20,
) -> None:
    """Validate a study's tables and write the findings to validation.csv; nothing else."""
    console, errors = Console(), Console(stderr=True)
    try:
        result = validate_tables(read_source(data, encoding=encoding), synonyms=synonyms)
        findings = first_error_class(result.findings) if strict else result.findings
        path = write_findings(findings, out)
    except OncorweError as exc:
        errors.print(f"[bold red]Error:[/bold red] {exc}", highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from None
    except OSError as exc:
        errors.print(f"[bold red]Error:[/bold red] cannot write {FINDINGS_FILE}: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    if len(findings):
        console.print(findings_table(findings, show))
    for line in result.reconciliation_lines():
        console.print(line, highlight=False)
    n_errors = int((findings["severity"] == "error").sum())
    console.print(f"{n_errors} error(s), {len(findings) - n_errors} warning(s); findings: {path}")
    raise typer.Exit(EXIT_CLEAN if result.ok else EXIT_QUARANTINED)


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to ``app``."""
    app.command("validate")(validate)
