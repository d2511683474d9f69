"""oncorwe: real-world oncology outcome studies, from patient records to a report.

``oncorwe.Study.load(path)`` opens a study in a notebook (``oncorwe.api``, docs/api.md).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Study", "__version__"]


def __getattr__(name: str) -> Any:
    # the analysis stack takes seconds to import: load it only when Study is asked for
    if name == "Study":
        from oncorwe.api import Study

        return Study
    raise AttributeError(f"module 'oncorwe' has no attribute {name!r}")
