"""``oncorwe demo`` in a process with networking denied, by two independent guards: (1) a fresh
network namespace with no interface but loopback (``unshare --net``, root only), so any
connection attempt fails at the kernel; (2) in the same process, every socket connect to a
non-loopback address raises, so an attempt is an error, not a silent retry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

GUARD = r"""
import socket, sys
_real = socket.socket.connect
def _deny(self, address, *a, **k):
    host = address[0] if isinstance(address, tuple) else str(address)
    if isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost")
                                  or self.family == socket.AF_UNIX):
        return _real(self, address, *a, **k)
    raise RuntimeError(f"network connection attempted to {address!r}")
socket.socket.connect = _deny
socket.socket.connect_ex = _deny
from oncorwe.cli import main
sys.exit(main(["demo", "--out", sys.argv[1]]))
"""


def can_deny_networking() -> bool:
    """A network namespace can be made here (``unshare`` as root)."""
    return shutil.which("unshare") is not None and os.geteuid() == 0


def demo_offline(out: Path, epoch: str) -> subprocess.CompletedProcess:
    """Run ``oncorwe demo --out OUT`` with SOURCE_DATE_EPOCH = ``epoch`` under both guards."""
    script = out.parent / f"{out.name}-guarded.py"
    script.write_text(GUARD)
    return subprocess.run(
        [shutil.which("unshare"), "--net", sys.executable, str(script), str(out)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "SOURCE_DATE_EPOCH": epoch},
    )  # fmt: skip
