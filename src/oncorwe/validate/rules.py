"""The rule registry: every validation rule as described data, and how findings are made.

A rule has an id (``<scope>.<name>``, e.g. ``patients.death_last_date``), a severity and a
one-line description. ``RULES`` lists them in the order the checks run; the data dictionary and
the docs print it. A rule of one value has a small ``check_*`` function registered with
``@rule``: it reads the ``Work`` (distinct values as text and typed) and returns the findings of
its rule (``oncorwe.validate.value_rules`` runs it). A rule of rows, tables or the whole study is
declared with ``define_rule`` in its place in the order and runs as SQL generated from the
contract (``row_rules``, ``table_rules``, ``whole_table``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from oncorwe.io.mapping import MAPPING_RULES
from oncorwe.io.sources import FINDING_COLUMNS, READ_RULES

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """A validation rule: ``id``, ``severity`` (error -> row quarantined), ``description``,
    ``tables`` it applies to (empty = every table) and ``stage``: 0 reading, 1 normalising
    (units, synonyms), 2 columns, 3 one table, 4 across tables. Checks run by stage, then in
    registration order."""

    id: str
    severity: Severity
    description: str
    tables: tuple[str, ...] = ()
    stage: int = 0


@dataclass(frozen=True)
class Context:
    """What the checks of one chunk of values need from the whole study.

    Attributes
    ----------
    conventional_units : (table, column, lab) whose plain numbers are in conventional units
        (decided on the whole column, see ``checks_values.check_lab_units``).
    """

    conventional_units: frozenset[tuple[str, str, str]] = frozenset()


@dataclass
class Work:
    """Tables under validation, shared by the checks.

    ``text`` holds the stripped text (missing tokens -> NA) and ``typed`` the parsed values; both
    have a 0..n-1 index (the row's position) and ``_row``. ``findings`` grows as checks run;
    ``dates`` keeps the date parser's details (``partial``, ``serial``) per (table, column).
    ``context`` holds what the checks need from the whole study.
    """

    text: dict[str, pd.DataFrame]
    typed: dict[str, pd.DataFrame]
    findings: list[pd.DataFrame] = field(default_factory=list)
    dates: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    synonyms: pd.DataFrame | None = None
    context: Context | None = None


RULES: dict[str, Rule] = {}
CHECKS: list[tuple[Rule, Callable[[Work], pd.DataFrame | None]]] = []


def define_rule(id: str, severity: Severity, description: str, tables=(), stage=0) -> Rule:
    """Add a rule to the registry (for rules emitted by a step rather than a check)."""
    RULES[id] = Rule(id, severity, description, tuple(tables), stage)
    return RULES[id]


def rule(id: str, severity: Severity, description: str, tables=(), *, stage: int):
    """Decorator: register ``check_*`` as the check of rule ``id`` at ``stage``."""

    def register(check):
        CHECKS.append((define_rule(id, severity, description, tables, stage), check))
        check.rule = RULES[id]
        return check

    return register


def ordered_rules() -> list[Rule]:
    """Every rule in the order its check runs (by stage, then registration)."""
    return sorted(RULES.values(), key=lambda r: r.stage)


def ordered_checks() -> list[tuple[Rule, Callable[[Work], pd.DataFrame | None]]]:
    """Every check in run order."""
    return sorted(CHECKS, key=lambda pair: pair[0].stage)


for _id, (_severity, _description) in {**READ_RULES, **MAPPING_RULES}.items():
    define_rule(_id, _severity, _description)


_EMPTY = pd.DataFrame({c: pd.Series(dtype="object") for c in (*FINDING_COLUMNS, "_pos")})


def make_findings(
    rule_id: str,
    table: str,
    frame: pd.DataFrame,
    mask: pd.Series,
    column: str | None,
    message: str,
    values: pd.Series | None = None,
    extra: pd.Series | None = None,
) -> pd.DataFrame:
    """Findings of ``rule_id`` for the rows of ``frame`` where ``mask`` is True.

    ``message`` is a template filled per row with ``{table}``, ``{row}``, ``{column}``,
    ``{value}`` (the text value, or ``values`` when given), ``{extra}`` (from ``extra``, e.g.
    the row a duplicate repeats) and ``{rule}``.
    """
    flags = mask.to_numpy(dtype=bool, na_value=False)
    if not flags.any():
        return _EMPTY.copy()
    index = mask.index[flags]
    source = values if values is not None else (frame[column] if column in frame else None)
    shown = (
        source.loc[index].astype("string")
        if source is not None
        else pd.Series(pd.NA, index=index, dtype="string")
    )
    rows = frame.loc[index, "_row"].astype("Int64")
    extras = extra.loc[index] if extra is not None else [""] * len(index)
    severity = RULES[rule_id].severity
    messages = [
        message.format(
            table=table, row=r, column=column, value="" if pd.isna(v) else v, extra=x, rule=rule_id
        )
        + f" (rule {rule_id})"
        for r, v, x in zip(rows, shown, extras, strict=True)
    ]
    return pd.DataFrame(
        {
            "table": table,
            "row": rows.to_numpy(),
            "column": column,
            "value": shown.to_numpy(dtype=object),
            "rule": rule_id,
            "severity": severity,
            "message": messages,
            "_pos": index.to_numpy(),
        }
    )


def rules_table() -> pd.DataFrame:
    """The registry as a table: ``rule, severity, tables, description`` in check order."""
    return pd.DataFrame(
        [(r.id, r.severity, ", ".join(r.tables) or "all", r.description) for r in ordered_rules()],
        columns=["rule", "severity", "tables", "description"],
    )


__all__ = [
    "FINDING_COLUMNS",
    "RULES",
    "Context",
    "Rule",
    "Work",
    "define_rule",
    "make_findings",
    "ordered_checks",
    "ordered_rules",
    "rule",
]
