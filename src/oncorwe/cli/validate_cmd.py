"""``oncorwe validate DATA``: read and validate a study, write only ``validation.csv``.

Exit codes: 0 clean (warnings allowed), 1 rows were quarantined, 2 the input cannot be read or is
structurally broken (missing table or column, bad encoding, not a CSV, empty file). Errors are
one paragraph, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from oncorwe.errors import OncorweError

if TYPE_CHECKING:
    import pandas as pd

FINDINGS_FILE = "validation.csv"
EXIT_CLEAN, EXIT_QUARANTINED, EXIT_UNREADABLE = 0, 1, 2


def findings_table(findings: pd.DataFrame, limit: int, total: int | None = None) -> Table:
    """The first ``limit`` findings (of ``total``, default all given) as a rich table."""
    import pandas as pd

    total = len(findings) if total is None else total
    table = Table(title=f"Findings (first {min(limit, total)} of {total})")
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
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="Mapping file (oncorwe map) from the source to the contract."
        ),
    ] = None,
) -> None:
    """Validate a study's tables and write the findings to validation.csv; nothing else."""
    # imported here: reading and validating load pandas, DuckDB and the readers, which the
    # other commands (and --help) do not need
    from oncorwe.intake import take_in
    from oncorwe.io.mapping.provenance import reconciliation_lines

    console, errors = Console(), Console(stderr=True)
    try:
        with errors.status("Reading the study tables", spinner="dots") as status:
            intake = take_in(
                data,
                findings_path=out / FINDINGS_FILE,
                strict=strict,
                encoding=encoding,
                synonyms=synonyms,
                show=show,
                mapping=mapping,
                progress=lambda stage: status.update(_STAGES.get(stage, stage)),
            )
    except OncorweError as exc:
        errors.print(f"[bold red]Error:[/bold red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from None
    except OSError as exc:
        errors.print(f"[bold red]Error:[/bold red] cannot write {FINDINGS_FILE}: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    total, n_errors = intake.written
    if total and show > 0:
        console.print(findings_table(intake.shown, show, total))
    if intake.mapped is not None:
        for line in reconciliation_lines(intake.mapped):
            console.print(line, highlight=False)
    for line in intake.validation.reconciliation_lines():
        console.print(line, highlight=False)
    path = out / FINDINGS_FILE
    console.print(f"{n_errors} error(s), {total - n_errors} warning(s); findings: {path}")
    raise typer.Exit(EXIT_CLEAN if intake.validation.ok else EXIT_QUARANTINED)


_STAGES = {"validate": "Validating every row", "store": "Writing the study store"}


def register(app: typer.Typer) -> None:
    """Add the ``validate`` command to ``app``."""
    app.command("validate")(validate)
