"""Copies of the seed twin with new patient ids: cohorts of any size with known answers.

Every copy holds the same per-patient records in every table, with each ``patient_id`` given a
copy suffix (``SYN-001`` -> ``SYN-001-C00042``), so a cohort of ``k`` copies has the single
cohort's medians, percentages and survival probabilities and ``k`` times its counts
(``benchmarks/scale.py`` checks this at every size it measures). The files are written one copy
at a time: memory does not grow with the number of copies, so cohorts of millions of patients
can be written on a small machine.

Two cohort shapes are stated as data (``SHAPES``): ``full``, the seed twin as it ships (every
table, 66 input rows per patient: 23 laboratory values and 24 lesion measurements among them),
and ``registry``, the seed twin without lesion measurements and laboratory values (the recorded
response of each assessment, as a cancer registry holds it; 19 rows per patient).

``replicated_differences`` checks a replicated cohort's ``results.json`` against the single
copy's: medians, percentages and survival probabilities equal, counts multiplied.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from oncorwe.synth.seed_twin import seed_twin_path

ID_COLUMN = "patient_id"
# results.json keys (last part of a path) whose values a k-copy cohort multiplies by k, and
# those it keeps; confidence limits, standard errors and p values shrink with k: not checked
COUNT_KEYS = ("n", "events", "denominator", "read", "accepted", "quarantined", "findings")
EQUAL_KEYS = ("pct", "median", "median_months", "surv", "months")
TOLERANCE = 1e-9  # relative and absolute


@dataclass(frozen=True)
class CohortShape:
    """Which seed-twin tables a replicated cohort holds.

    Attributes
    ----------
    name : the shape's name (``--shape`` of ``benchmarks/scale.py``).
    description : what the shape stands for, for the benchmark's documentation.
    without : the seed-twin tables left out.
    """

    name: str
    description: str
    without: tuple[str, ...] = ()

    def sources(self) -> list[Path]:
        """The seed-twin CSV files this shape holds, in name order."""
        files = sorted(seed_twin_path().glob("*.csv"))
        return [f for f in files if f.stem not in self.without]


SHAPES = {
    "full": CohortShape("full", "the seed twin as it ships: every table"),
    "registry": CohortShape(
        "registry",
        "the seed twin without lesion measurements and laboratory values: the recorded "
        "response of each tumour assessment, as a registry holds it",
        without=("labs", "lesions"),
    ),
}


def copy_pieces(text: str) -> list[str]:
    """The CSV ``text`` (header first, ``patient_id`` the first column, no quoted fields) cut
    after every patient id, so that ``suffix.join(pieces)`` is one copy with the ids suffixed.

    Raises
    ------
    ValueError
        When ``patient_id`` is not the first column.
    """
    header, *lines = text.splitlines()
    if header.split(",")[0] != ID_COLUMN:
        raise ValueError(f"{ID_COLUMN} must be the first column, not in: {header}")
    pieces, pending = [], ""
    for line in lines:
        patient, comma, rest = line.partition(",")
        pieces.append(pending + patient)
        pending = f"{comma}{rest}\n"
    return [*pieces, pending]


def replicate_seed_twin(folder: Path, copies: int, shape: str = "full") -> int:
    """Write ``copies`` copies of the tables of ``SHAPES[shape]`` into ``folder``, one copy at a
    time (without a suffix when ``copies`` is 1); returns the number of data rows written."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    for source in SHAPES[shape].sources():
        text = source.read_text(encoding="utf-8")
        pieces = copy_pieces(text)
        with (folder / source.name).open("w", encoding="utf-8", newline="") as out:
            out.write(text.splitlines()[0] + "\n")
            for copy in range(copies):
                out.write((f"-C{copy:06d}" if copies > 1 else "").join(pieces))
        rows += (len(pieces) - 1) * copies
    return rows


def numeric_leaves(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in nested dicts and lists, with its path (``.key`` and ``[index]``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from numeric_leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from numeric_leaves(item, f"{path}[{index}]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, float(value)


def value_kind(path: str) -> Literal["count", "equal"] | None:
    """ "count" when copies multiply the value at ``path``, "equal" when they keep it, None
    when neither is checked (``COUNT_KEYS``, ``EQUAL_KEYS``, ``*_n``, ``n_*``, ``*_pct``)."""
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key in COUNT_KEYS or key.endswith("_n") or key.startswith("n_"):
        return "count"
    if key in EQUAL_KEYS or key.endswith("_pct"):
        return "equal"
    return None


def replicated_differences(single: dict, replicated: dict, copies: int) -> list[str]:
    """Where the ``results.json`` of ``copies`` copies breaks the single copy's: a median,
    percentage or probability that differs, or a count that is not ``copies`` times the
    single's (to ``TOLERANCE``); an empty list when none does. The number of findings is not
    checked (a finding such as a patient-id key clash may not scale)."""
    mine = dict(numeric_leaves(replicated))
    problems = []
    for path, value in numeric_leaves(single):
        kind, other = value_kind(path), mine.get(path)
        if kind is None or path.endswith("data_quality.findings"):
            continue
        expected = value * copies if kind == "count" else value
        if other is None or not math.isclose(other, expected, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            problems.append(f"{path}: {other} (expected {expected:g})")
    return problems
