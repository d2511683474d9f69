"""Exceptions that oncorwe raises on purpose. The CLI turns each into a short message."""

from __future__ import annotations


class OncorweError(Exception):
    """Base class: every deliberate error of oncorwe. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class InputError(OncorweError):
    """A source file or table cannot be read as the data contract requires (exit 2)."""


class ProtocolError(OncorweError):
    """A protocol file is missing, malformed or contradicts itself (exit 2)."""


class StatsInputError(OncorweError, ValueError):
    """Arrays handed to a statistic are unusable: negative times, NaN, bad event codes..."""


class ConvergenceError(OncorweError):
    """An iterative fit did not converge, or a coefficient is infinite (separation)."""


class AnalysisError(OncorweError):
    """The analysis cannot go on: e.g. no patient is left in the cohort."""
