"""Time and memory of ``oncorwe run`` on replicated cohorts, stage by stage.

Usage::

    python benchmarks/scale.py                          # 1,000 and 15,000 patients
    python benchmarks/scale.py --patients 1000 15000 150000 --repeat 2
    python benchmarks/scale.py --patients 1000000 --timeout 600

The cohort of size N is the seed twin (122 patient records, 108 eligible) copied
``ceil(N / 122)`` times: every copy has the same per-patient records in every table, with each
``patient_id`` given a copy suffix (``SYN-001`` -> ``SYN-001-C00042``). Each size runs in a fresh
child process that calls ``oncorwe.pipeline.run_study`` (what ``oncorwe run`` calls, without the
progress bar) with a progress callback that stamps each stage. Every 50 ms the parent reads from
``/proc`` the resident set size (RSS) of the Python process running the study (per stage and
peak) and the proportional set size (PSS: shared pages divided among the processes sharing them)
of that process with its children (Chromium printing ``report.pdf``). Stages: intake (read,
validate, store), analysis (cohort, derivations, statistics, ``results.json`` and ADaM files),
report (HTML, figures, tables, Word, PDF). "CPU" is the user + system time of the study process and
the children it waited for, less sensitive than wall time to other work on a shared machine;
"load" is the 1-minute load average when the run started.

The replicated run's ``results.json`` is checked against the single copy's: every median,
percentage and survival probability must be equal (to 1e-9) and every count must be multiplied
by the number of copies; confidence limits, standard errors and p values shrink with N and are
not checked.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oncorwe.synth.seed_twin import seed_twin_path

STAGE_GROUPS = {
    "read": "intake",
    "validate": "intake",
    "store": "intake",
    "cohort": "analysis",
    "derivations": "analysis",
    "statistics": "analysis",
    "report": "report",
}
GROUPS = ("intake", "analysis", "report")
SAMPLE_SECONDS = 0.05
CHILD = """
import sys, time
from oncorwe.pipeline import STAGES, run_study
from oncorwe.protocol import load_protocol

def stamp(stage):
    if stage in STAGES:
        print("STAGE", stage, time.time(), flush=True)

run_study(sys.argv[1], load_protocol("hcc-rt-ici"), sys.argv[2], progress=stamp)
print("STAGE done", time.time(), flush=True)
"""
COUNT_KEYS = ("n", "events", "denominator", "read", "accepted", "quarantined", "findings")
EQUAL_KEYS = ("pct", "median", "median_months", "surv", "months")


# --- the replicated cohort ---------------------------------------------------------------------


def replicate_seed_twin(folder: Path, copies: int) -> int:
    """Write ``copies`` copies of every seed-twin table into ``folder``; returns the rows."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    for source in sorted(seed_twin_path().glob("*.csv")):
        header, *lines = source.read_text(encoding="utf-8").splitlines()
        column = header.split(",").index("patient_id")
        split = [line.split(",") for line in lines]
        before = [",".join(p[:column] + [""]) if column else "" for p in split]
        ids = [p[column] for p in split]
        after = ["," + ",".join(p[column + 1 :]) if len(p) > column + 1 else "" for p in split]
        with (folder / source.name).open("w", encoding="utf-8", newline="") as out:
            out.write(header + "\n")
            for copy in range(copies):
                suffix = f"-C{copy:06d}" if copies > 1 else ""
                out.write(
                    "".join(
                        f"{b}{i}{suffix}{a}\n" for b, i, a in zip(before, ids, after, strict=True)
                    )
                )
        rows += len(lines) * copies
    return rows


# --- one measured run --------------------------------------------------------------------------


def _memory(pid: int) -> tuple[int, int]:
    """Resident bytes of ``pid`` alone, and proportional set size (shared pages split between
    the processes that share them) of ``pid`` and all its descendants; (0, 0) when gone."""
    own, tree, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                fields = dict(line.split(":", 1) for line in handle.read().splitlines()[1:])
            if current == pid:
                own = int(fields["Rss"].split()[0]) * 1024
            tree += int(fields["Pss"].split()[0]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError, KeyError):
            continue
    return own, tree


def measured_run(data: Path, out: Path, timeout: float) -> dict[str, float]:
    """Run the study in a child process; seconds and peak MB per stage group, and in total."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    start = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    samples: list[tuple[float, int, int]] = []
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        samples.append((time.time(), *_memory(child.pid)))
        if time.time() - start > timeout:
            child.kill()
            child.wait()
            return {"failed": f"stopped after {timeout:.0f} s"}
        time.sleep(SAMPLE_SECONDS)
    child.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = child.stdout.read(), child.stderr.read()
    if child.returncode:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        return {"failed": f"exit {child.returncode} after {time.time() - start:.0f} s: {last}"}
    stamps = [line.split()[1:] for line in stdout.splitlines() if line.startswith("STAGE ")]
    bounds = {group: [math.inf, -math.inf] for group in GROUPS}
    for (stage, begin), (_, stop) in zip(stamps, stamps[1:], strict=False):
        span = bounds[STAGE_GROUPS[stage]]
        span[0], span[1] = min(span[0], float(begin)), max(span[1], float(stop))
    result: dict[str, float] = {}
    for group, (begin, stop) in bounds.items():
        inside = [rss for t, rss, _ in samples if begin <= t <= stop]
        result[f"{group}_s"] = stop - begin
        result[f"{group}_mb"] = max(inside, default=0) / 1e6
    result["total_s"] = float(stamps[-1][1]) - start
    # CPU seconds of the study process and the children it waited for (Chromium): much less
    # sensitive than wall time to other work on a shared machine
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["peak_mb"] = max((rss for _, rss, _ in samples), default=0) / 1e6
    result["tree_mb"] = max((pss for _, _, pss in samples), default=0) / 1e6
    return result


# --- replicated results equal the single cohort's ----------------------------------------------


def _leaves(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, float(value)


def _kind(path: str) -> str | None:
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if key in COUNT_KEYS or key.endswith("_n") or key.startswith("n_"):
        return "count"
    if key in EQUAL_KEYS or key.endswith("_pct"):
        return "equal"
    return None


def compare_results(single: dict, replicated: dict, copies: int) -> list[str]:
    """Medians/percentages that differ and counts that are not ``copies`` times the single's."""
    mine = dict(_leaves(replicated))
    problems = []
    for path, value in _leaves(single):
        kind, other = _kind(path), mine.get(path)
        if kind is None or path.endswith("data_quality.findings"):
            continue
        expected = value * copies if kind == "count" else value
        if other is None or not math.isclose(other, expected, rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"{path}: {other} (expected {expected:g})")
    return problems


# --- main --------------------------------------------------------------------------------------


def _row(patients: int, rows: int, r: dict) -> str:
    """A Markdown row: wall seconds / peak RSS per stage group, totals, and the load average
    (1 minute, at the start of the run; the machine has 2 cores)."""
    if "failed" in r:
        return f"| {patients:,} | {rows:,} | failed: {r['failed']} |"
    cells = [f"{r[f'{g}_s']:.1f} s / {r[f'{g}_mb']:.0f} MB" for g in GROUPS]
    return (
        f"| {patients:,} | {rows:,} | "
        + " | ".join(cells)
        + f" | {r['total_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_mb']:.0f} MB "
        f"| {r['tree_mb']:.0f} MB | {r['load']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1000, 15000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (best time kept)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run")
    parser.add_argument("--keep", type=Path, help="keep the cohorts and outputs in this folder")
    args = parser.parse_args()
    seed_patients = sum(1 for _ in (seed_twin_path() / "patients.csv").open()) - 1
    with tempfile.TemporaryDirectory(prefix="oncorwe-scale-") as temp:
        work = args.keep or Path(temp)
        reference = work / "single" / "out"
        replicate_seed_twin(work / "single" / "data", 1)
        measured_run(work / "single" / "data", reference, args.timeout)
        single = json.loads((reference / "results.json").read_text())
        print(
            "| patients | rows | intake | analysis | report | total | CPU | peak RSS | peak PSS "
            "with Chromium | load |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for target in args.patients:
            copies = math.ceil(target / seed_patients)
            data = work / f"n{target}" / "data"
            rows = replicate_seed_twin(data, copies)
            runs = []
            for index in range(args.repeat):
                load = os.getloadavg()[0]
                runs.append(measured_run(data, work / f"n{target}" / f"out{index}", args.timeout))
                runs[-1]["load"] = load
            done = [r for r in runs if "failed" not in r]
            best = min(done, key=lambda r: r["total_s"]) if done else runs[0]
            print(_row(copies * seed_patients, rows, best), flush=True)
            if done:
                path = work / f"n{target}" / f"out{runs.index(best)}" / "results.json"
                problems = compare_results(single, json.loads(path.read_text()), copies)
                verdict = "; ".join(problems[:5]) or "all equal / multiplied"
                print(f"  {copies} copies, results vs one copy: {verdict}", flush=True)


if __name__ == "__main__":
    main()
