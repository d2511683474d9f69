"""Propose a mapping from a source: ``oncorwe map SOURCE --out mapping.toml``.

Steps, per source table (sheet): read a sample of rows; mark identifier-like columns drop
(``detect_identifiers``); read numbered groups as templates (``match.templates``); rank the
contract columns each column may map to (``match.rank``), and let the sheet's clear matches
decide between tables (an ``评估日期`` column belongs to lesions on a sheet of lesion
measurements, to tumour assessments on a sheet of responses); give each contract column the
best source column; make ``[[map]]`` blocks (one per table, repeated group and response
criteria) with value maps (``values``) and constants where the source has none (``RT{n}``
course ids, the drug class from the drug). What cannot be placed is listed with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from oncorwe.io.mapping.convert import guess_date_order
from oncorwe.io.mapping.match import (
    EXACT,
    Candidate,
    group_header,
    header_candidates,
    rank,
    templates,
)
from oncorwe.io.mapping.spec import PLACEHOLDER
from oncorwe.io.mapping.tables import open_named_tables
from oncorwe.io.mapping.values import value_map
from oncorwe.io.mapping.vocabulary import GROUP_NUMBER, Target
from oncorwe.io.schema import TABLES

SAMPLE_ROWS = 2000  # rows read per sheet to propose a mapping
IDENTIFIER_SAMPLE = 300  # values per column checked for identifiers
SAMPLES_SHOWN = 3
# (frame, table=...) -> one row per identifier-like column, with columns column and kind
IdentifierDetector = Callable[..., pd.DataFrame]
TABLE_VOTE = 0.1  # weight of the sheet's clear matches when a header fits several tables


@dataclass(frozen=True)
class Placed:
    """A source column (or numbered group template) placed on a contract column."""

    header: str
    letters: str
    target: Target
    score: float
    how: str
    instances: tuple[int, ...] = ()
    samples: tuple[str, ...] = ()


@dataclass
class SheetPlan:
    """What the proposal found on one source table."""

    name: str
    header_row: int
    hidden: bool = False
    dropped: list[tuple[str, str, str]] = field(default_factory=list)  # header, letter, kind
    unplaced: list[tuple[str, str, str]] = field(default_factory=list)  # header, letter, why
    placed: list[Placed] = field(default_factory=list)
    key: Placed | None = None


@dataclass
class ProposedBlock:
    """One ``[[map]]`` block: columns as (contract column, source header or constant,
    comment), value maps, date orders, ``rows_when`` and required columns still missing."""

    sheet: str
    table: str
    instances: tuple[int, ...]
    columns: list[tuple[str, str | dict, str]] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    rows_when: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class Proposal:
    source: str
    sheets: list[SheetPlan]
    blocks: list[ProposedBlock]
    redcap_dictionary: Path | None = None


def propose_mapping(
    path: str | Path,
    encoding: str | None = None,
    *,
    detect_identifiers: IdentifierDetector,
    redcap_dictionary: str | Path | None = None,
) -> Proposal:
    """Propose a mapping of the source at ``path`` onto the contract (module docstring).

    ``detect_identifiers`` is the privacy layer's detector
    (``oncorwe.privacy.identifiers.detect_identifiers``): the caller hands it in because
    ``io`` sits below ``privacy`` in the layer order, and the rules live in one place there.
    ``redcap_dictionary``: ``path`` is a REDCap export read through this data dictionary.
    """
    path = Path(path)
    dictionary = Path(redcap_dictionary) if redcap_dictionary is not None else None
    with open_named_tables(
        path, encoding, SAMPLE_ROWS, max_rows=SAMPLE_ROWS, redcap_dictionary=dictionary
    ) as tables:
        samples = {name: _sample(s.chunks) for name, s in tables.streams.items()}
        plans = [
            _plan_sheet(
                name,
                samples[name],
                tables.header_rows[name],
                tables.letters[name],
                detect_identifiers,
            )
            for name in tables.streams
        ]
        for plan in plans:
            plan.hidden = plan.name in tables.hidden
    blocks = []
    for plan in plans:
        if plan.hidden:
            plan.unplaced = [(h, letter, "the sheet is hidden") for h, letter, _ in plan.unplaced]
            continue
        blocks += _blocks(plan, samples[plan.name])
    return Proposal(path.name, plans, blocks, dictionary)


def _sample(chunks) -> pd.DataFrame:
    """The first ``SAMPLE_ROWS`` rows of one table. A table split out of a larger file (a
    REDCap instrument of a one-file export) may come in chunks that each hold only a few of its
    rows, so chunks are read until the sample is full or the table ends."""
    frames, rows = [], 0
    for chunk in chunks:
        frames.append(chunk)
        rows += len(chunk)
        if rows >= SAMPLE_ROWS:
            break
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True).head(SAMPLE_ROWS)


def _identifiers(frame: pd.DataFrame, detect_identifiers: IdentifierDetector) -> dict[str, str]:
    """Identifier columns by header (all) and by value (those whose header is not an exact
    contract word, and the patient-number candidates, which may hold record numbers)."""
    known = {h for h in frame.columns if _exact_non_key(h)}
    by_value = frame[[c for c in frame.columns if c not in known]].head(IDENTIFIER_SAMPLE)
    by_name = frame[[c for c in frame.columns if c in known]].head(0)
    found = pd.concat(
        [detect_identifiers(by_value, table="_none_"), detect_identifiers(by_name, table="_none_")]
    )
    return dict(zip(found["column"], found["kind"], strict=True))


def _exact_non_key(header: str) -> bool:
    candidates = header_candidates(GROUP_NUMBER.sub("", header))
    return bool(candidates) and all(
        c.score >= EXACT and c.target.column != "patient_id" for c in candidates
    )


def _plan_sheet(
    name: str,
    frame: pd.DataFrame,
    header_row: int,
    letters: dict,
    detect_identifiers: IdentifierDetector,
) -> SheetPlan:
    headers = [c for c in frame.columns if c not in ("_row", "_extra")]
    plan = SheetPlan(name, header_row)
    flagged = _identifiers(frame[headers], detect_identifiers)
    plan.dropped = [(h, letters[h], k) for h, k in flagged.items()]
    numbered = templates([h for h in headers if h not in flagged])
    units: dict[str, list[str]] = {}
    for header in headers:
        if header not in flagged:
            units.setdefault(numbered[header][0] if header in numbered else header, []).append(
                header
            )
    ranked = {
        unit: rank(
            group_header(unit, unit if unit not in members else None), _values(frame, members)
        )
        for unit, members in units.items()
    }
    votes = _votes(ranked)
    taken: dict[tuple, Placed] = {}
    for unit, members in units.items():
        candidates = ranked[unit]
        spans = ", ".join(letters[h] for h in members)
        if not candidates:
            plan.unplaced.append((unit, spans, "no contract column matches this header"))
            continue
        best = max(candidates, key=lambda c: c.score + votes.get(c.target.table, 0.0))
        instances = tuple(numbered[h][1] for h in members) if unit not in members else ()
        placed = Placed(
            unit, spans, best.target, best.score, best.how, instances, _samples(frame, members)
        )
        slot = (best.target, instances)
        if slot in taken and taken[slot].score >= best.score:
            plan.unplaced.append((unit, spans, _taken(best, taken[slot])))
            continue
        if slot in taken:
            old = taken[slot]
            plan.unplaced.append((old.header, old.letters, _taken(best, placed)))
        taken[slot] = placed
    keys = [p for p in taken.values() if p.target.column == "patient_id" and not p.instances]
    plan.key = max(keys, key=lambda p: p.score) if keys else None
    plan.placed = [p for p in taken.values() if p.target.column != "patient_id"]
    for extra in [p for p in keys if p is not plan.key]:
        plan.unplaced.append((extra.header, extra.letters, "another column is the patient key"))
    return plan


def _taken(candidate: Candidate, winner: Placed) -> str:
    t = candidate.target
    return (
        f"also looks like {t.table}.{t.column}, which '{winner.header}' fits better "
        f"({winner.score:.2f})"
    )


def _values(frame: pd.DataFrame, headers: list[str]) -> pd.Series:
    parts = [frame[h].dropna() for h in headers]
    return pd.concat(parts, ignore_index=True) if parts else pd.Series(dtype="string")


def _samples(frame: pd.DataFrame, headers: list[str]) -> tuple[str, ...]:
    values = _values(frame, headers).astype(str)
    return tuple(pd.unique(values)[:SAMPLES_SHOWN])


def _votes(ranked: dict[str, list[Candidate]]) -> dict[str, float]:
    """Per table, the share of the sheet's unambiguous matches (times ``TABLE_VOTE``)."""
    votes: Counter = Counter()
    for candidates in ranked.values():
        if not candidates:
            continue
        top = {c.target.table for c in candidates if c.score == candidates[0].score}
        if len(top) == 1 and "*" not in top:
            votes[top.pop()] += candidates[0].score
    total = sum(votes.values()) or 1.0
    return {table: TABLE_VOTE * v / total for table, v in votes.items()}


def _blocks(plan: SheetPlan, frame: pd.DataFrame) -> list[ProposedBlock]:
    if plan.key is None:
        for p in plan.placed:
            plan.unplaced.append(
                (
                    p.header,
                    p.letters,
                    f"{p.target.table}.{p.target.column}, but the sheet "
                    "has no patient number column to link its rows",
                )
            )
        plan.placed = []
        return []
    groups: dict[tuple[str, tuple[int, ...]], list[Placed]] = {}
    for p in plan.placed:
        groups.setdefault((p.target.table, p.instances), []).append(p)
    order = list(TABLES)
    blocks = []
    for (table, instances), members in sorted(groups.items(), key=lambda g: order.index(g[0][0])):
        fixed = [p for p in members if p.target.fixed]
        plain = [p for p in members if not p.target.fixed]
        variants: dict[tuple[str, str], list[Placed]] = {}
        for p in fixed:
            variants.setdefault(p.target.fixed, []).append(p)
        for variant, extra in variants.items() or [(None, [])]:
            block = _block(plan, frame, table, instances, plain + extra, variant)
            blocks.append(block)
    return blocks


def _block(plan, frame, table, instances, members, variant) -> ProposedBlock:
    block = ProposedBlock(plan.name, table, instances)
    key = plan.key
    block.columns.append(("patient_id", key.header, _comment(key)))
    for p in members:
        block.columns.append((p.target.column, p.header, _comment(p)))
        headers = _expand(p)
        values = _values(frame, headers)
        mapped = value_map(TABLES[table].column(p.target.column), values)
        if mapped is not None:
            block.values[p.target.column] = mapped
        if TABLES[table].column(p.target.column).type == "date":
            order = guess_date_order(values)
            if order:
                block.dates[p.target.column] = order
    if variant is not None:
        block.columns.append((variant[0], {"value": variant[1]}, "from the column's header"))
        block.rows_when = [p.header for p in members if p.target.fixed == variant]
    _derived(block, members, frame)
    given = {c for c, _, _ in block.columns}
    block.missing = [c for c in TABLES[table].expected_columns if c not in given]
    return block


def _expand(p: Placed) -> list[str]:
    if not p.instances:
        return [p.header]
    return [p.header.replace(PLACEHOLDER, str(k)) for k in p.instances]


def _derived(block: ProposedBlock, members: list[Placed], frame: pd.DataFrame) -> None:
    """Constants and columns the source does not hold but the contract needs."""
    given = {c for c, _, _ in block.columns}
    if block.table == "radiotherapy" and "course_id" not in given:
        value = f"RT{PLACEHOLDER}" if block.instances else "RT1"
        block.columns.append(("course_id", {"value": value}, "numbered by course"))
    if block.table == "tumor_assessments" and "criteria" not in given:
        block.columns.append(
            ("criteria", {"value": "RECIST1.1"}, "CHECK: the source does not name the criteria")
        )
    agent = next((p for p in members if p.target.column == "agent"), None)
    if block.table == "systemic_therapy" and agent is not None and "drug_class" not in given:
        block.columns.append(("drug_class", agent.header, "from the drug, by the agents table"))
        column = TABLES["systemic_therapy"].column("drug_class")
        mapped = value_map(column, _values(frame, _expand(agent)), by_agent=True)
        if mapped is not None:
            block.values["drug_class"] = mapped


def _comment(p: Placed) -> str:
    shown = ", ".join(s.replace("\n", " ")[:24] for s in p.samples)
    how = "" if p.how == "header" else f"; {p.how}"
    groups = f"; groups {p.instances[0]}..{p.instances[-1]}" if p.instances else ""
    return f"{p.letters}; confidence {p.score:.2f}{how}{groups}; e.g. {shown}"
