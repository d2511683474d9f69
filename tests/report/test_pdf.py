"""The PDF report, printed by headless Chromium, renders to non-blank pages (pdftoppm)."""

from __future__ import annotations

import subprocess
import tempfile

import numpy as np
import pytest
from PIL import Image
from report_fixtures import make_outputs

from conftest import require_tool
from oncorwe.report import write_report
from oncorwe.report.pdf import PdfError, write_pdf


def test_pdf_pages_are_not_blank(tmp_path):
    require_tool("chromium")
    pdftoppm = require_tool("pdftoppm")
    write_report(make_outputs(), tmp_path, pdf=True)
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run([pdftoppm, "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=float)
        assert (pixels < 200).mean() > 0.005, page.name  # at least the banner and some text
        # the synthetic banner (dark red strip) tops every page
        top = np.asarray(Image.open(page).convert("RGB"), dtype=int)[: pixels.shape[0] // 12]
        red = (top[..., 0] > 150) & (top[..., 1] < 60) & (top[..., 2] < 60)
        assert red.mean() > 0.02, page.name


def test_missing_browser_is_a_clear_error(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>")
    with pytest.raises(PdfError, match="Chromium"):
        write_pdf(page, tmp_path / "page.pdf", browser=str(tmp_path / "no-such-browser"))


def test_prints_with_a_temp_folder_too_long_for_chromium_sockets(tmp_path, monkeypatch):
    """A TMPDIR longer than a Unix socket path allows (107 bytes) does not stop the PDF."""
    require_tool("chromium")
    long_tmp = tmp_path / ("t" * 60) / ("m" * 60)
    long_tmp.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    page = tmp_path / "page.html"
    page.write_text("<p>long temp folder</p>")
    pdf = write_pdf(page, tmp_path / "page.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
