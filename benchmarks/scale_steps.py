"""One study run by ``benchmarks/scale.py``, with its steps sampled from inside the process.

Usage (started by ``scale.py``, one process per measured run)::

    python benchmarks/scale_steps.py DATA OUT STEPS.json STOP_AT CHUNK_ROWS

Runs ``oncorwe.pipeline.run_study`` on ``DATA`` into ``OUT`` with the protocol ``hcc-rt-ici``,
the same call ``oncorwe run --data DATA --out OUT`` makes (without the progress bar), and prints
``STAGE <name> <time>`` at the start of every stage and ``STAGE done <time>`` at the end.
``STOP_AT`` (``cohort``, ``report`` or empty) ends the run when that stage begins;
``CHUNK_ROWS`` (0: the intake's default) sets the intake's rows per chunk.

A thread samples, every ``SAMPLE_SECONDS``, the process's resident memory (``/proc/self/statm``)
and the oncorwe functions on the main thread's stack: each step (a call path up to
``STEP_DEPTH`` calls below ``run_study``, or the last progress message such as ``validating
labs``) gets the time it was first and last seen, the RSS when first seen, its peak RSS and its
number of samples. ``STEPS.json`` holds them with the mean interval between samples and the
CPU seconds the sampling thread itself used.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import oncorwe

SAMPLE_SECONDS = 0.05
STEP_DEPTH = 5  # oncorwe calls deep, from run_study
PAGE = os.sysconf("SC_PAGE_SIZE")
PACKAGE = str(Path(oncorwe.__file__).parent) + os.sep


class _Stop(Exception):
    """Raised by the progress callback at the ``STOP_AT`` stage."""


def _own_rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


def _oncorwe_calls(frame) -> tuple[str, ...]:
    """The oncorwe functions on a stack, outermost first (``module.function``): functions
    defined in the installed package's folder, whatever the folders above it are called."""
    calls = []
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(PACKAGE):
            module = code.co_filename.removeprefix(PACKAGE).removesuffix(".py")
            calls.append(f"{module.replace(os.sep, '.')}.{code.co_qualname}")
        frame = frame.f_back
    return tuple(reversed(calls))


class StepSampler(threading.Thread):
    """Samples the process's RSS and the main thread's oncorwe calls every ``SAMPLE_SECONDS``:
    per step (call path or progress message) [first seen, last seen, RSS when first seen,
    peak RSS, samples]; ``interval`` is the mean time between samples, ``cpu`` the CPU seconds
    of this thread."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.main, self.note, self.steps = threading.main_thread().ident, "start", {}
        self.done, self.samples, self.began, self.cpu = threading.Event(), 0, time.time(), 0.0
        self.last = "start"  # the deepest step of the last sample, with the RSS then

    @property
    def interval(self) -> float:
        return (time.time() - self.began) / max(self.samples, 1)

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            now, rss = time.time(), _own_rss()
            self.samples += 1
            # only the main thread's frame, dropped at once: a frame kept alive here would keep
            # the locals of a function that has returned (a query result, a frame) alive too
            calls = _oncorwe_calls(sys._current_frames().get(self.main))
            keys = [f"step: {self.note}"] + [
                " > ".join(calls[1:depth]) for depth in range(2, min(len(calls), STEP_DEPTH) + 1)
            ]
            self.last = f"{keys[-1]} ({rss / 1e6:.0f} MB)"
            for key in keys:
                step = self.steps.setdefault(key, [now, now, rss, rss, 0])
                step[1], step[3], step[4] = now, max(step[3], rss), step[4] + 1
        self.cpu = time.thread_time()


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
        steps = {"interval": sampler.interval, "sampler_cpu": sampler.cpu, **sampler.steps}
        Path(steps_path).write_text(json.dumps(steps))
    print("STAGE done", time.time(), flush=True)


if __name__ == "__main__":
    child(*sys.argv[1:6])
