"""Write a proposed mapping as a commented TOML file, meant to be read, edited and kept with
the study (the format: ``oncorwe.io.mapping.spec``; docs/mapping.md).

Written by hand rather than with a TOML library, so that every line can carry its comment: the
source column letter, the confidence, sample values, why a column was not placed. Identifier
columns are listed by header only; their values are never written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from oncorwe.io.mapping.propose import Proposal, ProposedBlock, SheetPlan
from oncorwe.io.mapping.spec import FORMAT

HEADER = """\
# oncorwe mapping: {source} -> the oncorwe data contract (docs/data_dictionary.md)
# Proposed by `oncorwe map` on {day}. Read it, correct it, keep it with the study, then:
#   oncorwe validate {source} --mapping THIS_FILE
#   oncorwe run --data {source} --mapping THIS_FILE --out results/
# Each [[map]] block makes rows of one contract table from one sheet:
#   contract_column = "source header"   # column letter; confidence; sample values
#   contract_column = {{ value = "constant" }}
#   "{{n}}" in a header stands for the group number 1, 2, ... listed in instances.
# [map.values.<column>]: "source word" = "contract value". An empty value ("") is a word that
# could not be matched: fill it in; until then its rows are quarantined with a finding.
# Format: docs/mapping.md.
"""


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(text), ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def render_mapping(
    proposal: Proposal, day: dt.date | None = None, folder: Path | None = None
) -> str:
    """The mapping file's text; ``folder`` is where it is written (a REDCap data dictionary is
    named relative to it)."""
    day = day or dt.date.today()
    lines = [HEADER.format(source=proposal.source, day=day.isoformat())]
    lines += ["[mapping]", f"format = {FORMAT}", f"source = {toml_string(proposal.source)}"]
    if proposal.redcap_dictionary is not None:
        where = _relative(proposal.redcap_dictionary, folder or Path.cwd())
        lines.append(
            f"redcap_dictionary = {toml_string(where)}   # the export is read through it; "
            "relative to this file's folder"
        )
    lines.append("")
    for plan in proposal.sheets:
        lines += _sheet(plan)
    for block in proposal.blocks:
        lines += _block(block)
    return "\n".join(lines).rstrip() + "\n"


def write_mapping(proposal: Proposal, path: str | Path, day: dt.date | None = None) -> Path:
    """Write the proposal to ``path`` (UTF-8)."""
    path = Path(path)
    path.write_text(render_mapping(proposal, day, path.parent), encoding="utf-8")
    return path


def _relative(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` (forward slashes), absolute when that cannot be done
    (another drive)."""
    try:
        return Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix()
    except ValueError:
        return target.resolve().as_posix()


def _sheet(plan: SheetPlan) -> list[str]:
    lines = [f"[sheets.{toml_string(plan.name)}]"]
    if plan.hidden:
        lines.append("# this sheet is HIDDEN in the workbook; it is not mapped")
    lines.append(f"header_row = {plan.header_row}")
    if plan.dropped:
        lines.append("# identifier columns: never read into the study (values not shown)")
        for header, letter, kind in plan.dropped:
            lines.append(f"#   {letter} {toml_string(header)}: looks like {kind.replace('_', ' ')}")
        names = ", ".join(toml_string(h) for h, _, _ in plan.dropped)
        lines.append(f"drop = [{names}]")
    if plan.unplaced:
        lines.append("# not placed (not read; map them in a block, or list them in ignore):")
        for header, letter, why in plan.unplaced:
            lines.append(f"#   {letter} {toml_string(header)}: {_comment(why)}")
    lines += ["ignore = []", ""]
    return lines


def _block(block: ProposedBlock) -> list[str]:
    lines = [
        "[[map]]",
        f"sheet = {toml_string(block.sheet)}",
        f"table = {toml_string(block.table)}",
    ]
    if block.instances:
        numbers = ", ".join(str(k) for k in block.instances)
        lines.append(f"instances = [{numbers}]   # numbered groups: {{n}} in the headers below")
    if block.rows_when:
        names = ", ".join(toml_string(h) for h in block.rows_when)
        lines.append(f"rows_when = [{names}]   # a row only where one of these has a value")
    for column in block.missing:
        lines.append(
            f"# MISSING: {block.table}.{column} is required and no source column was found; "
            "add it to [map.columns]"
        )
    lines.append("[map.columns]")
    width = max(len(c) for c, _, _ in block.columns)
    for column, spec, comment in block.columns:
        value = (
            toml_string(spec)
            if isinstance(spec, str)
            else f"{{ value = {toml_string(spec['value'])} }}"
        )
        lines.append(f"{column.ljust(width)} = {value}   # {_comment(comment)}")
    for column, table in block.values.items():
        lines.append(f"[map.values.{column}]")
        unmatched = [k for k, v in table.items() if v == ""]
        if unmatched:
            lines.append(f"# {len(unmatched)} value(s) not matched: write the contract value")
        for word, value in table.items():
            note = "   # NOT MATCHED" if value == "" else ""
            lines.append(f"{toml_string(word)} = {toml_string(value)}{note}")
    if block.dates:
        lines.append("[map.dates]   # order of day and month in text dates such as 03/04/2020")
        for column, order in block.dates.items():
            lines.append(f"{column} = {toml_string(order)}")
    lines.append("")
    return lines
