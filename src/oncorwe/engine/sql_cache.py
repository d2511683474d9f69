"""Compiled SQL remembered across runs, keyed by the whole expression.

Compiling an Ibis expression to SQL (rewrites, then SQLGlot) takes 5-350 ms per expression and
about 1.7 s of a 108-patient demo, more than running the SQL on so few rows. The same study
compiles the same expressions every run, so the SQL text is kept, per expression, in memory
for the process and as one small file per expression in a cache folder for later processes.

The key is a SHA-256 of everything the SQL depends on: every operation of the expression graph
(its class and every argument: names, literals, data types with their nullability, table
schemas, sort orders, ...), the dialect, Ibis's options (``ibis.options``) and the Ibis and
SQLGlot versions. Two expressions share a key only if they compile to the same SQL. An
expression holding anything else (a Python function, an unknown object, a user-defined
function of ``ibis.udf``) is compiled every time and not kept. A cache file that cannot be
read or written is ignored: the SQL is then compiled as without the cache.

The folder is ``$ONCORWE_CACHE_DIR/sql`` if that variable is set (empty: no cache on disk),
else ``$XDG_CACHE_HOME/oncorwe/sql`` or ``~/.cache/oncorwe/sql``; deleting it is always safe.

References
----------
Ibis project, "ibis.to_sql", https://ibis-project.org/reference/
"""

from __future__ import annotations

import datetime
import decimal
import enum
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

CACHE_ENV = "ONCORWE_CACHE_DIR"
FORMAT = "oncorwe-sql-1"  # changes whenever the key's text or the file layout changes
IN_MEMORY = 512  # expressions kept in memory per process (the oldest is dropped first)
PLAIN = (type(None), bool, int, float, str, bytes, decimal.Decimal)
TIMES = (datetime.date, datetime.datetime, datetime.time, datetime.timedelta)

_remembered: dict[str, str] = {}


class Unkeyable(TypeError):
    """The expression holds a value the key cannot describe exactly."""


def cached_sql(expression, dialect: str, compile_sql: Callable[[], str]) -> str:
    """The SQL of ``expression`` in ``dialect``: remembered, or ``compile_sql()`` and kept."""
    try:
        key = expression_key(expression, dialect)
    except Unkeyable:
        return compile_sql()
    text = _remembered.get(key)
    if text is None:
        path = _cache_file(key)
        text = _read(path) if path is not None else None
        if text is None:
            text = compile_sql()
            if path is not None:
                _write(path, text)
        _remember(key, text)
    return text


def expression_key(expression, dialect: str) -> str:
    """SHA-256 (hex) of the expression's operation graph, ``dialect``, Ibis's options and the
    Ibis and SQLGlot versions; raises ``Unkeyable`` for an expression it cannot describe."""
    import ibis
    import sqlglot

    lines = [FORMAT, dialect, ibis.__version__, sqlglot.__version__, repr(ibis.options)]
    _describe_graph(expression.op(), lines)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _describe_graph(root, lines: list[str]) -> None:
    """Append one line per operation of the graph (each once, children first, referred to by
    number), without recursion: an expression's graph can be deeper than Python's stack."""
    from ibis.common.graph import Node

    numbers: dict[int, int] = {}
    first = len(lines)
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in numbers:
            stack.pop()
            continue
        pending = [c for c in _children(node.__args__, Node) if id(c) not in numbers]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if not type(node).__module__.startswith("ibis."):
            # user-defined functions are classes made at run time, whose SQL name and types
            # are class attributes, not arguments
            raise Unkeyable(f"cannot key the operation {_class_name(node)}")
        args = ",".join(
            f"{name}={_describe(value, numbers, Node)}"
            for name, value in zip(node.__argnames__, node.__args__, strict=True)
        )
        numbers[id(node)] = len(lines) - first
        lines.append(f"{_class_name(node)}({args})")


def _children(values, node_type) -> list:
    """The operations among ``values`` (arguments), in tuples and mappings too."""
    found = []
    for value in values:
        if isinstance(value, node_type):
            found.append(value)
        elif isinstance(value, (tuple, list, frozenset)):
            found.extend(_children(value, node_type))
        elif isinstance(value, dict):
            found.extend(_children(value.values(), node_type))
    return found


def _describe(value, numbers: dict[int, int], node_type) -> str:
    """One argument as text that names its type and value exactly."""
    from ibis.common.grounds import Concrete

    if isinstance(value, node_type):
        return f"#{numbers[id(value)]}"
    if type(value) in PLAIN + TIMES:  # exact types: a subclass may hold more than its repr
        return f"{type(value).__name__}:{value!r}"
    if isinstance(value, enum.Enum):
        return f"{_class_name(value)}.{value.name}"
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(_describe(v, numbers, node_type) for v in value) + "]"
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(_describe(v, numbers, node_type) for v in value)) + "}"
    if isinstance(value, dict):  # Ibis's frozen dicts keep their order, which the SQL follows
        items = (
            f"{_describe(k, numbers, node_type)}:{_describe(v, numbers, node_type)}"
            for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, Concrete):  # data types, schemas, namespaces: every field
        args = ",".join(
            f"{name}={_describe(v, numbers, node_type)}"
            for name, v in zip(value.__argnames__, value.__args__, strict=True)
        )
        return f"{_class_name(value)}({args})"
    raise Unkeyable(f"cannot key a {type(value).__name__}")


def _class_name(value) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _remember(key: str, text: str) -> None:
    if len(_remembered) >= IN_MEMORY:
        del _remembered[next(iter(_remembered))]
    _remembered[key] = text


def cache_folder() -> Path | None:
    """Where compiled SQL is kept between processes; None when disabled (``ONCORWE_CACHE_DIR``
    set to an empty value)."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) / "sql" if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "oncorwe" / "sql"


def _cache_file(key: str) -> Path | None:
    folder = cache_folder()
    return None if folder is None else folder / key[:2] / f"{key}.sql"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: Path, text: str) -> None:
    """Write atomically (a temporary file renamed), so a concurrent reader never sees half."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError:
        return
