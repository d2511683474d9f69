"""``oncorwe template DIR``: empty CSV templates plus the data dictionary (CSV and Markdown);
``oncorwe template --redcap DIR``: a REDCap data dictionary of the contract to start a project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def template(
    directory: Annotated[Path, typer.Argument(help="Folder to write the templates into.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    redcap: Annotated[
        bool,
        typer.Option(
            "--redcap",
            help="Write a REDCap data dictionary (one instrument per table) and the list of "
            "repeating instruments instead, to start a REDCap project whose export runs as is.",
        ),
    ] = False,
) -> None:
    """Write header-only CSV templates for every table and the data dictionary."""
    from oncorwe.io.formats.redcap_template import write_redcap_template
    from oncorwe.validate.dictionary import write_templates

    console = Console()
    try:
        if redcap:
            written = write_redcap_template(directory, overwrite=force)
        else:
            written = write_templates(directory, overwrite=force)
    except FileExistsError as exc:
        Console(stderr=True).print(
            f"[bold red]Error:[/bold red] {exc} already exists; templates never overwrite "
            "data. Choose an empty folder or pass --force.",
            highlight=False,
        )
        raise typer.Exit(2) from None
    except OSError as exc:
        Console(stderr=True).print(f"[bold red]Error:[/bold red] cannot write templates: {exc}")
        raise typer.Exit(2) from None
    for path in written:
        console.print(str(path), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``template`` command to ``app``."""
    app.command("template")(template)
