"""The ``oncorwe`` command line. Every error is a short message and an exit code, never a
traceback (``ONCORWE_DEBUG=1`` shows one for developers)."""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console
from rich.markup import escape

from oncorwe.errors import OncorweError

app = typer.Typer(
    name="oncorwe",
    help="Real-world oncology outcome studies: patient records to a publication-ready report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)


def _register_commands() -> None:
    from oncorwe.cli import run_cmd

    run_cmd.register(app)
    for module in (
        "validate_cmd",
        "template_cmd",
        "deidentify_cmd",
        "quarantine_cmd",
        "explore_cmd",
        "map_cmd",
    ):
        try:
            mod = __import__(f"oncorwe.cli.{module}", fromlist=["register"])
        except ModuleNotFoundError as exc:  # a command module not yet part of this build
            if exc.name != f"oncorwe.cli.{module}":
                raise
            continue
        mod.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the app on ``argv``; turn every failure into a message and return the exit code."""
    try:
        # without standalone mode, a typer.Exit raised by a command comes back as its code
        code = app(args=argv, standalone_mode=False)
    except OncorweError as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)
        return _exit(exc.exit_code)
    except typer.Abort:
        err.print("Aborted.")
        return _exit(130)
    except Exception as exc:  # the CLI never shows a traceback to a user
        if _is_usage_exit(exc):
            if hasattr(exc, "show"):  # a usage error: the command line itself is wrong
                exc.show()
            return _exit(exc.exit_code)
        if os.environ.get("ONCORWE_DEBUG"):
            raise
        err.print(
            f"[bold red]Internal error[/] ({type(exc).__name__}): {exc}. This is a bug in oncorwe, "
            "not in your data: please report it with the command you ran "
            "(set ONCORWE_DEBUG=1 to see the traceback).",
            highlight=False,
        )
        return _exit(3)
    return _exit(code if isinstance(code, int) else 0)


def _is_usage_exit(exc: Exception) -> bool:
    """Typer's (and click's) exit and usage-error exceptions carry an ``exit_code``."""
    return isinstance(exc, typer.Exit) or (
        hasattr(exc, "exit_code") and type(exc).__module__.split(".")[0] in ("typer", "click")
    )


def _exit(code: int | None) -> int:
    return int(code or 0)


def run() -> None:
    """Console-script entry point (``oncorwe``)."""
    sys.exit(main())
