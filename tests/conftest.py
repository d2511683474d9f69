"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

import pytest

# Rich wraps command-line output at the terminal width (80 columns when output is captured), so a
# message that names a long path would break across lines. Tests read the CLI's output at a width
# no message reaches; set before any oncorwe.cli module creates its consoles.
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
