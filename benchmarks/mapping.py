"""Mapped intake time: ``oncorwe map`` and ``oncorwe run --mapping`` on a hospital workbook.

Usage::

    python benchmarks/mapping.py                  # 1,000 patients
    python benchmarks/mapping.py --patients 300 1000 3000

The workbook is the hospital-style workbook of ``oncorwe.synth.hospital_workbook`` (Chinese
headers and words, numbered groups, imaging, lesion and laboratory sheets, identifier columns)
made from copies of the seed twin, cut to N patients. Each command runs in a fresh process, as a
user runs it; the wall time includes Python's start-up. CPU is user + system time of the command
and its child processes (Chromium for the PDF); on a shared machine it is the column to compare,
and the load average (``uptime``) at the start of each row says how shared the machine was.
Targets: ``oncorwe map`` < 3 s, map + run < 15 s of CPU for 1,000 patients. The compiled SQL of
the derivations is kept in the cache folder (``oncorwe.engine.sql_cache``): the first run
compiles it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_workbook(folder: Path, patients: int) -> tuple[Path, int]:
    """A hospital workbook of ``patients`` patients (copies of the seed twin) and its number of
    data rows."""
    from oncorwe.synth import seed_twin_path
    from oncorwe.synth.hospital_workbook import (
        hospital_frames,
        read_cohort,
        scaled_cohort,
        write_hospital_workbook,
    )

    twin = read_cohort(seed_twin_path())
    copies = -(-patients // len(twin["patients"]))
    tables = scaled_cohort(twin, copies)
    keep = set(tables["patients"]["patient_id"].iloc[:patients])
    tables = {k: v[v["patient_id"].isin(keep)].reset_index(drop=True) for k, v in tables.items()}
    rows = sum(len(frame) for frame in hospital_frames(tables, "zh").values())
    return write_hospital_workbook(folder / f"hospital_{patients}.xlsx", tables, "zh"), rows


def timed(*args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one oncorwe command in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "oncorwe.cli", *args], check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1000])
    args = parser.parse_args()
    print(
        "| patients | workbook rows | map wall (s) | map CPU (s) | run --mapping wall (s) "
        "| run --mapping CPU (s) | map + run wall (s) | map + run CPU (s) | load |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in args.patients:
            book, rows = make_workbook(folder, n)
            load = os.getloadavg()[0]
            mapping = folder / f"mapping_{n}.toml"
            mapped = timed("map", str(book), "--out", str(mapping))
            out = str(folder / f"out_{n}")
            run = timed("run", "--data", str(book), "--mapping", str(mapping), "--out", out)
            print(
                f"| {n:,} | {rows:,} | {mapped[0]:.1f} | {mapped[1]:.1f} | {run[0]:.1f} "
                f"| {run[1]:.1f} | {mapped[0] + run[0]:.1f} | {mapped[1] + run[1]:.1f} "
                f"| {load:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
