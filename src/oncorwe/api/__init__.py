"""oncorwe.api: a study in a notebook (``Study.load``) and its result objects.

``oncorwe.Study`` is :class:`oncorwe.api.Study`; see docs/api.md.
"""

from oncorwe.api.results import SurvivalResult, TableResult
from oncorwe.api.study import Study
from oncorwe.api.survival import survival_by
from oncorwe.api.where import FilterError, apply_where, filter_mask

__all__ = [
    "FilterError",
    "Study",
    "SurvivalResult",
    "TableResult",
    "apply_where",
    "filter_mask",
    "survival_by",
]
