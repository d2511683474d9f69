"""Serve the explorer on 127.0.0.1 (never on another interface: the page shows patient data)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from oncorwe.errors import InputError

HOST = "127.0.0.1"
"""The explorer listens on the loopback interface only."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def load_explorer(path: str | Path, protocol: str | None = None):
    """Load a study (a run's folder or store, or a data folder/workbook) and build its app.

    Returns
    -------
    (shiny.App, oncorwe.api.Study)
    """
    try:
        from oncorwe.explore.app import explorer_app
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("shiny", "htmltools", "uvicorn", "starlette"):
            raise InputError(
                "oncorwe explore needs the explore extra: pip install 'oncorwe[explore]'"
            ) from None
        raise
    from oncorwe.api import Study

    study = Study.load(path, protocol)
    app = explorer_app(study.cohort, study.protocol, synthetic=study.synthetic)
    return app, study


def serve(app, port: int, ready: Callable[[str], None] = lambda url: None) -> None:
    """Run ``app`` on ``127.0.0.1:port`` until interrupted; ``ready(url)`` once listening."""
    import uvicorn

    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    original = server.startup

    async def startup(*args, **kwargs):
        await original(*args, **kwargs)
        ready(f"http://{HOST}:{port}/")

    server.startup = startup
    server.run()
