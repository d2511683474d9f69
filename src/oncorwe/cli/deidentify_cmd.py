"""``oncorwe deidentify DATA --out DIR``: a pseudonymised copy of a study in the canonical format.

Patient ids become keyed hashes, dates are shifted per patient (or become study days), ages
over 89 become 90, birth dates keep the year, non-contract columns are dropped, and
``deidentification_report.md`` lists what was done per HIPAA Safe Harbor item. The secret key
is read from ``--key-file`` (created if absent) and never written into ``DIR``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import typer
from rich.console import Console

REPORT_FILE = "deidentification_report.md"
DEFAULT_KEY_FILE = Path("oncorwe-deidentify.key")
console = Console()


def register(app: typer.Typer) -> None:
    @app.command()
    def deidentify(
        data: Path = typer.Argument(..., help="Folder of CSV/Parquet files or .xlsx"),
        out: Path = typer.Option(..., "--out", help="New folder for the de-identified copy"),
        key_file: Path = typer.Option(
            DEFAULT_KEY_FILE, "--key-file", help="Secret key (hex); created if it does not exist"
        ),
        dates: str = typer.Option(
            "shift", "--dates", help="shift (per-patient offset, keeps intervals) or study_day"
        ),
        protocol: str = typer.Option(
            "hcc-rt-ici", "--protocol", help="Protocol whose time origin is day 0 (study_day)"
        ),
        encoding: str = typer.Option(None, "--encoding", help="Text encoding of CSV files"),
    ) -> None:
        """Write a pseudonymised copy of a study (keyed-hash ids, shifted dates)."""
        from oncorwe.cohort.time_origin import time_origin_frame
        from oncorwe.privacy.deidentify import (
            check_key_outside,
            deidentify_source,
            load_or_create_key,
        )
        from oncorwe.privacy.deidentify_report import write_deidentification_report
        from oncorwe.protocol import load_protocol

        check_key_outside(key_file, out, data)
        created = not key_file.exists()
        key = load_or_create_key(key_file)
        summary = deidentify_source(
            data,
            out,
            key,
            dates=dates,  # type: ignore[arg-type]  # checked inside
            time_origin=partial(time_origin_frame, protocol=load_protocol(protocol))
            if dates == "study_day"
            else None,
            encoding=encoding,
        )
        report = write_deidentification_report(summary, out / REPORT_FILE)
        if created:
            console.print(
                f"New secret key written to [bold]{key_file}[/]: keep it apart from {out} "
                "(with it, pseudonyms and date offsets can be recomputed).",
                highlight=False,
            )
        for table, column, reason in summary.dropped_columns:
            console.print(f"dropped {table}.{column}: {reason}", highlight=False)
        console.print(
            f"{summary.patients} patients, {sum(summary.rows.values())} rows de-identified "
            f"into {out}; see {report.name}.",
            highlight=False,
        )
