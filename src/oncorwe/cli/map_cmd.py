"""``oncorwe map SOURCE --out mapping.toml``: propose a mapping from a workbook, a CSV folder, a
SAS/SPSS/Stata file or a REDCap export (``--redcap-dictionary DICT.csv``) onto the contract,
written as a commented TOML file to edit and keep with the study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from oncorwe.errors import OncorweError

EXIT_UNREADABLE = 2


def map_source(
    source: Annotated[
        Path,
        typer.Argument(
            help="An .xlsx workbook (any sheet names), a CSV folder, a SAS/SPSS/Stata file, or "
            "a REDCap export (with --redcap-dictionary); an SDTM folder needs no mapping."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The mapping file to write.")] = Path(
        "mapping.toml"
    ),
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding (default: detect).")
    ] = None,
    redcap_dictionary: Annotated[
        Path | None,
        typer.Option(
            "--redcap-dictionary",
            help="The REDCap project's data dictionary (CSV); SOURCE is then its CSV export "
            "(raw or labels).",
        ),
    ] = None,
) -> None:
    """Propose a mapping of SOURCE onto the oncorwe contract (edit it, then use --mapping)."""
    from oncorwe.io.formats.sdtm_source import is_sdtm_folder
    from oncorwe.io.mapping.propose import propose_mapping
    from oncorwe.io.mapping.write import write_mapping
    from oncorwe.privacy.identifiers import detect_identifiers

    console, errors = Console(), Console(stderr=True)
    if redcap_dictionary is None and is_sdtm_folder(source):
        # SDTM variables are standard: oncorwe reads them without a mapping (docs/sdtm.md)
        console.print(
            f"{source} holds CDISC SDTM domains; oncorwe reads them without a mapping "
            f"(oncorwe validate|run --data {source}; docs/sdtm.md lists the variables used). "
            f"{out} was not written.",
            highlight=False,
        )
        return
    try:
        proposal = propose_mapping(
            source,
            encoding,
            detect_identifiers=detect_identifiers,
            redcap_dictionary=redcap_dictionary,
        )
        write_mapping(proposal, out)
    except OncorweError as exc:
        errors.print(f"[bold red]Error:[/bold red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from None
    except OSError as exc:
        errors.print(f"[bold red]Error:[/bold red] cannot write {out}: {exc}", highlight=False)
        raise typer.Exit(EXIT_UNREADABLE) from None
    for plan in proposal.sheets:
        placed = len(plan.placed) + (plan.key is not None)
        console.print(
            f"sheet '{plan.name}': {placed} column(s) placed, {len(plan.dropped)} identifier "
            f"column(s) dropped, {len(plan.unplaced)} not placed",
            highlight=False,
        )
    tables = sorted({b.table for b in proposal.blocks})
    missing = [f"{b.table}.{c}" for b in proposal.blocks for c in b.missing]
    unmatched = sum(v == "" for b in proposal.blocks for m in b.values.values() for v in m.values())
    console.print(f"Tables mapped: {', '.join(tables) or 'none'}", highlight=False)
    if missing:
        console.print(f"Required columns not found: {', '.join(missing)}", highlight=False)
    if unmatched:
        console.print(f"{unmatched} value(s) not matched: search the file for NOT MATCHED")
    console.print(f"Mapping written to {out}; read and correct it, then run with --mapping {out}")


def register(app: typer.Typer) -> None:
    """Add the ``map`` command to ``app``."""
    app.command("map")(map_source)
