"""Time and memory of ``oncorwe run`` on replicated cohorts, stage by stage and step by step.

Usage::

    python benchmarks/scale.py                                  # 1,000 and 15,000 patients
    python benchmarks/scale.py --sizes --shapes registry --markdown scale.md  # 1e3 .. 1e6
    python benchmarks/scale.py --patients 150000 --shapes registry --markdown scale.md
    python benchmarks/scale.py --sizes 10000 40000 --shapes registry --stop-at report

A cohort of N patients is ``ceil(N / 122)`` copies of the seed twin with new patient ids
(``oncorwe.synth.replicate``), in one of two shapes: ``full`` (every table, 66 input rows per
patient: 23 laboratory values and 24 lesion measurements among them) or ``registry`` (without
lesion measurements and laboratory values, the recorded response of each assessment as a
registry holds it: 19 rows per patient). The files are written one copy at a time, and each
size's folder (files, outputs, the run's temporary files) is deleted after its run.

Each size runs in a fresh process (``benchmarks/scale_steps.py``) that calls
``oncorwe.pipeline.run_study`` as ``oncorwe run`` does, with the caller's environment plus
``SOURCE_DATE_EPOCH`` and a ``TMPDIR`` inside the size's folder (the staging database and
DuckDB's spill files go there). Every 50 ms this script reads the resident set size (RSS) of
the study process from ``/proc/PID/statm``; every second, while the study process has children
(Chromium printing ``report.pdf``), the proportional set size (PSS) of the process tree. Stages:
intake (read, validate, store), analysis (cohort, derivations, statistics, ``results.json``,
ADaM files), report. "CPU" is the user + system time of the study process and the children it
waited for; "load" the 1-minute load average at the start of the run. The harness's own CPU
(this process's sampling, and the sampling thread inside the study process) is printed after
each run: it is not part of "CPU" but shares the machine.

``--stop-at cohort`` ends a run when the intake is done (``--stop-at report``: before the
report; ``results.json`` is written by then). The replicated run's ``results.json`` is checked
against the single copy's of the same shape (run once per shape, without its report): every
median, percentage and survival probability must be equal (to 1e-9) and every count multiplied
by the number of copies; confidence limits, standard errors and p values shrink with N and are
not checked. ``--markdown FILE`` appends the two tables of docs/benchmarks.md to FILE: one row
per size and, with two sizes or more, each step's peak RSS at the largest size and at the
largest of a tenth of its rows or fewer (1e5 against 1e6 patients), else the size below it.
Interrupted (Ctrl-C or SIGTERM), the script stops the study process and its children too.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scale_tables import (
    GROUPS,
    STAGE_HEADER,
    Size,
    results_table,
    stage_row,
    step_peak_table,
    step_table,
)

from oncorwe.synth.replicate import SHAPES, replicate_seed_twin, replicated_differences

__all__ = ["replicate_seed_twin"]  # benchmarks/engines.py and intake.py import it from here
STAGE_GROUPS = {
    "read": "intake",
    "validate": "intake",
    "store": "intake",
    "cohort": "analysis",
    "derivations": "analysis",
    "statistics": "analysis",
    "report": "report",
}
CURVE = (1_000, 10_000, 100_000, 1_000_000)
SAMPLE_SECONDS = 0.05
TREE_EVERY = 20  # samples between two reads of the process tree's PSS (one second)
TIMEOUT_BASE, TIMEOUT_PER_ROW = 600.0, 100e-6  # default timeout: seconds, plus per input row
CHILD = Path(__file__).with_name("scale_steps.py")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- one measured run ---------------------------------------------------------------------------


def _rss(pid: int) -> int:
    """Resident bytes of ``pid`` (0 when gone): one read of ``/proc/PID/statm``."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []
    found = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(c) for c in handle.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def _tree_pss(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them) of
    ``pid`` and all its descendants; 0 when there are no descendants (the RSS then counts)."""
    if not _children(pid):
        return 0
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as handle:
                fields = dict(line.split(":", 1) for line in handle.read().splitlines()[1:])
            total += int(fields["Pss"].split()[0]) * 1024
        except (FileNotFoundError, ProcessLookupError, ValueError, KeyError):
            continue
        todo += _children(current)
    return total


def _watch(child: subprocess.Popen, start: float, timeout: float):
    """Sample the child's memory until it ends: (samples of (time, RSS), peak tree PSS,
    status, usage), or None when it ran past ``timeout`` (its process group is then killed)."""
    samples: list[tuple[float, int]] = []
    tree = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            return samples, tree, status, usage
        now, rss = time.time(), _rss(child.pid)
        samples.append((now, rss))
        if len(samples) % TREE_EVERY == 0:
            tree = max(tree, _tree_pss(child.pid))
        if now - start > timeout:
            os.killpg(child.pid, signal.SIGKILL)  # Chromium too
            child.wait()
            return None
        time.sleep(SAMPLE_SECONDS)


def _failure(stderr: str) -> str:
    """The exception's first line and the step it happened in, from the child's stderr."""
    lines = stderr.strip().splitlines() or ["no message"]
    frames = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    after = [line for line in lines[frames[-1] + 1 :] if not line.startswith(" ")] if frames else []
    where = [line for line in lines if line.startswith("FAILED IN ")]
    return "; ".join(
        [*(after[:1] or lines[-1:]), *(w.replace("FAILED IN ", "in ") for w in where[-1:])]
    )


def _stage_result(stamps: list[list[str]], samples: list, start: float) -> dict:
    """Wall seconds, peak RSS (MB) and bounds (from the start) per stage group."""
    bounds = {group: [math.inf, -math.inf] for group in GROUPS}
    for (stage, begin), (_, stop) in zip(stamps, stamps[1:], strict=False):
        span = bounds[STAGE_GROUPS[stage]]
        span[0], span[1] = min(span[0], float(begin)), max(span[1], float(stop))
    result: dict = {"stages": {}}
    for group, (begin, stop) in bounds.items():
        inside = [rss for t, rss in samples if begin <= t <= stop]
        result[f"{group}_s"] = max(stop - begin, 0.0)
        result[f"{group}_mb"] = max(inside, default=0) / 1e6
        result["stages"][group] = (begin - start, stop - start)
    return result


def measured_run(data: Path, out: Path, timeout: float, stop_at: str = "", chunk_rows=0) -> dict:
    """Run the study in a child process; seconds and peak MB per stage group and in total,
    and the steps sampled inside the child (``steps``: started, seconds, RSS, peak RSS)."""
    temp = out.parent / f"{out.name}-tmp"
    temp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "TMPDIR": str(temp)}
    logs = {name: out.parent / f"{out.name}-{name}.txt" for name in ("stdout", "stderr")}
    steps_path = out.parent / f"{out.name}-steps.json"
    command = [sys.executable, str(CHILD), str(data), str(out), str(steps_path), stop_at]
    own = resource.getrusage(resource.RUSAGE_SELF)
    start = time.time()
    with logs["stdout"].open("w") as stdout, logs["stderr"].open("w") as stderr:
        child = subprocess.Popen(
            [*command, str(chunk_rows)], stdout=stdout, stderr=stderr, env=env,
            start_new_session=True,
        )  # fmt: skip
        try:
            watched = _watch(child, start, timeout)
        except BaseException:  # Ctrl-C: the child has its own session and would run on
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise
        finally:
            shutil.rmtree(temp, ignore_errors=True)
    if watched is None:
        return {"failed": f"stopped after {timeout:.0f} s"}
    samples, tree, status, usage = watched
    if os.waitstatus_to_exitcode(status):
        code, reason = os.waitstatus_to_exitcode(status), _failure(logs["stderr"].read_text())
        return {"failed": f"exit {code} after {time.time() - start:.0f} s: {reason}"}
    stdout_lines = logs["stdout"].read_text().splitlines()
    stamps = [line.split()[1:] for line in stdout_lines if line.startswith("STAGE ")]
    result = _stage_result(stamps, samples, start)
    result["total_s"] = float(stamps[-1][1]) - start
    # CPU seconds of the study process and the children it waited for (Chromium): much less
    # sensitive than wall time to other work on a shared machine
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["peak_mb"] = max((rss for _, rss in samples), default=0) / 1e6
    result["tree_mb"] = max(tree / 1e6, result["peak_mb"])
    mine = resource.getrusage(resource.RUSAGE_SELF)
    result["harness_cpu_s"] = mine.ru_utime + mine.ru_stime - own.ru_utime - own.ru_stime
    steps = json.loads(steps_path.read_text())
    interval, result["sampler_cpu_s"] = steps.pop("interval"), steps.pop("sampler_cpu")
    result["steps"] = {  # step: (started, seconds, RSS when first seen, peak RSS)
        step: (first - start, n * interval, rss / 1e6, peak / 1e6)
        for step, (first, _, rss, peak, n) in steps.items()
    }
    return result


# --- sizes and shapes ---------------------------------------------------------------------------


def _seed_patients() -> int:
    return sum(1 for _ in (SHAPES["full"].sources()[0].parent / "patients.csv").open()) - 1


def _report(lines: list[str], markdown: Path | None = None) -> None:
    print("\n".join(lines), flush=True)
    if markdown is not None:
        with markdown.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n\n")


def _single_results(shape: str, args, work: Path) -> dict | None:
    """The single copy's ``results.json`` (its run stops before the report), or None when the
    runs stop before the analysis."""
    if args.stop_at == "cohort":
        return None
    reference = work / shape / "single"
    replicate_seed_twin(reference / "data", 1, shape)
    run = measured_run(reference / "data", reference / "out", TIMEOUT_BASE, "report")
    path = reference / "out" / "results.json"
    if "failed" in run or not path.exists():
        _report([f"  {shape}, the single copy: {run.get('failed', 'no results.json')}"])
        return None
    return json.loads(path.read_text())


def _verdict(single: dict | None, out: Path, copies: int) -> str | None:
    path = out / "results.json"
    if single is None or not path.exists():
        return None
    problems = replicated_differences(single, json.loads(path.read_text()), copies)
    return f"{len(problems)} differ: " + "; ".join(problems[:3]) if problems else "equal"


def measure_size(shape: str, target: int, args, work: Path, single: dict | None) -> Size:
    """Write the cohort of ``target`` patients, run it ``args.repeat`` times, keep the
    fastest run; the size's folder is deleted afterwards unless ``--keep``."""
    seed = _seed_patients()
    copies, folder = math.ceil(target / seed), work / shape / f"n{target}"
    rows = replicate_seed_twin(folder / "data", copies, shape)
    timeout = args.timeout or TIMEOUT_BASE + TIMEOUT_PER_ROW * rows
    tries = []
    for index in range(args.repeat):
        load = os.getloadavg()[0]
        tries.append(
            measured_run(folder / "data", folder / f"out{index}", timeout, args.stop_at,
                         args.chunk_rows) | {"load": load}
        )  # fmt: skip
    done = [r for r in tries if "failed" not in r]
    best = min(done, key=lambda r: r["total_s"]) if done else tries[0]
    verdict = _verdict(single, folder / f"out{tries.index(best)}", copies) if done else None
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return Size(copies * seed, copies, rows, best, verdict)


def measure_shape(shape: str, args, work: Path) -> list[Size]:
    """The single-copy reference run, then every size of ``args.sizes`` in ``shape``."""
    single = _single_results(shape, args, work)
    sizes = []
    for target in args.sizes:
        size = measure_size(shape, target, args, work, single)
        lines = [stage_row(shape, size)]
        if "failed" not in size.run:
            lines.append(
                f"  results vs one copy: {size.verdict or 'not checked'}; harness CPU "
                f"{size.run['harness_cpu_s']:.1f} s outside the study process, "
                f"{size.run['sampler_cpu_s']:.1f} s of its sampling thread"
            )
        _report(lines)
        sizes.append(size)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", "--patients", dest="sizes", type=int, nargs="*",
                        default=[1000, 15000], help="patients; without a number: the curve "
                        "1e3, 1e4, 1e5, 1e6")  # fmt: skip
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=["full"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (best time kept)")
    parser.add_argument("--timeout", type=float, help="seconds allowed per run (default: "
                        f"{TIMEOUT_BASE:.0f} s + {TIMEOUT_PER_ROW * 1e6:.0f} s per million "
                        "input rows)")  # fmt: skip
    parser.add_argument("--stop-at", choices=["cohort", "report"], default="",
                        help="end each run when this stage begins")  # fmt: skip
    parser.add_argument("--chunk-rows", type=int, default=0,
                        help="rows per intake chunk (default: the intake's)")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="keep the cohorts and outputs in this folder")
    parser.add_argument("--markdown", type=Path, help="append the docs' tables to this file")
    args = parser.parse_args()
    args.sizes = args.sizes or list(CURVE)
    # stopped with SIGTERM as with Ctrl-C: the study process is stopped and the folders deleted
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    with tempfile.TemporaryDirectory(prefix="oncorwe-scale-") as temp:
        work = args.keep or Path(temp)
        _report([STAGE_HEADER])
        for shape in args.shapes:
            sizes = measure_shape(shape, args, work)
            done = [s for s in sizes if "failed" not in s.run]
            for group in GROUPS[:2] if done else ():
                title = f"\nSteps of the {shape} cohort's {group} (RSS while each step ran)"
                _report([title, "", *step_table(done, group)])
            if args.markdown is not None:
                _report(results_table(shape, sizes), args.markdown)
                if steps := step_peak_table(shape, sizes):  # two sizes or more
                    _report(steps, args.markdown)


if __name__ == "__main__":
    main()
