"""A figure's PNG rasterised from its PDF, so a figure is drawn as vector graphics only.

matplotlib draws a figure anew for every format it saves. The report's PNG (300 dpi, for the
Word report) is instead rendered from the figure's PDF by PDFium (the PDF engine of Chromium,
through pypdfium2): the same drawing, anti-aliased text and lines, at a fraction of the cost of a
third matplotlib draw.

References
----------
.. [1] pypdfium2 documentation, ``PdfPage.render`` (scale = dots per inch / 72).
.. [2] PDFium, https://pdfium.googlesource.com/pdfium/ (BSD-3-Clause).
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2

POINTS_PER_INCH = 72


def pdf_to_png(pdf: bytes, path: Path, size: tuple[int, int], dpi: int) -> Path:
    """Render the first page of ``pdf`` at ``dpi`` to ``path`` as an RGB PNG of ``size`` pixels
    (width, height), its resolution recorded (pHYs) so Word sizes it as the figure's inches.

    ``size`` is the figure's size in pixels: rendering rounds the page's edges up, so a partial
    pixel row or column past it is cut off.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=dpi / POINTS_PER_INCH)
        image = bitmap.to_pil()
    finally:
        document.close()
    if image.size != size:
        image = image.crop((0, 0, *size))
    image.save(path, format="png", dpi=(dpi, dpi))
    return path
