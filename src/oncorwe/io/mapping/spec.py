"""A mapping file: how the tables of a source become the contract's tables, as data.

A mapping is a TOML file (written by ``oncorwe map``, edited and kept with the study; see
docs/mapping.md). Each ``[[map]]`` block makes rows of one contract table from one source table
(sheet): ``[map.columns]`` names, for each contract column, the source column it comes from (a
header; ``{n}`` in it stands for the number of a repeated group such as ``不良反应{n}`` with
``instances = [1, 2, 3]``) or a constant (``{ value = "RT{n}" }``); ``[map.values.<column>]``
maps the source's words to the contract's (``"男" = "M"``); ``[map.dates]`` states the order of
day and month in text dates (``"DMY"`` or ``"MDY"``). ``[sheets."<name>"]`` holds the header row
and the columns dropped (identifiers) or deliberately not used. For a REDCap export,
``[mapping] redcap_dictionary`` names the project's data dictionary (a path relative to the
mapping file's folder) through which the export is read.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from oncorwe.errors import InputError
from oncorwe.io.schema import TABLES

FORMAT = 1
DATE_ORDERS = ("DMY", "MDY", "YMD")
PLACEHOLDER = "{n}"


@dataclass(frozen=True)
class ColumnRule:
    """One contract column of a block: from a source column (``source``, may hold ``{n}``) or a
    constant (``constant``, may hold ``{n}``); ``values`` maps source words to contract values;
    ``date_order`` reads text dates such as ``01/02/2020``."""

    column: str
    source: str | None = None
    constant: str | None = None
    values: dict[str, str] | None = None
    date_order: str | None = None

    def header(self, instance: int | None) -> str | None:
        """The source header for one instance of a repeated group (None for a constant)."""
        if self.source is None:
            return None
        return self.source.replace(PLACEHOLDER, str(instance)) if instance else self.source

    def fixed(self, instance: int | None) -> str | None:
        if self.constant is None:
            return None
        return self.constant.replace(PLACEHOLDER, str(instance)) if instance else self.constant


@dataclass(frozen=True)
class Block:
    """Rows of contract ``table`` from source table ``sheet``: one row per source row, or one
    per source row and instance of a repeated group (``instances``). A row is made only when
    one of the ``rows_when`` source columns has a value (default: every column of the block
    with ``{n}``, or, without instances, every source column but ``patient_id``)."""

    sheet: str
    table: str
    columns: tuple[ColumnRule, ...]
    instances: tuple[int, ...] = ()
    rows_when: tuple[str, ...] = ()
    number: int = 0

    def when(self) -> tuple[str, ...]:
        if self.rows_when:
            return self.rows_when
        sources = [c.source for c in self.columns if c.source and c.column != "patient_id"]
        if self.instances:
            sources = [s for s in sources if PLACEHOLDER in s]
        return tuple(dict.fromkeys(sources))

    def sources(self) -> list[str]:
        """Every source header the block reads, instances expanded."""
        names = [c.source for c in self.columns if c.source] + list(self.when())
        out = []
        for name in dict.fromkeys(names):
            if PLACEHOLDER in name:
                out += [name.replace(PLACEHOLDER, str(k)) for k in self.instances or (1,)]
            else:
                out.append(name)
        return out


@dataclass(frozen=True)
class SheetSettings:
    """Per source table: the header row (None: detected), dropped and ignored columns."""

    header_row: int | None = None
    drop: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mapping:
    """A whole mapping file."""

    blocks: tuple[Block, ...]
    sheets: dict[str, SheetSettings] = field(default_factory=dict)
    path: Path | None = None
    redcap_dictionary: Path | None = None

    def header_rows(self) -> dict[str, int]:
        return {k: s.header_row for k, s in self.sheets.items() if s.header_row}


def _fail(path: Path, where: str, message: str) -> InputError:
    return InputError(f"{path.name}: {where}: {message} (see docs/mapping.md).")


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; ``InputError`` names the block and key that is wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Mapping file {path} does not exist; `oncorwe map SOURCE` writes one.")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name} is not a valid TOML file ({exc}).") from None
    settings = data.get("mapping", {})
    if not isinstance(settings, dict):
        raise _fail(path, "[mapping]", "must be a table")
    version = settings.get("format", FORMAT)
    if version != FORMAT:
        raise _fail(path, "[mapping] format", f"format {version!r} is unknown (expected {FORMAT})")
    raw_blocks = data.get("map", [])
    if not isinstance(raw_blocks, list) or not raw_blocks:
        raise _fail(path, "[[map]]", "the file has no [[map]] block")
    blocks = tuple(_block(path, k, raw) for k, raw in enumerate(raw_blocks, start=1))
    sheets = {name: _sheet(path, name, raw) for name, raw in (data.get("sheets") or {}).items()}
    return Mapping(blocks, sheets, path, _dictionary(path, settings.get("redcap_dictionary")))


def _dictionary(path: Path, value) -> Path | None:
    """``[mapping] redcap_dictionary``, relative to the mapping file's folder."""
    if value is None:
        return None
    where = "[mapping] redcap_dictionary"
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, f"must be the path of the data dictionary, not {value!r}")
    dictionary = path.parent / value
    if not dictionary.is_file():
        raise _fail(
            path,
            where,
            f"'{value}' does not exist (looked for {dictionary}; a relative path is read from "
            "the mapping file's folder)",
        )
    return dictionary


def _sheet(path: Path, name: str, raw) -> SheetSettings:
    where = f'[sheets."{name}"]'
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a table")
    row = raw.get("header_row")
    if row is not None and (not isinstance(row, int) or row < 1):
        raise _fail(path, where, f"header_row must be a row number >= 1, not {row!r}")
    return SheetSettings(row, _names(path, where, raw, "drop"), _names(path, where, raw, "ignore"))


def _names(path, where, raw, key) -> tuple[str, ...]:
    names = raw.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _fail(path, f"{where} {key}", "must be a list of column headers")
    return tuple(names)


def _block(path: Path, number: int, raw) -> Block:
    where = f"[[map]] block {number}"
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be a table")
    sheet, table = raw.get("sheet"), raw.get("table")
    if not isinstance(sheet, str) or not sheet:
        raise _fail(path, where, "needs sheet = the source table (sheet or file) name")
    if table not in TABLES:
        raise _fail(path, where, f"table {table!r} is not a contract table ({', '.join(TABLES)})")
    where = f"{where} (sheet '{sheet}' -> {table})"
    instances = raw.get("instances", [])
    if not isinstance(instances, list) or not all(isinstance(k, int) for k in instances):
        raise _fail(path, where, "instances must be a list of group numbers, e.g. [1, 2, 3]")
    values, dates = raw.get("values", {}), raw.get("dates", {})
    columns = raw.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        raise _fail(path, where, "needs [map.columns] naming a source column per contract column")
    rules = tuple(
        _column(path, where, TABLES[table], name, spec, values, dates)
        for name, spec in columns.items()
    )
    when = raw.get("rows_when", [])
    if isinstance(when, str):
        when = [when]
    return Block(sheet, table, rules, tuple(instances), tuple(when), number)


def _column(path, where, table, name, spec, values, dates) -> ColumnRule:
    if name not in table.column_names:
        close = difflib.get_close_matches(name, table.column_names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise _fail(path, where, f"'{name}' is not a column of table {table.name}{hint}")
    source = constant = None
    if isinstance(spec, str):
        source = spec
    elif isinstance(spec, dict) and isinstance(spec.get("value"), str | int | float):
        constant = str(spec["value"])
    elif isinstance(spec, dict) and isinstance(spec.get("column"), str):
        source = spec["column"]
    else:
        raise _fail(
            path,
            where,
            f'{name} must be a source header ("...") or {{ value = "..." }}, not {spec!r}',
        )
    value_map = values.get(name)
    if value_map is not None and not isinstance(value_map, dict):
        raise _fail(path, where, f"[map.values.{name}] must be a table of source = contract")
    order = dates.get(name)
    if order is not None and order not in DATE_ORDERS:
        raise _fail(path, where, f"dates.{name} must be one of {', '.join(DATE_ORDERS)}")
    if value_map is not None:
        value_map = {str(k).strip(): str(v) for k, v in value_map.items()}
    return ColumnRule(name, source, constant, value_map, order)


def check_against(mapping: Mapping, headers: dict[str, list[str]]) -> None:
    """``InputError`` listing every sheet or column the mapping names that the source lacks,
    with the closest header as a hint."""
    problems = []
    for block in mapping.blocks:
        if block.sheet not in headers:
            close = difflib.get_close_matches(block.sheet, list(headers), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                f"block {block.number} ({block.table}): sheet '{block.sheet}' is not in the "
                f"source{hint}; the source has {', '.join(map(repr, headers))}"
            )
            continue
        have = headers[block.sheet]
        for name in block.sources():
            if name in have:
                continue
            close = difflib.get_close_matches(name, have, n=1, cutoff=0.5)
            hint = f" (closest header: '{close[0]}')" if close else ""
            problems.append(
                f"block {block.number} ({block.table}): column '{name}' is not a header of "
                f"sheet '{block.sheet}'{hint}"
            )
    if problems:
        where = mapping.path.name if mapping.path else "the mapping"
        raise InputError(
            f"{where} does not fit the source: "
            + "; ".join(problems[:10])
            + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
            + '. Correct the mapping (or the header row: [sheets."<name>"] header_row), or '
            "write a new one with `oncorwe map`."
        )
