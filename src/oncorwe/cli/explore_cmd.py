"""``oncorwe explore OUT_DIR_OR_STORE``: the study's survival curves in a local web page."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def explore(
        path: Path = typer.Argument(
            ..., help="A run's output folder or study.duckdb (or a data folder / .xlsx)"
        ),
        port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0: a free one)"),
        protocol: str = typer.Option(
            None, "--protocol", help="Protocol (default: the one the run used)"
        ),
    ) -> None:
        """Explore a study in a local web page: KM curves by subgroup and filter, exports."""
        # imported here: Shiny and the analysis stack load only for this command
        from oncorwe.explore.serve import free_port, load_explorer, serve

        console.print(f"Loading {path} ...", highlight=False)
        app_, study = load_explorer(path, protocol)
        chosen = port or free_port()

        def ready(url: str) -> None:
            console.print(
                f"{study!r}: explorer at [bold]{url}[/] (local only; Ctrl+C stops it)",
                highlight=False,
            )

        serve(app_, chosen, ready)
