"""How the counts of each exported table add up, declared as data (for cell suppression).

Complementary suppression needs to know which cells add up to which totals: a hidden count
that is the only hidden cell of such a sum can be recovered by subtraction. Each table id
declares its sums with a few rule types:

- ``Across``: in every row, a count column is the sum of other count columns (an adverse
  event's any-grade count = its grade bands).
- ``Down``: within each block of rows with equal key columns, in each count column, the row
  with one label is the sum of the rows with other labels (ORR = CR + PR), or the rows add up
  to a total printed elsewhere (the levels of a characteristic and its missing count add up to
  the cohort or group size) or to a count of another table (the subgroups' levels to the
  survival table's n and events).
- ``Steps``: a flow of patients, where each step's remaining patients are the next step's
  remaining plus its excluded (the attrition table and the flow diagram drawn from it).
- ``Repeated``: a column holding one count per block on each of its rows (a characteristic's
  missing count): one cell, hidden on every row or on none.
- ``Percent``: percentage columns that give a count away (their denominator), hidden with it.

``MIRRORS`` declare counts that one table repeats from another (Table 1's overall column
beside it by group, the ORR/DCR rows of the response table side by side, a Cox model's n and
events): such cells are one cell, hidden in both tables or in neither (when they hold the same
count). A sum can have a *remainder*, a count no table prints (the not-evaluable patients);
an *unseen* one (the patients without an event, ``n - events``) is unknown to a reader unless
it is small. A table without a declaration gets
``column_rule``: the cells of each count column add up, within the groups of
``GROUP_KEYS``, to a total printed elsewhere (the rule before relations were declared).

References
----------
.. [1] Hundepool A, Domingo-Ferrer J, Franconi L, et al. Statistical Disclosure Control.
   Wiley 2012, chapters 4 (a table and its marginals as linear relations; linked tables;
   secondary suppression) and 5 (frequency tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

COUNT_COLUMN = re.compile(r"^(n|events|missing|denominator|n_[a-z0-9_]+|[a-z0-9_]+_n)$")
GROUP_KEYS = (
    "characteristic",
    "criteria",
    "confirmed",
    "variable",
    "endpoint",
    "soc",
    "model",
    "scope",
    "group",
)


def count_columns(frame: pd.DataFrame) -> list[str]:
    """The count columns of a tidy table, by name (``n``, ``events``, ``*_n``, ``n_*``)."""
    return [
        c
        for c in frame.columns
        if COUNT_COLUMN.match(str(c)) and pd.api.types.is_numeric_dtype(frame[c])
    ]


@dataclass(frozen=True)
class Across:
    """In every row: ``total`` = the sum of the ``parts`` columns.

    ``remainder``: the total also counts patients in none of the parts (a count the table
    does not show, such as the not-evaluable patients of ``field_response``); it is a cell of
    the sum all the same, and hidden when it is in ``1..min_cell-1``. ``unseen``: a reader
    does not know that remainder when it is larger (the patients without an event, ``n -
    events``): the audit takes it as unknown, so it protects the other cells of its sum.
    """

    total: str
    parts: tuple[str, ...]
    remainder: bool = False
    unseen: bool = False


@dataclass(frozen=True)
class Down:
    """Within each block of rows with equal ``by`` values, in each column of ``columns``
    (default: every count column): the row labelled ``total`` (in column ``label``) = the sum
    of the rows labelled ``parts``.

    ``total=None``: the rows add up to a total printed elsewhere (the cohort or a group's
    size); with ``source``, that total is the same column of the row of table ``source``
    agreeing with the block on ``on`` (when that table is there; else as before). ``parts=None``:
    every row of the block but the total and ``exclude``. ``plus``: a ``Repeated`` column of
    the block that is one more part (the missing count). ``remainder``: as in ``Across``.
    """

    label: str | None
    by: tuple[str, ...] = ()
    total: str | None = None
    parts: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None
    plus: str | None = None
    remainder: bool = False
    source: str | None = None
    on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Steps:
    """A flow of patients, one row per step: ``remaining`` of a step = ``remaining`` of the
    next step + ``excluded`` of the next step. The last step's ``remaining`` is the cohort
    size, printed in every table: it is public and never hidden as a complement."""

    remaining: str
    excluded: str


@dataclass(frozen=True)
class Repeated:
    """``column`` holds one count per block of rows with equal ``by`` values, repeated on each
    row of the block: one cell."""

    column: str
    by: tuple[str, ...]


@dataclass(frozen=True)
class Percent:
    """The ``columns`` of a row (percentages, their CIs) reveal the row's ``of`` count, their
    denominator or part of it: they are hidden when that count is."""

    columns: tuple[str, ...]
    of: str


Relation = Across | Down | Steps


@dataclass(frozen=True)
class Additivity:
    """How one table's counts add up: its relations, repeated columns and revealing
    percentages, with a sentence saying why."""

    description: str
    relations: tuple[Relation, ...] = ()
    repeated: tuple[Repeated, ...] = ()
    percents: tuple[Percent, ...] = ()


@dataclass(frozen=True)
class Mirror:
    """Table ``table`` repeats counts of table ``source``: on the rows that agree on ``on``
    (those of the keys both tables have; a key is a column name or a pair (column, source
    column); ``on=()``: every pair of rows), with the rows of ``table`` restricted to
    ``rows`` and the source's to ``source_rows``, each pair of ``columns`` (column, source
    column) holds the same count. A pair of cells whose counts differ is no mirror (the
    table counted other patients, such as a model fitted on complete cases)."""

    description: str
    table: str
    source: str
    on: tuple[str | tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...]
    source_rows: tuple[tuple[str, object], ...] = ()
    rows: tuple[tuple[str, object], ...] = ()


def column_rule(frame: pd.DataFrame) -> Additivity:
    """The relations assumed for a table nobody declared: within each group of rows with
    equal ``GROUP_KEYS`` (those the table has), each count column adds up to a total printed
    elsewhere. A group of one row is no relation."""
    keys = tuple(k for k in GROUP_KEYS if k in frame.columns)
    return Additivity(
        "undeclared: each count column adds up within its groups",
        (Down(label=None, by=keys),),
    )


# The labels below are those the analysis writes into its tables. They are written here as
# data because privacy sits below analysis (it may not import it); tests/privacy/
# test_additivity.py checks that they agree with the analysis's own constants.
OVERALL = "Overall"  # the all-patients group of a table by group (analysis.compare)
# Best overall response: responders (ORR) within disease control (DCR) within all patients:
# RECIST 1.1 / mRECIST (analysis.summarize OBJECTIVE, DISEASE_CONTROL) and iRECIST
# (derive.irecist_bor IRECIST_RESPONDER, IRECIST_DISEASE_CONTROL) categories.
RESPONDER_CATEGORIES = ("CR", "PR", "iCR", "iPR")
CONTROL_CATEGORIES = ("SD", "NON-CR/NON-PD", "iSD", "NON-iCR/NON-iUPD")
_RESPONSE_BLOCK = ("criteria", "confirmed")
# the SBRT label of Table 1's treatment part and of the eqd2 table
# (oncorwe.analysis.describe, oncorwe.analysis.radiotherapy_outcomes.eqd2_table)
SBRT = "SBRT (>= 5 Gy per fraction)"
_CHARACTERISTICS = Additivity(
    "the levels of a characteristic and its missing count add up to the cohort size; the "
    "percentages are of the patients with a value (cohort size - missing)",
    relations=(Down(label="level", by=("characteristic",), columns=("n",), plus="missing"),),
    repeated=(Repeated("missing", ("characteristic",)),),
    percents=(Percent(("pct",), of="missing"),),
)
# patients without an event: a count no table prints, small when nearly every patient had one
_WITHOUT_EVENT = Across(total="n", parts=("events",), remainder=True, unseen=True)
_ADVERSE_EVENTS = (
    # CTCAE bands of the worst grade: any = 1-2 + 3 or worse; 3 or worse = 3-4 + 5
    Across(total="any_n", parts=("grade1_2_n", "grade3plus_n")),
    Across(total="grade3plus_n", parts=("grade3_4_n", "grade5_n")),
)

ADDITIVITY: dict[str, Additivity] = {
    "attrition": Additivity(
        "each step keeps the patients of the step before less those it excludes",
        relations=(Steps(remaining="n_remaining", excluded="n_excluded"),),
    ),
    "baseline": _CHARACTERISTICS,
    "treatment": _CHARACTERISTICS,
    "baseline_by_group": Additivity(
        "levels and missing add up to each group's size; the overall column is the sum of "
        "the groups (and of patients in none)",
        relations=(
            Down(label="level", by=("characteristic", "group"), columns=("n",), plus="missing"),
            Down(
                label="group",
                by=("characteristic", "level"),
                total=OVERALL,
                columns=("n", "missing"),
                remainder=True,
            ),
        ),
        repeated=(Repeated("missing", ("characteristic", "group")),),
        percents=(Percent(("pct",), of="missing"),),
    ),
    "response": Additivity(
        "per criteria: ORR = responders; DCR = ORR + stable disease; DCR and the other "
        "categories add up to the cohort size",
        relations=(
            Down(label="category", by=_RESPONSE_BLOCK, total="ORR", parts=RESPONDER_CATEGORIES),
            Down(
                label="category",
                by=_RESPONSE_BLOCK,
                total="DCR",
                parts=("ORR", *CONTROL_CATEGORIES),
            ),
            Down(
                label="category",
                by=_RESPONSE_BLOCK,
                exclude=("ORR", *RESPONDER_CATEGORIES, *CONTROL_CATEGORIES),
            ),
        ),
    ),
    "field_response": Additivity(
        "per scope: evaluable = ORR + SD + PD + not evaluable (not shown); ORR = CR + PR",
        relations=(
            Across(total="n_evaluable", parts=("orr_n", "sd_n", "pd_n"), remainder=True),
            Across(total="orr_n", parts=("cr_n", "pr_n")),
        ),
        percents=(Percent(("orr_pct", "orr_ci_lower", "orr_ci_upper"), of="n_evaluable"),),
    ),
    "eqd2": Additivity(
        "all patients = SBRT + conventional (oncorwe.analysis.radiotherapy_outcomes.eqd2_table); "
        "n = BED10 of 100 Gy or more + below 100 Gy (not shown)",
        relations=(
            Down(
                label="group",
                total="All patients",
                columns=("n", "bed_ge_100_n"),
                remainder=True,
            ),
            Across(total="n", parts=("bed_ge_100_n",), remainder=True, unseen=True),
        ),
    ),
    "survival": Additivity(
        "per endpoint: n = events + patients without an event (not shown)",
        relations=(_WITHOUT_EVENT,),
    ),
    "subgroups": Additivity(
        "per endpoint and variable: the levels add up to the survival table's n and events "
        "(and patients without a value, not shown); n = events + patients without an event",
        relations=(
            _WITHOUT_EVENT,
            Down(
                label=None,
                by=("endpoint", "variable"),
                columns=("n", "events"),
                remainder=True,
                source="survival",
                on=("endpoint",),
            ),
        ),
    ),
    "cox": Additivity(
        "n = events + patients without an event (n and events repeat the survival table's)",
        relations=(_WITHOUT_EVENT,),
    ),
    "duration_of_response": Additivity(
        "per criteria: responders = events + responders without an event (not shown)",
        relations=(Across(total="n_responders", parts=("events",), remainder=True, unseen=True),),
    ),
    "adverse_events": Additivity(
        "grade bands of each term; terms overlap (a patient has several), so rows do not add",
        relations=_ADVERSE_EVENTS,
    ),
    "adverse_events_by_soc": Additivity(
        "grade bands of each term and organ class; rows do not add (patients overlap)",
        relations=_ADVERSE_EVENTS,
    ),
    "response_by_criteria": Additivity("ORR and DCR per criteria: no sum within the table"),
}

MIRRORS = (
    Mirror(
        "Table 1 is the overall column of Table 1 by group",
        table="baseline",
        source="baseline_by_group",
        on=("characteristic", "level"),
        columns=(("n", "n"), ("missing", "missing")),
        source_rows=(("group", OVERALL),),
    ),
    Mirror(
        "the ORR rows of the response table, side by side",
        table="response_by_criteria",
        source="response",
        on=_RESPONSE_BLOCK,
        columns=(("orr_n", "n"),),
        source_rows=(("category", "ORR"),),
    ),
    Mirror(
        "the DCR rows of the response table, side by side",
        table="response_by_criteria",
        source="response",
        on=_RESPONSE_BLOCK,
        columns=(("dcr_n", "n"),),
        source_rows=(("category", "DCR"),),
    ),
    Mirror(
        "each term's row again under its organ class",
        table="adverse_events",
        source="adverse_events_by_soc",
        on=("term",),
        columns=tuple(
            (c, c) for c in ("any_n", "grade1_2_n", "grade3_4_n", "grade5_n", "grade3plus_n")
        ),
    ),
    Mirror(
        "each Cox model's n and events are the survival table's for its endpoint",
        table="cox",
        source="survival",
        on=("endpoint",),
        columns=(("n", "n"), ("events", "events")),
    ),
    *(
        Mirror(
            f"a subgroup's n is the level's count in {source} (all patients of the endpoint)",
            table="subgroups",
            source=source,
            on=(("label", "characteristic"), "level"),
            columns=(("n", "n"),),
        )
        for source in ("baseline", "treatment")
    ),
    *(
        Mirror(
            f"eqd2's {group} row counts the treatment table's SBRT {level!r} patients",
            table="eqd2",
            source="treatment",
            on=(),
            columns=(("n", "n"),),
            rows=(("group", group),),
            source_rows=(("characteristic", SBRT), ("level", level)),
        )
        for group, level in ((SBRT, "Yes"), ("Conventional", "No"))
    ),
    Mirror(
        "the responders of the duration of response are the unconfirmed ORR count",
        table="duration_of_response",
        source="response",
        on=("criteria",),
        columns=(("n_responders", "n"),),
        source_rows=(("category", "ORR"), ("confirmed", False)),
    ),
)


def additivity_of(name: str | None, frame: pd.DataFrame) -> Additivity:
    """The declaration of table ``name``, or ``column_rule(frame)`` when there is none."""
    return ADDITIVITY[name] if name in ADDITIVITY else column_rule(frame)
