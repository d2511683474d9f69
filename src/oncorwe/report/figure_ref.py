"""A drawn figure as the documents show it: anchor, title, caption, alt text and its files.

The HTML page embeds the SVG, the Word report the PNG; the PDF beside them is for journals.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

MIME = {".svg": "image/svg+xml", ".png": "image/png"}


@dataclass(frozen=True)
class HtmlFigure:
    """A figure: anchor name, title, caption, alt text and the path of its SVG (or PNG).

    The sibling files ``path.with_suffix(".png")`` / ``".pdf"`` hold the other formats.
    """

    name: str
    title: str
    caption: str
    alt: str
    path: Path

    @property
    def src(self) -> str:
        """The file as a ``data:`` URI (base64), so the page needs no other file."""
        payload = base64.b64encode(self.path.read_bytes()).decode("ascii")
        return f"data:{MIME[self.path.suffix]};base64,{payload}"

    @property
    def png(self) -> Path:
        """The 300 dpi PNG (for Word)."""
        return self.path.with_suffix(".png")
