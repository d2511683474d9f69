"""A throwaway PostgreSQL server for the tests: the real server, never a mock.

``postgres_url()`` gives the URL in ``ONCORWE_POSTGRES_URL`` (``.ci/run`` starts a server and
sets it), or starts a server of its own with Debian's binaries (initdb + pg_ctl in a temporary
folder, reached through a unix socket there; as the ``postgres`` user when run as root, since
PostgreSQL refuses to run as root). Without either it skips locally and fails under CI=true.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

URL_VARIABLE = "ONCORWE_POSTGRES_URL"


def _binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_url() -> Iterator[str]:
    """The URL of a running PostgreSQL server (see the module docstring)."""
    if os.environ.get(URL_VARIABLE):
        yield os.environ[URL_VARIABLE]
        return
    bin_dir = _binaries()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = f"PostgreSQL is not installed and {URL_VARIABLE} is not set; .ci/run installs it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = tempfile.mkdtemp(prefix="oncorwe-pg-")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = os.path.join(folder, "data"), _free_port()
    run = {"check": True, "capture_output": True}
    subprocess.run(
        _as_server_user([f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--no-locale"]), **run,
    )  # fmt: skip
    options = f"-k {folder} -c listen_addresses='' -p {port} -c fsync=off"
    subprocess.run(
        _as_server_user([f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-w",
                         "-l", os.path.join(folder, "server.log"), "start"]), **run,
    )  # fmt: skip
    try:
        yield f"postgresql://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(
            _as_server_user([f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
