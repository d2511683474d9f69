"""The HTML report in a real headless browser (Debian's chromium): it renders offline, shows
every image, and logs no console message."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_fixtures import make_outputs

from conftest import require_tool
from oncorwe.report import write_report

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const broken = images.filter((i) => !i.complete || i.naturalWidth === 0).length;
  document.body.setAttribute("data-images", String(images.length));
  document.body.setAttribute("data-broken-images", String(broken));
});
</script>"""
"""Added to a test copy only: records, in the DOM, how many images failed to load."""


def chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    browser = require_tool("chromium")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [browser, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def probe(page: Path, tmp_path: Path) -> tuple[dict[str, str], list[str]]:
    """Load a probed copy of ``page``: body attributes after load, and console log lines."""
    copy = page.with_name("probed.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    run = chromium(
        copy,
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--dump-dom",
    )
    body = re.search(r"<body([^>]*)>", run.stdout)
    assert body, f"chromium printed no DOM: {run.stderr[-500:]}"
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return attributes, console


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return write_report(make_outputs(), tmp_path_factory.mktemp("browser"))


def test_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "shot.png"
    run = chromium(report, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.exists(), run.stderr[-500:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1280)
    assert (pixels < 200).mean() > 0.02  # text, tables and the banner, not an empty page
    assert pixels.std() > 20


def test_loads_offline_with_every_image_and_no_console_message(report, tmp_path):
    attributes, console = probe(report, tmp_path)
    assert attributes["data-images"] == "2"
    assert attributes["data-broken-images"] == "0"
    assert console == []


def test_probe_catches_a_broken_image_and_a_console_error(report, tmp_path):
    """Negative control: the checks above would fail on a page with these faults."""
    broken = report.with_name("broken.html")
    faults = '<img src="missing.png"><script>console.error("fault");</script></body>'
    broken.write_text(report.read_text(encoding="utf-8").replace("</body>", faults))
    attributes, console = probe(broken, tmp_path)
    assert attributes["data-broken-images"] == "1"
    assert any('"fault"' in line for line in console)
