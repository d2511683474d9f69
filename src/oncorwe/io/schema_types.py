"""The building blocks of the input contract: a column and a table, with their rules as data.

The contract itself (every table and column) is declared in :mod:`oncorwe.io.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "int", "num", "date", "bool", "list"]
# "yes" = required on every row; "no" = optional; anything else is a rule written in words and
# checked by a cross-field rule in ``oncorwe.validate`` (e.g. death_date "if dead").
Requirement = str

BOOLEAN_TRUE = ("true", "yes", "1", "y", "t")
BOOLEAN_FALSE = ("false", "no", "0", "n", "f")
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``minimum`` / ``maximum`` bound a number (both ends included unless ``minimum_exclusive``);
    the validator quarantines a value outside them under ``range_rule`` when the column names a
    rule of its own, else under the generic ``column.range``.
    """

    name: str
    type: ColumnType
    required: Requirement
    description: str
    allowed: tuple[str, ...] = ()
    partial_date: bool = False
    minimum: float | None = None
    maximum: float | None = None
    minimum_exclusive: bool = False
    range_rule: str | None = None

    @property
    def has_range(self) -> bool:
        return self.minimum is not None or self.maximum is not None

    @property
    def range_text(self) -> str:
        """The range as written in the data dictionary: ``0..120``, ``>0..150``, ``0..``."""
        if not self.has_range:
            return ""
        low = "" if self.minimum is None else f"{self.minimum:g}"
        high = "" if self.maximum is None else f"{self.maximum:g}"
        return f"{'>' if self.minimum_exclusive else ''}{low}..{high}"


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())
    # a required table may be left out when one of these tables is given instead
    required_unless: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def requirement(self) -> str:
        """``required``, ``optional`` or ``required unless <table> is given``."""
        if not self.required:
            return "optional"
        if self.required_unless:
            return f"required unless {' or '.join(self.required_unless)} is given"
        return "required"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required == "yes")
