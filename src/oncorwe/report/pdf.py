"""The PDF report: the HTML page printed by a headless Chromium (Debian's ``chromium``).

The HTML is self-contained, so printing it needs no network; the print stylesheet repeats the
synthetic-data banner on every page (``position: fixed`` in ``@media print``).

References
----------
.. [1] Chromium command-line switches: ``--headless``, ``--print-to-pdf``,
   ``--no-pdf-header-footer`` (https://peter.sh/experiments/chromium-command-line-switches/).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from oncorwe.errors import OncorweError
from oncorwe.report.reproducible import normalize_pdf

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)
TIMEOUT_SECONDS = 120
MAX_TEMP_ROOT_BYTES = 50  # room for the socket names Chromium appends (107-byte limit)


class PdfError(OncorweError):
    """The browser could not print the report."""


def find_browser() -> str | None:
    """Path of the first Chromium-family browser on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def short_temp_root() -> str:
    """The system temp folder, or ``/tmp`` when its path is too long for Chromium.

    Chromium puts Unix sockets (``.org.chromium.Chromium.XXXXXX/SingletonSocket``) in TMPDIR;
    a socket path is limited to 107 bytes on Linux, so with a long TMPDIR it cannot start and
    the PDF is not printed. The profile and sockets then go to ``/tmp``.
    """
    root = tempfile.gettempdir()
    if len(root.encode()) <= MAX_TEMP_ROOT_BYTES or not os.access("/tmp", os.W_OK):
        return root
    return "/tmp"


def write_pdf(html_path: Path, pdf_path: Path, browser: str | None = None) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; raise PdfError on failure."""
    browser = browser or find_browser()
    if browser is None:
        raise PdfError(
            "No Chromium browser found for the PDF report; install Debian's 'chromium' package."
        )
    temp_root = short_temp_root()
    env = {**os.environ, "TMPDIR": temp_root}
    with tempfile.TemporaryDirectory(prefix="oncorwe-chromium-", dir=temp_root) as profile:
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={Path(pdf_path).resolve()}",
            Path(html_path).resolve().as_uri(),
        ]
        try:
            run = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
                env=env,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfError(f"Chromium could not print {html_path} to PDF: {error}") from error
    if run.returncode != 0 or not Path(pdf_path).exists():
        tail = run.stderr.strip().splitlines()[-1:] or ["no message"]
        raise PdfError(f"Chromium could not print {html_path} to PDF: {tail[0]}")
    normalize_pdf(Path(pdf_path))  # reproducible bytes (see report.reproducible)
    return Path(pdf_path)
