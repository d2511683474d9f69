"""One figure style and one save function, so every figure is byte-reproducible.

Figures are built on ``matplotlib.figure.Figure`` with an explicit Agg canvas (no pyplot, no
global backend switch). The style is applied with ``rc_context`` only while a figure is drawn and
saved, so importing oncorwe never changes a user's matplotlib settings.

References
----------
.. [1] Matplotlib docs, "Embedding in a web application server (Flask)": use ``Figure`` directly.
.. [2] Matplotlib ``rcParams["svg.hashsalt"]`` and ``savefig(metadata=...)``: fixed ids and no
   date stamp make SVG and PDF output identical from run to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import matplotlib as mpl
from fontTools import subset as font_subset
from matplotlib.backends import _backend_pdf_ps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from oncorwe.report.figures.raster import pdf_to_png
from oncorwe.report.format import SYNTHETIC_BANNER

PNG_DPI = 300
BANNER_COLOR = "#b00020"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "svg.hashsalt": "oncorwe",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "path.simplify": False,
}
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}
"""No timestamps and no version strings: the bytes depend on the data only."""


@contextmanager
def figure_style() -> Iterator[None]:
    """Apply the report style for the duration of a ``with`` block."""
    with mpl.rc_context(STYLE):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches on an Agg canvas (call inside ``figure_style``)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def curve_figure(synthetic: bool) -> tuple[Figure, object, object]:
    """A survival-curve figure: the curve axis above, the numbers-at-risk axis below sharing
    its x axis (Kaplan-Meier and cumulative incidence alike); room for the banner when
    ``synthetic``. Returns (figure, curve axis, at-risk axis)."""
    fig = new_figure(6.5, 4.6)
    grid = fig.add_gridspec(2, 1, height_ratios=(5, 0.7), hspace=0.42)
    ax = fig.add_subplot(grid[0])
    risk_ax = fig.add_subplot(grid[1], sharex=ax)
    fig.subplots_adjust(left=0.14, right=0.95, top=0.92 if synthetic else 0.96, bottom=0.05)
    return fig, ax, risk_ax


def add_synthetic_banner(fig: Figure) -> None:
    """Write the synthetic-data banner across the top of the figure."""
    fig.text(
        0.5,
        0.995,
        SYNTHETIC_BANNER,
        ha="center",
        va="top",
        color=BANNER_COLOR,
        fontsize=9,
        fontweight="bold",
    )


# PDF speed: matplotlib embeds each font as a TrueType (Type 42, FontFile2) subset made by
# fontTools, which spends most of that time reading, closing over and subsetting the OpenType
# layout tables (GSUB, GPOS, GDEF). A PDF never reads them (matplotlib writes every glyph position
# itself), so they are dropped while oncorwe saves a PDF: outlines, widths and cmap are unchanged,
# and the PDF is still plain embedded TrueType, no Type 3 (~3x faster per figure PDF). They are
# removed from the font as soon as it is opened (lazily, so never parsed): fontTools 4.68
# inspects every layout table's format before the subsetter's own drop_tables takes effect.
PDF_DROPPED_FONT_TABLES = ("GSUB", "GPOS", "GDEF")


@contextmanager
def lean_pdf_fonts() -> Iterator[None]:
    """While saving a PDF, make fontTools subsets leave out the OpenType layout tables."""
    original = font_subset.load_font

    def load_font(path, options, *args, **kwargs):
        options.drop_tables += [t for t in PDF_DROPPED_FONT_TABLES if t not in options.drop_tables]
        options.layout_closure = False
        font = original(path, options, *args, **kwargs)
        for tag in PDF_DROPPED_FONT_TABLES:
            if tag in font:  # opened lazily: removed without being parsed
                del font[tag]
        return font

    font_subset.load_font = load_font
    subsetter = _backend_pdf_ps.get_glyphs_subset
    if hasattr(_backend_pdf_ps, "SubsetResults"):  # matplotlib >= 3.11's interface
        _backend_pdf_ps.get_glyphs_subset = _remembered_subset
    try:
        yield
    finally:
        font_subset.load_font = original
        _backend_pdf_ps.get_glyphs_subset = subsetter


# The same glyphs of the same font recur from figure to figure (the bold synthetic-data banner,
# axis digits): each subset is made once per process and its bytes reused. A subset depends only
# on the font file and the glyphs, so the PDFs are byte for byte what fontTools would write.
# Each figure's glyphs are widened to the font's glyphs of COMMON_TEXT (printable ASCII, Latin-1
# and the punctuation and symbols the report writes), so one subset per font serves every figure
# (a figure's PDF embeds glyphs it does not show, about 40 kB more; its text and look are the same).
SUBSETS_REMEMBERED = 128
COMMON_TEXT = (
    "".join(map(chr, range(0x20, 0x7F)))
    + "\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u2212\u2264\u2265\u2248\u2260\u2192"
)
_MATPLOTLIB_SUBSET = _backend_pdf_ps.get_glyphs_subset


class _SubsetFont:
    """A font subset already saved: what ``_backend_pdf_ps.font_as_file`` needs of a TTFont."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def save(self, file, reorderTables: bool = False) -> None:  # noqa: N803 (fontTools' name)
        file.write(self.data)


@contextmanager
def _remembered_subset(fontfile, glyphs) -> Iterator[object]:
    face = getattr(fontfile, "face_index", 0)
    wanted = frozenset(glyphs) | _common_glyphs(str(fontfile), face)
    data, index_map = _subset_bytes(fontfile, face, wanted)
    yield _backend_pdf_ps.SubsetResults(_SubsetFont(data), dict(index_map))


@lru_cache(maxsize=SUBSETS_REMEMBERED)
def _common_glyphs(path: str, face_index: int) -> frozenset:
    """The glyph indices of the characters of ``COMMON_TEXT`` the font has."""
    charmap = FT2Font(path, face_index=face_index).get_charmap()
    return frozenset(charmap[ord(c)] for c in COMMON_TEXT if ord(c) in charmap)


@lru_cache(maxsize=SUBSETS_REMEMBERED)
def _subset_bytes(fontfile, face_index: int, glyphs: frozenset) -> tuple[bytes, tuple]:
    """The TrueType subset of ``glyphs`` of a font (called inside ``lean_pdf_fonts``) and the
    map from the font's glyph indices to the subset's."""
    with _MATPLOTLIB_SUBSET(fontfile, glyphs) as subset:
        data = _backend_pdf_ps.font_as_file(subset.font).getvalue()
        return data, tuple(subset.glyph_index_map.items())


FORMATS = ("png", "svg", "pdf")
"""Every figure is written in each: PNG (300 dpi, Word), SVG (HTML), PDF (journals)."""


def save_figure(fig: Figure, stem: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Save ``fig`` as ``stem.<fmt>`` for each format; PNG at 300 dpi. Returns the paths.

    The figure is drawn twice, not once per format: as PDF, which the PNG is rasterised from
    (``report.figures.raster``), and as SVG (text as paths, for the HTML page).
    """
    paths = []
    with figure_style():
        pdf = _pdf_bytes(fig) if {"pdf", "png"} & set(formats) else b""
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            if fmt == "pdf":
                path.write_bytes(pdf)
            elif fmt == "png":
                pdf_to_png(pdf, path, _pixel_size(fig), PNG_DPI)
            else:
                fig.savefig(path, format=fmt, dpi=PNG_DPI, metadata=METADATA[fmt])
            paths.append(path)
    return paths


def _pdf_bytes(fig: Figure) -> bytes:
    buffer = BytesIO()
    with lean_pdf_fonts():
        fig.savefig(buffer, format="pdf", dpi=PNG_DPI, metadata=METADATA["pdf"])
    return buffer.getvalue()


def _pixel_size(fig: Figure) -> tuple[int, int]:
    """Width and height in pixels at ``PNG_DPI``, truncated as matplotlib's Agg canvas does."""
    return int(fig.get_figwidth() * PNG_DPI), int(fig.get_figheight() * PNG_DPI)
