"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Rich wraps command-line output at the terminal width (80 columns when output is captured),
    so a message naming a long path would break across lines: tests read the CLI's output at a
    width no message reaches (COLUMNS, read when oncorwe.cli creates its consoles, i.e. after
    this hook). pytest's own report keeps the terminal's width."""
    if config.pluginmanager.get_plugin("terminalreporter") is not None:
        writer = config.get_terminal_writer()
        writer.fullwidth = writer.fullwidth
    os.environ["COLUMNS"] = "4000"


def require_tool(name: str) -> str:
    """Return the path of an external tool; skip locally, fail under CI=true, when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed; .ci/run installs it (apt-get)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
