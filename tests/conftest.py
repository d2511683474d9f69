"""Shared test helpers."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """Return the path of an external tool; skip locally, fail under CI=true, when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed; .ci/run installs it (apt-get)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
