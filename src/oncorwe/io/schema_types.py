"""The building blocks of the input contract: a column and a table, with their rules as data.

The contract itself (every table and column) is declared in :mod:`oncorwe.io.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "int", "num", "date", "bool", "list"]
# the pandas dtype of each column type in accepted tables and analysis frames
PANDAS_DTYPES = {
    "text": "string",
    "list": "string",
    "int": "Int64",
    "num": "float64",
    "date": "datetime64[ns]",
    "bool": "boolean",
}
# "yes" = required on every row; "no" = optional; "one of a, b" = at least one of the columns (or
# tables) named; "if <column> = <value>" = required where that column has the value
# (``Column.required_when``). The validator reads each of these from the contract.
Requirement = str
ONE_OF = "one of "


@dataclass(frozen=True)
class RequiredWhen:
    """A column required on the rows where ``column`` has one of ``values``; the rule ``rule``
    reports a missing value."""

    column: str
    values: tuple[str, ...]
    rule: str

    @property
    def text(self) -> str:
        return f"if {self.column} = {' or '.join(self.values)}"


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
    required_when: RequiredWhen | None = None

    @property
    def one_of(self) -> tuple[str, ...]:
        """The columns (or tables) of a "one of" requirement; empty for any other."""
        if not self.required.startswith(ONE_OF):
            return ()
        return tuple(n.strip() for n in self.required.removeprefix(ONE_OF).split(","))

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

    @property
    def expected_columns(self) -> tuple[str, ...]:
        """Required columns and those required unless a setting says otherwise ("yes, unless
        ...", e.g. adverse_events.onset_date): what a mapping should look for."""
        return tuple(c.name for c in self.columns if c.required.startswith("yes"))
