"""Time report generation for the 108-patient demo (target: under 10 s end to end).

Usage::

    python benchmarks/report.py             # 3 runs, best time per stage
    python benchmarks/report.py --repeat 5

Each run is ``oncorwe.pipeline.run_study`` on the shipped seed twin, exactly what
``oncorwe demo`` does; the pipeline's progress callback stamps the start of each stage, so the
"report" stage (HTML, figures, CSV/XLSX, Word, and PDF when Chromium is installed) is timed
inside the real run. Wall-clock seconds, best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from oncorwe.pipeline import STAGES, run_study
from oncorwe.protocol import load_protocol
from oncorwe.report.pdf import find_browser
from oncorwe.synth.seed_twin import seed_twin_path

TARGET_SECONDS = 10.0


def timed_run(out_dir: Path) -> dict[str, float]:
    """One demo run: seconds per pipeline stage, plus ``total``."""
    stamps: list[tuple[str, float]] = []
    start = time.perf_counter()
    run_study(
        seed_twin_path(),
        load_protocol("hcc-rt-ici"),
        out_dir,
        progress=lambda stage: stamps.append((stage, time.perf_counter())),
        synthetic=True,
    )
    end = time.perf_counter()
    # details within a stage ("reading patients: ...", "validating labs") count for that stage
    stamps = [(stage, t) for stage, t in stamps if stage in STAGES]
    bounds = [t for _, t in stamps[1:]] + [end]
    durations = {stage: stop - begin for (stage, begin), stop in zip(stamps, bounds, strict=True)}
    durations["total"] = end - start
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="oncorwe-bench-") as folder:
        for index in range(args.repeat):
            runs.append(timed_run(Path(folder) / f"run{index}"))
    best = {k: min(r.get(k, float("nan")) for r in runs) for k in (*STAGES, "total")}
    pdf = "with PDF (Chromium)" if find_browser() else "without PDF (no Chromium found)"
    print(f"oncorwe demo, 108 patients, best of {args.repeat} runs, {pdf}")
    for stage, seconds in best.items():
        print(f"  {stage:<12} {seconds:6.2f} s")
    verdict = "meets" if best["total"] < TARGET_SECONDS else "MISSES"
    print(f"end to end {best['total']:.2f} s: {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
