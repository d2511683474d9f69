"""``oncorwe run``, ``oncorwe demo``, ``oncorwe protocols``: a study end to end, with progress."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from oncorwe.errors import InputError

if TYPE_CHECKING:
    from oncorwe.pipeline import RunSummary

console = Console()

STAGE_LABELS = {
    "read": "Reading the study tables",
    "validate": "Validating every row",
    "store": "Writing the study store",
    "cohort": "Selecting the cohort",
    "derivations": "Deriving endpoints",
    "statistics": "Computing statistics",
    "report": "Writing the report",
}


def _run_with_progress(
    data: Path,
    protocol_name: str,
    out: Path,
    synthetic: bool,
    encoding: str | None,
    mapping: Path | None = None,
    engine: str = "duckdb",
    engine_url: str | None = None,
) -> RunSummary:
    # imported here: the analysis and report stack (scipy, matplotlib, ...) takes seconds to
    # load, and `oncorwe validate` or `--help` do not need it
    from oncorwe.pipeline import STAGES, run_study
    from oncorwe.protocol import load_protocol

    protocol = load_protocol(protocol_name)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("Starting", total=len(STAGES))
        seen: list[str] = []

        def advance(stage: str) -> None:
            if stage not in STAGES:  # detail within a stage, e.g. rows read so far
                label = STAGE_LABELS.get(seen[-1], seen[-1]) if seen else ""
                bar.update(task, description=f"{label}: {stage}" if label else stage)
                return
            if seen:
                bar.advance(task)
            seen.append(stage)
            bar.update(task, description=STAGE_LABELS.get(stage, stage))

        summary = run_study(
            data,
            protocol,
            out,
            advance,
            synthetic=synthetic,
            encoding=encoding,
            mapping=mapping,
            engine=engine,
            engine_url=engine_url,
        )
        bar.update(task, completed=len(STAGES), description="Done")
    _print_summary(summary)
    return summary


def _print_summary(summary: RunSummary) -> None:
    for line in summary.mapped_lines:
        console.print(line, highlight=False)
    table = Table(title="Rows read = accepted + quarantined", show_lines=False)
    for col in ("table", "read", "accepted", "quarantined"):
        table.add_column(col, justify="left" if col == "table" else "right")
    for row in summary.reconciliation.itertuples():
        table.add_row(row.table, str(row.read), str(row.accepted), str(row.quarantined))
    console.print(table)
    for message in summary.privacy_messages:  # dropped identifier columns
        console.print(f"[yellow]privacy:[/] {message}", highlight=False)
    if summary.n_findings:
        console.print(f"{summary.n_findings} validation finding(s): see validation.csv")
    r = summary.results
    console.print(
        f"Cohort: {r['cohort']['n']} patients. Report: [bold]{summary.report}[/]", highlight=False
    )


def _run_omop(source, protocol, out, engine, engine_url, concepts) -> None:
    from oncorwe.engine.omop import omop_to_contract

    # the contract tables hold patient records: a temporary folder, never next to the outputs
    with tempfile.TemporaryDirectory(prefix="oncorwe-omop-") as folder:
        console.print(f"Reading the OMOP CDM at {source}", highlight=False)
        omop_to_contract(source, folder, engine, engine_url, concepts)
        # the study runs on the same engine; PostgreSQL: in the OMOP database by default
        url = engine_url or (source if engine == "postgres" else None)
        _run_with_progress(
            Path(folder), protocol, out, False, None, engine=engine or "duckdb", engine_url=url
        )


def _check_engine(engine: str | None) -> None:
    """Refuse an unknown ``--engine`` before any work (PostgreSQL and Spark are checked for
    their extra and reachability when the run starts)."""
    from oncorwe.engine import ENGINES

    if engine is not None and engine not in ENGINES:
        raise InputError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        data: Path = typer.Option(None, "--data", help="Folder of CSV/Parquet files or .xlsx"),
        out: Path = typer.Option(..., "--out", help="Folder for the report and outputs"),
        protocol: str = typer.Option(
            "hcc-rt-ici", "--protocol", help="Built-in protocol name or a TOML file"
        ),
        encoding: str = typer.Option(None, "--encoding", help="Text encoding of CSV files"),
        mapping: Path = typer.Option(
            None, "--mapping", help="Mapping file (oncorwe map) from the source to the contract"
        ),
        omop: str = typer.Option(
            None, "--omop", help="OMOP CDM v5.4 source: a DuckDB file or a postgresql:// URL"
        ),
        engine: str = typer.Option(
            None,
            "--engine",
            help="Where cohort and derivations run (and the OMOP source is read): duckdb "
            "(embedded, the default), postgres or spark",
        ),
        engine_url: str = typer.Option(
            None,
            "--engine-url",
            help="postgresql://... URL; Spark master (default local[*]); for --omop, if not "
            "the --omop value",
        ),
        concepts: Path = typer.Option(
            None, "--concepts", help="Concept set file replacing shipped OMOP concept sets"
        ),
    ) -> None:
        """Run a study end to end: validate, select, derive, analyse, report."""
        if (data is None) == (omop is None):
            raise InputError("give the study as either --data FOLDER or --omop SOURCE")
        _check_engine(engine)
        if omop is None:
            _run_with_progress(
                data,
                protocol,
                out,
                synthetic=False,
                encoding=encoding,
                mapping=mapping,
                engine=engine or "duckdb",
                engine_url=engine_url,
            )
            return
        _run_omop(omop, protocol, out, engine, engine_url, concepts)

    @app.command()
    def demo(
        out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the report"),
    ) -> None:
        """Run the reference study (hcc-rt-ici) on its synthetic twin cohort."""
        from oncorwe.synth import seed_twin_path

        console.print(
            "[bold yellow]SYNTHETIC DATA[/]: the demo cohort is generated, not real patients."
        )
        _run_with_progress(seed_twin_path(), "hcc-rt-ici", out, synthetic=True, encoding=None)

    @app.command()
    def protocols(
        show: str = typer.Argument(None, help="Show the settings of this protocol"),
    ) -> None:
        """List the built-in protocols, or show one protocol's settings."""
        from oncorwe.protocol import builtin_protocols, load_protocol

        if show is None:
            for name in builtin_protocols():
                console.print(name)
            return
        p = load_protocol(show)
        console.print(f"[bold]{p.study.name}[/]: {p.study.title}", highlight=False)
        for setting, value, note in p.methods_rows():
            comment = f"  [dim]# {note}[/]" if note else ""
            console.print(f"{setting} = {value}{comment}", highlight=False, soft_wrap=True)
