"""The rules of one row, of one table and across tables, as set-based SQL over a staged table.

``stage_checked`` joins every row of ``raw.<table>`` to the lookups of its values
(``oncorwe.validate.value_rules``) in one pass: ``work."wide:<table>"`` holds each column's
checked text, typed value and lookup key; ``checked.<table>`` and ``typed.<table>`` are views of
it. Every other rule is then one ``INSERT INTO work.findings ... SELECT`` generated from the
contract (``oncorwe.io.schema``: required columns, conditional requirements, one-of groups, date
columns) and from the message templates of the checks, so a finding is the same whether a table
was checked in memory (``validate_tables``) or here.
"""

from __future__ import annotations

from string import Formatter

import duckdb

from oncorwe.io.schema import TABLES
from oncorwe.io.staging import quote
from oncorwe.validate import checks_columns
from oncorwe.validate.rules import RULES, ordered_rules
from oncorwe.validate.value_rules import (
    cleaned_sql,
    lab_test_key,
    literal,
    looked_up,
    lookup_join,
    typed_field,
)


class Staged:
    """The SQL names of one staged table's columns: checked text, typed value, lookup key."""

    def __init__(self, name: str, present: list[str], looked: list[str], study=None) -> None:
        self.name, self.present, self.looked = name, present, set(looked)
        # the staged columns of every table of the study (cross-table rules read them)
        self.study: dict[str, list[str]] = study if study is not None else {name: present}
        self.pending: list[str] = []  # the SELECTs of findings not yet inserted

    def insert_pending(self, con: duckdb.DuckDBPyConnection) -> None:
        """Insert every pending finding into ``work.findings`` in one statement."""
        if self.pending:
            con.execute("INSERT INTO work.findings " + " UNION ALL ".join(self.pending))
        self.pending = []

    def text(self, column: str) -> str:
        return f"w.{quote(column)}"

    def typed(self, column: str) -> str:
        return f"w.{quote('_typed:' + column)}" if column in self.looked else self.text(column)

    def has(self, *columns: str) -> bool:
        return all(c in self.present for c in columns)


def stage_checked(
    con: duckdb.DuckDBPyConnection, name: str, present: list[str], study=None
) -> Staged:
    """Create ``work."wide:<name>"`` and the views ``checked.<name>``, ``typed.<name>``;
    ``present``: the staged columns of ``raw.<name>`` but ``_row``; ``study``: those of every
    staged table."""
    columns = looked_up(name, present)
    looked = {c.name for c in columns}
    selected, joins, typed = ["r._row"], [], ["_row"]
    for k, col in enumerate(columns):
        alias, column = f"l{k}", col.name
        test = lab_test_key(name, column, present, "r.")
        joins.append(lookup_join(name, column, alias, f"r.{quote(column)}", test))
        selected += [
            f"{alias}.text AS {quote(column)}",
            f"{alias}.{quote(typed_field(col))} AS {quote('_typed:' + column)}",
            f"{alias}.k AS {quote('_k:' + column)}",
        ]
        if col.type == "date" and col.partial_date:
            selected.append(f"{alias}.imputed AS {quote('_imputed:' + column)}")
    plain = [c for c in present if c not in looked]  # cleaned in the subquery (cleaned_sql)
    selected += [f"r.{quote(c)} AS {quote(c)}" for c in plain]
    for column in present:
        typed.append(
            f"{quote('_typed:' + column)} AS {quote(column)}" if column in looked else quote(column)
        )
    flags = [c.name for c in columns if c.type == "date" and c.partial_date]
    for column in flags:
        flag = f"{quote('_imputed:' + column)} AS {quote(column + '_imputed')}"
        if column + "_imputed" in present:  # an input column of that name is replaced in place
            typed[typed.index(quote(column + "_imputed"))] = flag
        else:
            typed.append(flag)
    wide = f"work.{quote('wide:' + name)}"
    source = cleaned_sql(f"raw.{quote(name)}", plain, sorted(looked))
    # row order is not kept here (every reader orders by _row): DuckDB then streams the rows
    # instead of buffering them, which keeps wide tables within the memory limit. DuckDB's
    # in_clause optimizer would make each column's list of missing tokens a join of its own:
    # twice the time per row, and planning time that grows with the square of the columns
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET disabled_optimizers = 'in_clause'")
    try:
        con.execute(
            f"CREATE TABLE {wide} AS SELECT {', '.join(selected)} FROM {source} r "
            + " ".join(joins)
        )
    finally:
        con.execute("SET preserve_insertion_order = true")
        con.execute("RESET disabled_optimizers")
    for schema, wanted in (("checked", ["_row", *map(quote, present)]), ("typed", typed)):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE VIEW {schema}.{quote(name)} AS SELECT {', '.join(wanted)} FROM {wide}")
    return Staged(name, present, sorted(looked), study)


def message_sql(template: str, name: str, column: str | None, value: str, extra: str, rule: str):
    """SQL of ``make_findings``' message: ``template`` filled per row, then ``(rule <id>)``."""
    constants = {"table": name, "column": column, "rule": rule}
    parts = []
    for text, field, _spec, _conversion in Formatter().parse(template):
        if text:
            parts.append(literal(text))
        if field in constants:
            parts.append(literal(constants[field]))
        elif field == "row":
            parts.append("CAST(w._row AS VARCHAR)")
        elif field == "value":
            parts.append(f"coalesce({value}, '')")
        elif field == "extra":
            parts.append(f"coalesce(CAST({extra} AS VARCHAR), '<NA>')")
    parts.append(literal(f" (rule {rule})"))
    return " || ".join(parts)


def _order(rule: str) -> int:
    return next(k for k, r in enumerate(ordered_rules()) if r.id == rule)


def insert_findings(
    con,
    staged: Staged,
    rule,
    column,
    where,
    template,
    *,
    value=None,
    extra="NULL",
    source="",
    seq=0,
):
    """Add the findings of ``rule`` for the rows of ``staged`` where ``where`` holds (to the
    findings ``staged`` inserts at once, ``Staged.insert_pending``)."""
    name = staged.name
    if value is None:
        value = staged.text(column) if column in staged.present else "NULL"
    message = message_sql(template, name, column, value, extra, rule)
    staged.pending.append(
        f"SELECT {literal(name)}, w._row, "
        f"{literal(column) if column else 'NULL'}, {value}, {literal(rule)}, "
        f"{literal(RULES[rule].severity)}, {message}, {_order(rule)}, {seq} "
        f"FROM work.{quote('wide:' + name)} w {source} WHERE {where}"
    )


def value_findings(con, staged: Staged) -> None:
    """The findings of every value rule, given to the rows holding the value."""
    if not staged.looked:
        return
    name = staged.name
    parts = [
        f"SELECT {literal(name)}, w._row, f.column, f.value, f.rule, f.severity, "
        f"{literal(name + ' row ')} || CAST(w._row AS VARCHAR) || f.suffix, f._order, f._seq "
        f"FROM work.{quote('wide:' + name)} w JOIN work.value_findings f "
        f"ON f.k = w.{quote('_k:' + column)} AND f.column = {literal(column)} "
        f"AND f.table = {literal(name)}"
        for column in sorted(staged.looked, key=TABLES[name].column_names.index)
    ]
    staged.pending += parts


def required_findings(con, staged: Staged) -> None:
    """``column.required``: empty values in required columns."""
    for index, col in enumerate(TABLES[staged.name].columns):
        if col.required == "yes" and col.name in staged.present:
            insert_findings(
                con,
                staged,
                "column.required",
                col.name,
                f"{staged.text(col.name)} IS NULL",
                checks_columns.REQUIRED_MESSAGE,
                seq=index,
            )
