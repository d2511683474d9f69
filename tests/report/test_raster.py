"""A figure's PNG is rasterised from its PDF: the figure's pixel size, 300 dpi, and the same
picture matplotlib's own Agg canvas draws."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from oncorwe.report.figures.style import PNG_DPI, figure_style, new_figure, save_figure


def _figure(width: float, height: float):
    with figure_style():
        fig = new_figure(width, height)
        ax = fig.add_subplot()
        ax.step([0, 1, 2, 3], [1.0, 0.8, 0.5, 0.4], where="post", color="#1f4e79")
        ax.set_title("Survival", fontweight="bold")
    return fig


def test_png_has_the_figure_size_and_resolution(tmp_path):
    # 2.3 in x 1.57 in at 300 dpi = 690 x 471 pixels, as matplotlib's Agg canvas makes it
    save_figure(_figure(2.3, 1.57), tmp_path / "f", ("png",))
    with Image.open(tmp_path / "f.png") as image:
        assert image.size == (690, 471)
        assert round(image.info["dpi"][0]) == PNG_DPI


def test_png_looks_like_matplotlibs_own_drawing(tmp_path):
    fig = _figure(3.0, 2.0)
    save_figure(fig, tmp_path / "f", ("png",))
    agg = io.BytesIO()
    with figure_style():
        fig.savefig(agg, format="png", dpi=PNG_DPI)
    with Image.open(tmp_path / "f.png") as ours, Image.open(agg) as theirs:
        a = np.asarray(ours.convert("L"), dtype=float)
        b = np.asarray(theirs.convert("L"), dtype=float)
    assert a.shape == b.shape == (600, 900)
    # anti-aliased edges differ by a shade; the drawing (ink per row and column) does not
    assert np.abs(a - b).mean() < 6
    ink_a, ink_b = (255 - a).sum(axis=1), (255 - b).sum(axis=1)
    assert np.corrcoef(ink_a, ink_b)[0, 1] > 0.95


def test_png_bytes_repeat(tmp_path):
    fig = _figure(2.0, 1.5)
    save_figure(fig, tmp_path / "a", ("png", "pdf"))
    save_figure(fig, tmp_path / "b", ("png", "pdf"))
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
