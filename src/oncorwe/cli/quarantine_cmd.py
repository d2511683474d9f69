"""``oncorwe quarantine STORE --out DIR``: the quarantined rows of a study store, with their
findings, as files to correct and import again.

Each quarantined table is written as read (text, ``_row`` = the row's number in its source file,
``_rules`` = the rules it broke) next to ``findings.csv`` (every finding: table, row, column,
value, rule, severity, message). Spreadsheet formulas in the text are neutralised.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from oncorwe.errors import OncorweError


def quarantine(
    store: Annotated[Path, typer.Argument(help="The study store (study.duckdb of a run).")],
    out: Annotated[Path, typer.Option("--out", help="Folder (csv) or .xlsx workbook to write.")],
    format: Annotated[
        str, typer.Option("--format", help="csv (one file per table) or xlsx (one workbook).")
    ] = "csv",
) -> None:
    """Export the quarantined rows and their findings, to correct and import again."""
    from oncorwe.io.store import StudyStore

    console, errors = Console(), Console(stderr=True)
    if format not in ("csv", "xlsx"):
        errors.print(f"[bold red]Error:[/bold red] --format must be csv or xlsx, not '{format}'.")
        raise typer.Exit(2)
    if not store.is_file():
        errors.print(
            f"[bold red]Error:[/bold red] {store} is not a study store; give the study.duckdb "
            "that `oncorwe run` wrote.",
            highlight=False,
        )
        raise typer.Exit(2)
    try:
        with StudyStore(store, read_only=True) as opened:
            counts = {t: len(opened.quarantined(t)) for t in opened.table_names("quarantine")}
            written = opened.export_quarantine(out, format)
    except OncorweError as exc:
        errors.print(f"[bold red]Error:[/bold red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except OSError as exc:
        errors.print(f"[bold red]Error:[/bold red] cannot write {out}: {exc}", highlight=False)
        raise typer.Exit(2) from None
    for table, n in counts.items():
        console.print(f"{table}: {n} quarantined row(s)", highlight=False)
    console.print(f"Written: {written}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``quarantine`` command to ``app``."""
    app.command("quarantine")(quarantine)
