"""The package's layers import only downwards.

``LAYERS`` is the one declaration of the order, lowest first: a unit (a subpackage of oncorwe,
or a top-level module) may import from its own unit and from units of lower layers, never from
a unit of its own layer or above. Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oncorwe"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors",),
    ("epoch",),
    ("stats", "protocol"),
    ("io",),  # readers, writers, the study store and the input contract
    ("engine",),  # where table expressions over the contract run: DuckDB, PostgreSQL, Spark
    ("privacy",),  # identifier detection, de-identification, small-cell suppression
    ("synth",),  # demo and simulation cohorts, written in the input contract
    ("validate",),
    ("intake",),  # read -> stage -> validate -> store
    ("cohort",),
    ("derive",),  # derivations, and the endpoint declarations
    ("results",),  # what the analysis hands to the report
    ("analysis",),
    ("report",),
    ("pipeline",),
    ("api",),
    ("explore",),
    ("cli", "oncorwe"),  # the command line and the package's own __init__
)
# synth sits at the edge: besides the layer order, only these units may import it.
EDGE_IMPORTERS = {"synth": {"cli", "api", "explore", "oncorwe"}}

# Imports that run against the order today, each with the reason it is still there; the test
# fails once one is no longer needed, so that it is taken out of this list.
ALLOWED: set[tuple[str, str]] = set()

LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _unit(parts: list[str]) -> str:
    return parts[1] if len(parts) > 1 else "oncorwe"


def _imported(path: Path) -> set[tuple[str, int]]:
    """Units of oncorwe that ``path`` imports, with the line of each import."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            targets = [base + (node.module.split(".") if node.module else [])]
        else:
            continue
        found |= {(_unit(t), node.lineno) for t in targets if t[0] == "oncorwe" and len(t) > 1}
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_unit_of_the_package_has_a_layer():
    units = {_unit(_module_name(path)) for path in _modules()}
    assert units - set(LEVEL) == set()


def test_no_unit_imports_one_above_it_or_beside_it():
    wrong = []
    for path in _modules():
        source = _unit(_module_name(path))
        for target, line in sorted(_imported(path)):
            if target == source or (source, target) in ALLOWED:
                continue
            if LEVEL[target] >= LEVEL[source]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports oncorwe.{target}")
            elif target in EDGE_IMPORTERS and source not in EDGE_IMPORTERS[target]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports edge unit {target}")
    assert wrong == []


def test_allowed_exceptions_are_still_needed():
    seen = {
        (_unit(_module_name(path)), target) for path in _modules() for target, _ in _imported(path)
    }
    assert ALLOWED - seen == set()


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        ("io/x.py", "from oncorwe.validate import rules", {("validate", 1)}),
        ("io/x.py", "import oncorwe.stats.km as km", {("stats", 1)}),
        ("derive/x.py", "from .recist import f", {("derive", 1)}),
        ("derive/sub/x.py", "from ..adsl import f", {("derive", 1)}),
        ("report/__init__.py", "from .html import f", {("report", 1)}),
        ("x.py", "def f():\n    from oncorwe.report import g", {("report", 2)}),
        ("io/x.py", "import numpy", set()),
    ],
)
def test_imports_are_read_as_units(tmp_path, monkeypatch, source, code, expected):
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "oncorwe")
    path = tmp_path / "oncorwe" / source
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code)
    assert _imported(path) == expected
