"""Row conditions declared as data: which rows of a table a source reads.

A condition is a value, not SQL text: ``Where(column, operator, value)`` compares one column of
the source table; ``AllOf`` / ``AnyOf`` combine conditions; ``PatientHas(table, condition)``
asks whether the row's patient has a row of another table meeting a condition (an ``IN``
over that table's patient ids). A value may name a protocol setting, ``Setting("eligibility.
ici_classes")``, read when the condition is built for a study. ``predicate`` turns a
declaration into an Ibis boolean expression over the source table, so the same declaration runs
on every engine, and a value never becomes part of a query's text (Ibis quotes literals).

SQL semantics are kept: a comparison with a missing value is not true, so the row is not read.

References
----------
pharmaverse admiral: ``event_source(dataset_name, filter, date)`` and ``censor_source``, whose
``filter`` is an expression over the source dataset (here declared as data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

Operator = Literal["==", "!=", "in", "not in", "is null", "not null"]
OPERATORS: tuple[str, ...] = ("==", "!=", "in", "not in", "is null", "not null")


@dataclass(frozen=True)
class Setting:
    """A protocol setting by its dotted path (``"eligibility.ici_classes"``)."""

    path: str

    def value(self, protocol: Any) -> Any:
        """The setting's value in ``protocol`` (lists and tuples as tuples)."""
        if protocol is None:
            raise ValueError(f"a source condition names setting {self.path!r}: give the protocol")
        value = protocol
        for name in self.path.split("."):
            if not hasattr(value, name):
                message = f"a source condition names setting {self.path!r}, not in the protocol"
                raise ValueError(message)
            value = getattr(value, name)
        return tuple(value) if isinstance(value, list | tuple) else value


@dataclass(frozen=True)
class Where:
    """``column operator value`` over the source table's rows; ``value`` is a literal, a
    tuple of literals (``in``, ``not in``), a ``Setting``, or unused (``is null``,
    ``not null``)."""

    column: str
    operator: Operator
    value: Any = None

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise ValueError(f"condition operator {self.operator!r} is not one of {OPERATORS}")


@dataclass(frozen=True)
class AllOf:
    """Every condition holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one condition holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class PatientHas:
    """The row's patient has a row of ``table`` meeting ``condition`` (None: any row)."""

    table: str
    condition: Condition | None = None


Condition = Where | AllOf | AnyOf | PatientHas


def _value(value: Any, protocol: Any) -> Any:
    return value.value(protocol) if isinstance(value, Setting) else value


def _compare(column: ir.Column, operator: str, value: Any) -> ir.BooleanValue:
    if operator == "is null":
        return column.isnull()
    if operator == "not null":
        return column.notnull()
    if operator in ("in", "not in"):
        values = tuple(value) if isinstance(value, list | tuple) else (value,)
        inside = column.isin(values) if values else ibis.literal(False)
        return inside if operator == "in" else ~inside
    return column == value if operator == "==" else column != value


def predicate(
    condition: Condition | None,
    rows: ir.Table,
    tables: Mapping[str, ir.Table],
    protocol: Any = None,
) -> ir.BooleanValue:
    """``condition`` as a boolean expression over ``rows`` (a table with ``patient_id``);
    ``tables`` are the tables a ``PatientHas`` names; ``protocol`` gives the ``Setting``
    values. None: every row."""
    if condition is None:
        return ibis.literal(True)
    if isinstance(condition, Where):
        value = _value(condition.value, protocol)
        return _compare(rows[condition.column], condition.operator, value)
    if isinstance(condition, AllOf | AnyOf):
        parts = [predicate(c, rows, tables, protocol) for c in condition.conditions]
        if not parts:
            return ibis.literal(isinstance(condition, AllOf))
        out = parts[0]
        for part in parts[1:]:
            out = (out & part) if isinstance(condition, AllOf) else (out | part)
        return out
    if isinstance(condition, PatientHas):
        other = tables[condition.table]
        other = other.filter(predicate(condition.condition, other, tables, protocol))
        return rows.patient_id.isin(other.patient_id)
    raise TypeError(f"not a condition: {condition!r}")
