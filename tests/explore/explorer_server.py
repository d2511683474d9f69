"""Start ``oncorwe explore`` in a subprocess and drive it with Debian's headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 240.0) -> float:
    """Seconds until ``port`` accepts a connection; fails if the server exits first."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"oncorwe explore exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return time.monotonic() - start
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"oncorwe explore did not listen on {port} within {timeout} s")


def start_explorer(path: Path, port: int, log: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "oncorwe.cli", "explore", str(path), "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen([*command, *extra], stdout=out, stderr=subprocess.STDOUT, env=env)


def artefacts_dir(tmp_path_factory) -> Path:
    """``ONCORWE_TEST_ARTEFACTS`` (CI keeps it) or a temporary folder."""
    configured = os.environ.get("ONCORWE_TEST_ARTEFACTS")
    folder = Path(configured) / "explore" if configured else tmp_path_factory.mktemp("explore")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
