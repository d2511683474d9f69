"""The reproducible-builds clock: ``SOURCE_DATE_EPOCH`` when set, read in one place.

With it set, every time oncorwe would write (import log, document dates, zip entries, PDF
dates, the store's identifier) comes from it, so two runs of the same inputs give the same
bytes (reproducible-builds.org, "SOURCE_DATE_EPOCH" specification).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from oncorwe.errors import OncorweError


class EpochError(OncorweError, ValueError):
    """``SOURCE_DATE_EPOCH`` is set but is not a whole number of seconds."""


def source_date_epoch() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as an aware UTC datetime, or None when unset or empty.

    Raises
    ------
    EpochError
        When the variable is set but not an integer number of seconds.
    """
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise EpochError(
            f"SOURCE_DATE_EPOCH must be an integer number of seconds, not {value!r}: unset it "
            "or give seconds since 1970-01-01 (e.g. the date of your data cut-off)."
        )
    return datetime.fromtimestamp(int(value), tz=UTC)
