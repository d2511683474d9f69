"""Figure PDFs embed TrueType subsets without OpenType layout tables, and the patch is scoped."""

from __future__ import annotations

from fontTools import subset as font_subset

from oncorwe.report.figures.style import figure_style, lean_pdf_fonts, new_figure, save_figure


def test_lean_fonts_only_while_saving(tmp_path):
    original = font_subset.load_font
    with figure_style():
        fig = new_figure(2.0, 1.5)
        ax = fig.add_subplot()
        ax.set_title("Bold title", fontweight="bold")
        ax.plot([0, 1], [0, 1])
    save_figure(fig, tmp_path / "f", ("pdf",))
    assert font_subset.load_font is original
    pdf = (tmp_path / "f.pdf").read_bytes()
    assert pdf.count(b"/FontFile2") >= 2 and b"/Type3" not in pdf and b"/FontFile3" not in pdf
    options = font_subset.Options()
    with lean_pdf_fonts():
        assert font_subset.load_font is not original
    assert font_subset.load_font is original
    assert "GSUB" not in options.drop_tables  # a caller's own options are not touched


def test_font_subsets_made_once_and_reused(tmp_path):
    from oncorwe.report.figures import style

    style._subset_bytes.cache_clear()
    with figure_style():
        fig = new_figure(2.0, 1.5)
        fig.add_subplot().set_title("Same text", fontweight="bold")
    save_figure(fig, tmp_path / "first", ("pdf",))
    made = style._subset_bytes.cache_info()
    save_figure(fig, tmp_path / "second", ("pdf",))
    again = style._subset_bytes.cache_info()
    assert made.misses >= 2 and again.misses == made.misses and again.hits == made.misses
    # a remembered subset gives the very bytes of a fresh one
    assert (tmp_path / "first.pdf").read_bytes() == (tmp_path / "second.pdf").read_bytes()
