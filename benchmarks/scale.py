"""Time and memory of ``oncorwe run`` on replicated cohorts, stage by stage and step by step.

Usage::

    python benchmarks/scale.py                                  # 1,000 and 15,000 patients
    python benchmarks/scale.py --sizes 10000 40000 --shapes registry --stop-at cohort
    python benchmarks/scale.py --sizes --markdown curve.md      # the curve: 1e3, 1e4, 1e5, 1e6

A cohort of N patients is ``ceil(N / 122)`` copies of the seed twin with new patient ids
(``oncorwe.synth.replicate``), in one of two shapes: ``full`` (every table, 66 input rows per
patient: 23 laboratory values and 24 lesion measurements among them) or ``registry`` (without
lesion measurements and laboratory values, the recorded response of each assessment as a
registry holds it: 19 rows per patient). The files are written one copy at a time.

Each size runs in a fresh child process (this script with ``--child``) that calls
``oncorwe.pipeline.run_study`` (what ``oncorwe run`` calls, without the progress bar). Every
50 ms the parent reads from ``/proc`` the resident set size (RSS) of the study process and the
proportional set size (PSS) of that process with its children (Chromium printing
``report.pdf``); stages: intake (read, validate, store), analysis (cohort, derivations,
statistics, ``results.json``, ADaM files), report. Inside the child a thread samples, every
50 ms, the process's RSS and the oncorwe functions on the main thread's stack: each step (a
function, four calls deep at most, or a progress message such as ``validating labs``) gets its
seconds, the RSS when it was first seen and its peak RSS. "CPU" is the user + system time of the
study process and the children it waited for; "load" the 1-minute load average at the start.

``--stop-at cohort`` ends a run when the intake is done (``--stop-at report``: before the
report). With two sizes or more, the steps' peak RSS at the two largest sizes are compared:
MB per 100,000 input rows.

The replicated run's ``results.json`` is checked against the single copy's of the same shape:
every median, percentage and survival probability must be equal (to 1e-9) and every count
multiplied by the number of copies; confidence limits, standard errors and p values shrink
with N and are not checked.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from oncorwe.synth.replicate import SHAPES, replicate_seed_twin, replicated_differences

__all__ = ["replicate_seed_twin"]  # benchmarks/engines.py imports it from here
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
CURVE = (1_000, 10_000, 100_000, 1_000_000)
SAMPLE_SECONDS = 0.05
STEP_DEPTH = 4  # oncorwe calls deep, from run_study
TIMEOUT_BASE, TIMEOUT_PER_ROW = 600.0, 50e-6  # default timeout: seconds, plus per input row
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- the child: one study, its steps sampled from inside -----------------------------------------


class _Stop(Exception):
    """Raised by the progress callback at the ``--stop-at`` stage."""


def _own_rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


def _oncorwe_calls(frame) -> tuple[str, ...]:
    """The oncorwe functions on a stack, outermost first (``module.function``)."""
    calls = []
    while frame is not None:
        code = frame.f_code
        if "/oncorwe/" in code.co_filename:
            module = code.co_filename.rsplit("/oncorwe/", 1)[1].removesuffix(".py")
            calls.append(f"{module.replace('/', '.')}.{code.co_qualname}")
        frame = frame.f_back
    return tuple(reversed(calls))


class StepSampler(threading.Thread):
    """Samples the process's RSS and the main thread's oncorwe calls every ``SAMPLE_SECONDS``:
    per step (call path or progress message) [first seen, last seen, RSS when first seen,
    peak RSS, samples]; ``interval`` is the mean time between samples."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.main, self.note, self.steps = threading.main_thread().ident, "start", {}
        self.done, self.samples, self.began = threading.Event(), 0, time.time()
        self.last = "start"  # the deepest step of the last sample, with the RSS then

    @property
    def interval(self) -> float:
        return (time.time() - self.began) / max(self.samples, 1)

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            now, rss = time.time(), _own_rss()
            self.samples += 1
            calls = _oncorwe_calls(sys._current_frames().get(self.main))
            keys = [f"step: {self.note}"] + [
                " > ".join(calls[1:depth]) for depth in range(2, min(len(calls), STEP_DEPTH) + 1)
            ]
            self.last = f"{keys[-1]} ({rss / 1e6:.0f} MB)"
            for key in keys:
                step = self.steps.setdefault(key, [now, now, rss, rss, 0])
                step[1], step[3], step[4] = now, max(step[3], rss), step[4] + 1


def child(data: str, out: str, steps_path: str, stop_at: str, chunk_rows: str) -> None:
    """Run the study on ``data`` into ``out``, stamping stages on stdout; steps to JSON."""
    from oncorwe.intake import take_in
    from oncorwe.pipeline import STAGES, run_study
    from oncorwe.protocol import load_protocol

    if int(chunk_rows):  # run_study does not pass a chunk size: the intake's default
        take_in.__kwdefaults__["chunk_rows"] = int(chunk_rows)

    sampler = StepSampler()

    def progress(message: str) -> None:
        sampler.note = message.split(":")[0]  # "reading labs: 50,000 rows" -> "reading labs"
        if message == stop_at:  # before its stamp: "STAGE done" ends the stage before it
            raise _Stop
        if message in STAGES:
            print("STAGE", message, time.time(), flush=True)

    sampler.start()
    try:
        run_study(data, load_protocol("hcc-rt-ici"), out, progress=progress)
    except _Stop:
        pass
    except Exception:
        print("FAILED IN", sampler.last, file=sys.stderr, flush=True)
        raise
    finally:
        sampler.done.set()
        sampler.join()
        Path(steps_path).write_text(json.dumps({"interval": sampler.interval, **sampler.steps}))
    print("STAGE done", time.time(), flush=True)


# --- the parent: one measured run ---------------------------------------------------------------


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


def _watch(child: subprocess.Popen, start: float, timeout: float):
    """Sample the child's memory until it ends: (samples, status, usage), or None on timeout."""
    samples: list[tuple[float, int, int]] = []
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            return samples, status, usage
        samples.append((time.time(), *_memory(child.pid)))
        if time.time() - start > timeout:
            child.kill()
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


def measured_run(data: Path, out: Path, timeout: float, stop_at: str = "", chunk_rows=0) -> dict:
    """Run the study in a child process; seconds and peak MB per stage group and in total,
    and the steps sampled inside the child (``steps``: started, seconds, RSS, peak RSS)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    steps_path = out.parent / f"{out.name}-steps.json"
    command = [sys.executable, __file__, "--child", str(data), str(out), str(steps_path)]
    command += [stop_at, str(chunk_rows)]
    start = time.time()
    child_process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    watched = _watch(child_process, start, timeout)
    if watched is None:
        return {"failed": f"stopped after {timeout:.0f} s"}
    samples, status, usage = watched
    stdout, stderr = child_process.stdout.read(), child_process.stderr.read()
    if os.waitstatus_to_exitcode(status):
        (out.parent / f"{out.name}-stderr.txt").write_text(stderr)
        code = os.waitstatus_to_exitcode(status)
        return {"failed": f"exit {code} after {time.time() - start:.0f} s: {_failure(stderr)}"}
    stamps = [line.split()[1:] for line in stdout.splitlines() if line.startswith("STAGE ")]
    bounds = {group: [math.inf, -math.inf] for group in GROUPS}
    for (stage, begin), (_, stop) in zip(stamps, stamps[1:], strict=False):
        span = bounds[STAGE_GROUPS[stage]]
        span[0], span[1] = min(span[0], float(begin)), max(span[1], float(stop))
    result: dict = {"stages": {}}
    for group, (begin, stop) in bounds.items():
        inside = [rss for t, rss, _ in samples if begin <= t <= stop]
        result[f"{group}_s"] = max(stop - begin, 0.0)
        result[f"{group}_mb"] = max(inside, default=0) / 1e6
        result["stages"][group] = (begin - start, stop - start)
    result["total_s"] = float(stamps[-1][1]) - start
    # CPU seconds of the study process and the children it waited for (Chromium): much less
    # sensitive than wall time to other work on a shared machine
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["peak_mb"] = max((rss for _, rss, _ in samples), default=0) / 1e6
    result["tree_mb"] = max((pss for _, _, pss in samples), default=0) / 1e6
    steps = json.loads(steps_path.read_text())
    interval = steps.pop("interval")
    result["steps"] = {  # step: (started, seconds, RSS when first seen, peak RSS)
        step: (first - start, n * interval, rss / 1e6, peak / 1e6)
        for step, (first, _, rss, peak, n) in steps.items()
    }
    return result


# --- tables -------------------------------------------------------------------------------------

HEADER = (
    "| shape | patients (copies) | input rows | intake | analysis | report | total | CPU "
    "| peak RSS | peak PSS with Chromium | load |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def stage_row(shape: str, patients: int, copies: int, rows: int, r: dict) -> str:
    """A Markdown row: wall seconds / peak RSS per stage group, totals, and the load average
    (1 minute, at the start of the run)."""
    if "failed" in r:
        return f"| {shape} | {patients:,} ({copies:,}) | {rows:,} | failed: {r['failed']} |"
    cells = [
        f"{r[f'{g}_s']:.1f} s / {r[f'{g}_mb']:.0f} MB" if r[f"{g}_mb"] else "not run"
        for g in GROUPS
    ]
    return (
        f"| {shape} | {patients:,} ({copies:,}) | {rows:,} | "
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


def step_table(runs: list[tuple[int, dict]], group: str) -> list[str]:
    """Markdown rows of the steps first seen in stage ``group`` of the last run: when each
    started and its seconds (samples x their mean interval) in that run, its peak RSS and rise
    (peak less the RSS when the step was first seen) at every size and, for two sizes or more,
    how much the peak grew per 100,000 input rows between the two largest sizes."""
    (first_rows, _), (last_rows, last) = runs[max(len(runs) - 2, 0)], runs[-1]
    begin, stop = last["stages"][group]
    sizes = " | ".join(f"peak (rise) at {rows:,} rows" for rows, _ in runs)
    lines = [f"| step | started | seconds | {sizes} | MB per 100k rows |"]
    lines.append("|---" * (4 + len(runs)) + "|")
    for step, (began, seconds, _, _) in sorted(last["steps"].items(), key=lambda s: s[1][0]):
        if not begin <= began < stop or seconds < 2 * SAMPLE_SECONDS:
            continue
        seen = [r["steps"].get(step, (0, 0, math.nan, math.nan)) for _, r in runs]
        slope = (seen[-1][3] - seen[-2][3]) / (last_rows - first_rows) * 1e5 if len(runs) > 1 else 0
        cells = " | ".join(f"{peak:.0f} MB ({peak - entry:+.0f})" for _, _, entry, peak in seen)
        lines.append(
            f"| {_label(step)} | {began:.1f} s | {seconds:.1f} s | {cells} | {slope:+.1f} |"
        )
    return lines


# --- main --------------------------------------------------------------------------------------


def _seed_patients() -> int:
    return sum(1 for _ in (SHAPES["full"].sources()[0].parent / "patients.csv").open()) - 1


def _report(lines: list[str], markdown: Path | None) -> None:
    print("\n".join(lines), flush=True)
    if markdown is not None:
        with markdown.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


def measure_shape(shape: str, args, work: Path) -> list[tuple[int, dict]]:
    """The single-copy reference run, then every size of ``args.sizes`` in ``shape``."""
    seed = _seed_patients()
    reference = work / shape / "single"
    replicate_seed_twin(reference / "data", 1, shape)
    measured_run(reference / "data", reference / "out", TIMEOUT_BASE, args.stop_at, args.chunk_rows)
    single_path = reference / "out" / "results.json"
    single = json.loads(single_path.read_text()) if single_path.exists() else None
    runs = []
    for target in args.sizes:
        copies, folder = math.ceil(target / seed), work / shape / f"n{target}"
        rows = replicate_seed_twin(folder / "data", copies, shape)
        timeout = args.timeout or TIMEOUT_BASE + TIMEOUT_PER_ROW * rows
        tries = []
        for index in range(args.repeat):
            load = os.getloadavg()[0]
            out = folder / f"out{index}"
            tries.append(measured_run(folder / "data", out, timeout, args.stop_at, args.chunk_rows))
            tries[-1]["load"] = load
        done = [r for r in tries if "failed" not in r]
        best = min(done, key=lambda r: r["total_s"]) if done else tries[0]
        lines = [stage_row(shape, copies * seed, copies, rows, best)]
        path = folder / f"out{tries.index(best)}" / "results.json"
        if done and single is not None and path.exists():
            problems = replicated_differences(single, json.loads(path.read_text()), copies)
            verdict = "; ".join(problems[:5]) or "all equal / multiplied"
            lines.append(f"  {shape}, {copies:,} copies, results vs one copy: {verdict}")
        _report(lines, args.markdown)
        if done:
            runs.append((rows, best))
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return runs


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
    parser.add_argument("--markdown", type=Path, help="append the tables to this file")
    args = parser.parse_args()
    args.sizes = args.sizes or list(CURVE)
    with tempfile.TemporaryDirectory(prefix="oncorwe-scale-") as temp:
        work = args.keep or Path(temp)
        _report([HEADER], args.markdown)
        measured = {shape: measure_shape(shape, args, work) for shape in args.shapes}
        for shape, runs in measured.items():
            for group in GROUPS[:2] if runs else ():
                title = f"\nSteps of the {shape} cohort's {group} (RSS while each step ran)"
                _report([title, "", *step_table(runs, group)], args.markdown)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:7])
    else:
        main()
