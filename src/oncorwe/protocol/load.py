"""Reading a protocol from TOML (a built-in name or a file), with errors that say what to fix."""

from __future__ import annotations

import datetime as dt
import tomllib
import types
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from oncorwe.errors import ProtocolError
from oncorwe.protocol.model import (
    CRITERIA,
    Eligibility,
    Privacy,
    Protocol,
    Report,
    Response,
    Safety,
    Study,
    Subgroups,
    Survival,
    TimeOrigin,
    TimeOriginRule,
    Treatment,
)

SECTIONS = {
    "study": Study,
    "eligibility": Eligibility,
    "treatment": Treatment,
    "time_origin": TimeOrigin,
    "response": Response,
    "survival": Survival,
    "safety": Safety,
    "subgroups": Subgroups,
    "privacy": Privacy,
    "report": Report,
}
REQUIRED_SECTIONS = ("study", "eligibility")
# TOML has no null: an optional setting (``int | None``) is left out, or written as one of these
NO_VALUE = ("", "none")
MAX_PROTOCOL_BYTES = 1_000_000  # a protocol is a page of settings; anything larger is refused


def builtin_protocols() -> list[str]:
    folder = resources.files("oncorwe.protocol") / "builtin"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_protocol(name_or_path: str | Path) -> Protocol:
    """Load a built-in protocol by name (``hcc-rt-ici``) or a TOML file by path."""
    text, source = _read(str(name_or_path))
    if len(text) > MAX_PROTOCOL_BYTES:
        raise ProtocolError(
            f"Protocol {source} is {len(text):,} characters long; a protocol is at most "
            f"{MAX_PROTOCOL_BYTES:,}. Give the study's settings file."
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"Protocol {source} is not valid TOML: {exc}.") from None
    except RecursionError:  # tomllib parses nested arrays / inline tables recursively
        raise ProtocolError(
            f"Protocol {source} nests arrays or tables too deeply; settings are flat values "
            "or lists."
        ) from None
    return protocol_from_dict(data, source)


def _read(name: str) -> tuple[str, str]:
    if name in builtin_protocols():
        folder = resources.files("oncorwe.protocol") / "builtin"
        return (folder / f"{name}.toml").read_text(encoding="utf-8"), f"built-in '{name}'"
    path = Path(name)
    if not path.is_file():
        raise ProtocolError(
            f"Protocol '{name}' is neither a built-in protocol ({', '.join(builtin_protocols())}) "
            "nor a TOML file that exists. Give a built-in name or the path of a .toml file."
        )
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except UnicodeDecodeError:
        raise ProtocolError(f"Protocol file {path} is not UTF-8 text.") from None


def protocol_from_dict(data: dict[str, Any], source: str = "") -> Protocol:
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ProtocolError(
            f"Protocol {source}: unknown section(s) {_shown(unknown)}; known: {sorted(SECTIONS)}."
        )
    for name in REQUIRED_SECTIONS:
        if name not in data:
            raise ProtocolError(f"Protocol {source}: the [{name}] section is required.")
    parts = {
        name: _section(cls, name, data.get(name, {}), source) for name, cls in SECTIONS.items()
    }
    protocol = Protocol(**parts, source=source)
    _check(protocol, source)
    return protocol


def _section(cls, name: str, values: Any, source: str):
    if not isinstance(values, dict):
        raise ProtocolError(f"Protocol {source}: [{name}] must be a table of settings.")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ProtocolError(
            f"Protocol {source}: unknown setting(s) {_shown(unknown)} in [{name}]; "
            f"known: {sorted(known)}."
        )
    converted = {}
    hints = get_type_hints(cls)
    for key, value in values.items():
        if isinstance(value, list):
            value = tuple(value)
        if _optional(hints[key]) and isinstance(value, str) and value.strip().lower() in NO_VALUE:
            value = None
        if not _has_type(value, hints[key]):
            raise ProtocolError(
                f"Protocol {source}: [{name}] {key} = {_shown(value)} is not "
                f"{_type_name(hints[key])}."
            )
        converted[key] = value
    try:
        return cls(**converted)
    except TypeError as exc:
        raise ProtocolError(f"Protocol {source}: [{name}] {exc}.") from None


def _optional(hint: Any) -> bool:
    """Whether a setting's annotation allows None (``int | None``)."""
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


def _has_type(value: Any, hint: Any) -> bool:
    """Whether a TOML value fits a setting's annotation (bool is not a number here)."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(
            value is None if arg is type(None) else _has_type(value, arg) for arg in get_args(hint)
        )
    if origin is Literal:
        return isinstance(value, str)  # the allowed words are checked in _check
    if origin is tuple:
        item = get_args(hint)[0]
        return isinstance(value, tuple) and all(_has_type(v, item) for v in value)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:  # TOML integers are 64-bit; tomllib would accept any size
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
    if hint is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        names = [_type_name(a) for a in get_args(hint) if a is not type(None)]
        return " or ".join(names) + (' or "none"' if _optional(hint) else "")
    if origin is tuple:
        return f"a list of {_type_name(get_args(hint)[0])}s"
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
    return names.get(hint, "a date (YYYY-MM-DD)" if hint is dt.date else "text")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(p: Protocol, source: str) -> None:
    problems = []
    e = p.eligibility
    if not isinstance(e.enrolment_start, dt.date) or not isinstance(e.enrolment_end, dt.date):
        problems.append("eligibility.enrolment_start/end must be TOML dates (YYYY-MM-DD)")
    elif e.enrolment_end < e.enrolment_start:
        problems.append("eligibility.enrolment_end is before enrolment_start")
    if p.time_origin.rule not in get_args(TimeOriginRule):
        problems.append(f"time_origin.rule must be one of {get_args(TimeOriginRule)}")
    if p.response.criteria not in CRITERIA:
        problems.append(f"response.criteria must be one of {CRITERIA}")
    if p.survival.conf_type not in ("log-log", "log", "plain"):
        problems.append("survival.conf_type must be log-log, log or plain")
    problems += _range_problems(p)
    if problems:
        raise ProtocolError(f"Protocol {source}: " + "; ".join(problems) + ".")


def _range_problems(p: Protocol) -> list[str]:
    """Numeric settings outside their allowed range."""
    problems = []
    if not 0 < p.survival.conf_level < 1:
        problems.append("survival.conf_level must be between 0 and 1")
    if p.survival.days_per_month <= 0:
        problems.append("survival.days_per_month must be positive")
    if p.privacy.min_cell < 1:
        problems.append("privacy.min_cell must be at least 1")
    if p.report.max_patients_shown < 1:
        problems.append("report.max_patients_shown must be at least 1")
    after = p.safety.treatment_emergent_days_after_last_dose
    if after is not None and after < 0:
        problems.append(
            'safety.treatment_emergent_days_after_last_dose must be >= 0 days, or "none" '
            "(no end of the window)"
        )
    return problems
