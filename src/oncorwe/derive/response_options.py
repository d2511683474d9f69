"""The options of the best-overall-response derivation, declared once.

:func:`oncorwe.derive.best_response.best_response` (a table expression, any engine) and
:func:`oncorwe.derive.best_response.best_overall_response` (over frames) take the same options,
as keywords: they are the fields of :class:`ResponseOptions`, checked when it is built. The
report reads their defaults from here too.

References
----------
.. [1] pharmaverse admiralonco, R/derive_param_confirmed_bor.R (``ref_confirm``,
   ``ref_start_window``, ``max_nr_ne``, ``accept_sd``) and vignettes/adrs_basic.Rmd (ANL01FL
   ``ADT >= RANDDT``, ``ADT < NACTDT``).
.. [2] Eisenhauer EA et al. RECIST 1.1. Eur J Cancer 2009;45:228-247, sections 4.4-4.5 and
   Table 3 (docs/references/recist.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from oncorwe.derive.response_rules import MAX_NR_NE, REF_CONFIRM_DAYS, REF_START_WINDOW_DAYS
from oncorwe.errors import InputError

ON_ORIGIN = ("include", "exclude")
# the options that count days or records
_NON_NEGATIVE = ("ref_confirm", "ref_start_window", "max_nr_ne")
_FLAGS = ("confirm", "accept_sd", "missing_as_ne")


@dataclass(frozen=True)
class ResponseOptions:
    """How best overall responses are derived (admiralonco's options of the same names [1]).

    Attributes
    ----------
    confirm : bool
        False: BOR as admiralonco ``derive_param_bor`` (``BOR`` / ``IBOR``); True: confirmed BOR
        as ``derive_param_confirmed_bor`` (``CBOR`` / ``ICBOR``), RECIST 1.1 Table 3 [2].
    ref_confirm : int
        Minimum days between a CR/PR and its confirmation (``REF_CONFIRM_DAYS``).
    ref_start_window : int
        Events declared ``after_sd_window`` (SD, NON-CR/NON-PD) count only on or after
        origin + this many days (``REF_START_WINDOW_DAYS``).
    max_nr_ne : int
        NE assessments accepted between a response and its confirmation (``MAX_NR_NE``).
    accept_sd : bool
        Accept one SD between a PR and its confirmation (admiralonco ``accept_sd``).
    on_origin : {"include", "exclude"}
        Whether an assessment dated on the origin day counts. Default ``include``, as
        admiralonco's ANL01FL (``ADT >= RANDDT``); ``exclude`` keeps only ``ADT > origin``.
    missing_as_ne : bool
        Patients without any usable assessment get ``NE`` instead of ``MISSING``.

    Raises
    ------
    InputError
        ``on_origin`` is not one of :data:`ON_ORIGIN`, or a count of days or records is not a
        non-negative integer.
    """

    confirm: bool = False
    ref_confirm: int = REF_CONFIRM_DAYS
    ref_start_window: int = REF_START_WINDOW_DAYS
    max_nr_ne: int = MAX_NR_NE
    accept_sd: bool = False
    on_origin: Literal["include", "exclude"] = "include"
    missing_as_ne: bool = False

    def __post_init__(self) -> None:
        if self.on_origin not in ON_ORIGIN:
            raise InputError(f"on_origin must be one of {ON_ORIGIN}, got {self.on_origin!r}")
        for name in _NON_NEGATIVE:
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise InputError(
                    f"{name} must be a non-negative integer number of days/records, got {value!r}"
                )
            object.__setattr__(self, name, int(value))
        for name in _FLAGS:
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def max_nr_sd(self) -> int:
        """SD assessments accepted between a PR and its confirmation (``accept_sd``: one)."""
        return int(self.accept_sd)
