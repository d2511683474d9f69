"""The tables ``benchmarks/scale.py`` prints and writes: Markdown rows from measured runs.

A run is the dict of ``scale.measured_run``: per stage group (intake, analysis, report) its
wall seconds (``<group>_s``) and peak RSS in MB (``<group>_mb``), ``total_s``, ``cpu_s``,
``peak_mb``, ``tree_mb``, ``load`` and ``steps`` (step: started, seconds, RSS when first seen,
peak RSS), or ``failed`` with the reason. A size is ``Size(patients, copies, rows, run,
verdict)``.

* The console gets every table: per size the stage groups' seconds and peak RSS, and per stage
  group the steps with their peaks at every size (``stage_row``, ``step_table``).
* ``--markdown`` gets the two tables of docs/benchmarks.md: one row per size
  (``results_table``) and each step's peak at two sizes (1e5 and 1e6 patients in the curve)
  with its growth per 100,000 input rows (``step_peak_table``).
"""

from __future__ import annotations

import math
import os
import platform
import time
from typing import NamedTuple

GROUPS = ("intake", "analysis", "report")
MIN_SECONDS = 0.1  # a step seen for less time than this is left out of the step tables
DOC_DEPTH = 2  # call depth of the steps in the docs' table (progress messages always)
DOC_SHARE = 0.01  # ... and the share of the run's wall time they took at least


class Size(NamedTuple):
    """One measured size: the cohort and its best run, with the replicated-results verdict
    (None: not checked)."""

    patients: int
    copies: int
    rows: int
    run: dict
    verdict: str | None


# --- the console --------------------------------------------------------------------------------

STAGE_HEADER = (
    "| shape | patients (copies) | input rows | intake | analysis | report | total | CPU "
    "| peak RSS | peak PSS with Chromium | load |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def stage_row(shape: str, size: Size) -> str:
    """A Markdown row: wall seconds / peak RSS per stage group, totals, and the load average
    (1 minute, at the start of the run)."""
    r, head = size.run, f"| {shape} | {size.patients:,} ({size.copies:,}) | {size.rows:,} |"
    if "failed" in r:
        return f"{head} failed: {r['failed']} |"
    cells = [
        f"{r[f'{g}_s']:.1f} s / {r[f'{g}_mb']:.0f} MB" if r[f"{g}_mb"] else "not run"
        for g in GROUPS
    ]
    return (
        f"{head} "
        + " | ".join(cells)
        + f" | {r['total_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_mb']:.0f} MB "
        f"| {r['tree_mb']:.0f} MB | {r['load']:.1f} |"
    )


def _label(step: str) -> str:
    """``a > b > c`` as ``› › c``; a progress message in quotes."""
    if step.startswith("step: "):
        return f'progress "{step.removeprefix("step: ")}"'
    calls = step.split(" > ")
    return "› " * (len(calls) - 1) + calls[-1]


def _growth(low: Size, high: Size, step: str) -> float:
    """How much the step's peak RSS grew per 100,000 input rows from ``low`` to ``high``."""
    first, last = low.run["steps"].get(step), high.run["steps"].get(step)
    if first is None or last is None or high.rows == low.rows:
        return math.nan
    return (last[3] - first[3]) / (high.rows - low.rows) * 1e5


def _steps_in(run: dict, group: str, least: float = MIN_SECONDS) -> list[str]:
    """The steps first seen in stage ``group`` of ``run`` for ``least`` seconds or more, in the
    order they started."""
    begin, stop = run["stages"][group]
    steps = sorted(run["steps"].items(), key=lambda s: s[1][0])
    return [k for k, (began, sec, _, _) in steps if begin <= began < stop and sec >= least]


def step_table(sizes: list[Size], group: str) -> list[str]:
    """Markdown rows of the steps first seen in stage ``group`` of the largest size: when each
    started and its seconds there, its peak RSS and rise (peak less the RSS when the step was
    first seen) at every size and how much the peak grew per 100,000 input rows between the
    two largest sizes."""
    last = sizes[-1]
    columns = " | ".join(f"peak (rise) at {s.rows:,} rows" for s in sizes)
    lines = [f"| step | started | seconds | {columns} | MB per 100k rows |"]
    lines.append("|---" * (4 + len(sizes)) + "|")
    for step in _steps_in(last.run, group):
        began, seconds = last.run["steps"][step][:2]
        seen = [s.run["steps"].get(step, (0, 0, math.nan, math.nan)) for s in sizes]
        cells = " | ".join(f"{peak:.0f} MB ({peak - entry:+.0f})" for _, _, entry, peak in seen)
        slope = _growth(sizes[-2], last, step) if len(sizes) > 1 else math.nan
        lines.append(
            f"| {_label(step)} | {began:.1f} s | {seconds:.1f} s | {cells} | {slope:+.1f} |"
        )
    return lines


# --- docs/benchmarks.md -------------------------------------------------------------------------


def measured_on(loads: list[float]) -> str:
    """The date (UTC), the machine (CPUs, memory, system) and the range of load averages."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = f"{min(loads):.1f}-{max(loads):.1f}" if loads else "-"
    return (
        f"measured {time.strftime('%Y-%m-%d', time.gmtime())} on {os.cpu_count()} CPUs, "
        f"{memory:.0f} GiB, {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}; 1-minute load average at the start of the runs: {load}"
    )


def results_table(shape: str, sizes: list[Size]) -> list[str]:
    """The docs' results table of ``shape``: one row per size (stage seconds, total wall, CPU,
    peak RSS, the replicated-results verdict, the load at the start)."""
    loads = [s.run["load"] for s in sizes if "load" in s.run]
    lines = [
        f"{shape.capitalize()} shape, {measured_on(loads)}.",
        "",
        "| patients (copies) | input rows | intake | analysis | report | total wall | CPU "
        "| peak RSS | results vs one copy | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        r, head = size.run, f"| {size.patients:,} ({size.copies:,}) | {size.rows:,} |"
        if "failed" in r:
            lines.append(f"{head} failed: {r['failed']} | | | | | | | {r.get('load', 0):.1f} |")
            continue
        stages = " | ".join(f"{r[f'{g}_s']:.1f} s" if r[f"{g}_mb"] else "not run" for g in GROUPS)
        lines.append(
            f"{head} {stages} | {r['total_s']:.1f} s | {r['cpu_s']:.1f} s "
            f"| {r['peak_mb']:,.0f} MB | {size.verdict or 'not checked'} | {r['load']:.1f} |"
        )
    return lines


def step_peak_table(shape: str, sizes: list[Size]) -> list[str]:
    """The docs' step table of ``shape``: every progress message and every call up to
    ``DOC_DEPTH`` deep seen in the intake or the analysis of the largest size for at least
    ``DOC_SHARE`` of its wall time, with its peak RSS and rise (peak less the RSS when the step
    was first seen) at two sizes, and the growth of the peak per 100,000 input rows between
    them: the largest size and the largest of a tenth of its rows or fewer (1e5 patients
    against 1e6), else the size below the largest."""
    done = sorted((s for s in sizes if "failed" not in s.run), key=lambda s: s.rows)
    if len(done) < 2:
        return []
    high = done[-1]
    # the largest size at most a tenth of the largest (1e5 against 1e6), else the one below it
    low = ([s for s in done if s.rows * 10 <= high.rows] or done[:-1])[-1]
    lines = [
        f"Peak memory per step, {shape} shape (the intake, then the analysis; in brackets the "
        "rise above the RSS when the step began; growth of the peak per 100,000 input rows "
        "between the two sizes):",
        "",
        f"| step | peak RSS (rise) at {low.patients:,} patients ({low.rows:,} rows) "
        f"| peak RSS (rise) at {high.patients:,} patients ({high.rows:,} rows) "
        "| peak: MB per 100,000 input rows |",
        "|---|---|---|---|",
    ]
    for group in GROUPS[:2]:
        for step in _steps_in(high.run, group, DOC_SHARE * high.run["total_s"]):
            if not step.startswith("step: ") and step.count(" > ") >= DOC_DEPTH:
                continue
            seen = [s.run["steps"].get(step, (0, 0, math.nan, math.nan)) for s in (low, high)]
            cells = " | ".join(f"{peak:,.0f} MB ({peak - entry:+,.0f})" for *_, entry, peak in seen)
            lines.append(f"| {_label(step)} | {cells} | {_growth(low, high, step):+.1f} |")
    return lines
