"""Import memory and time: streamed intake (``oncorwe validate``) vs validation in memory.

Usage::

    python benchmarks/intake.py                      # N = 1e5 .. 3e6 adverse-event rows
    python benchmarks/intake.py --rows 100000 300000  # other sizes
    python benchmarks/intake.py --patients 15000 40000  # the replicated seed twin (CPU seconds)
    python benchmarks/intake.py --fixed 5              # a small intake's fixed cost, 5 runs

Each measurement runs in a fresh Python process and reports that process's peak resident memory
(``ru_maxrss``) and wall time. The study is the seed twin with an ``adverse_events.csv`` of N
rows (seven of them break the grade rule). "streamed" is ``oncorwe validate`` (read, stage into
DuckDB, validate in chunks of 50,000 rows, write validation.csv); "in memory" is
``validate_tables(read_source(...))``, the API for tables that fit in memory.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_study(folder: Path, rows: int) -> Path:
    """The seed twin with ``rows`` adverse events on the patients' last contact dates."""
    from oncorwe.synth import seed_twin_path

    data = folder / f"study_{rows}"
    shutil.copytree(seed_twin_path(), data)
    patients = pd.read_csv(data / "patients.csv")
    ids = patients["patient_id"].to_numpy()
    onset = dict(zip(ids, patients["last_contact_date"], strict=True))
    rng = np.random.default_rng(1)
    grades = rng.integers(1, 6, size=rows).astype(object)
    grades[:7] = "9"
    who = ids[rng.integers(0, len(ids), size=rows)]
    pd.DataFrame(
        {
            "patient_id": who,
            "term": pd.Series(np.arange(rows)).map("Event {:08d}".format).to_numpy(),
            "grade": grades,
            "onset_date": pd.Series(who).map(onset).to_numpy(),
        }
    ).to_csv(data / "adverse_events.csv", index=False)
    return data


def one(mode: str, data: str, out: str) -> None:
    """Run one measurement in this process and print ``seconds peak_mb``."""
    start = time.perf_counter()
    if mode == "streamed":
        from oncorwe.cli import main

        main(["validate", data, "--out", out, "--show", "0"])
    else:
        from oncorwe.io.sources import read_source
        from oncorwe.validate import validate_tables

        validate_tables(read_source(data))
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.2f} {peak_mb:.0f}")


def one_study(data: str, out: str) -> None:
    """Take ``data`` in (read, validate, store) in this process and print the CPU seconds
    (user + system, DuckDB's threads included) of each stage, the total and the peak memory."""
    from oncorwe.intake import take_in

    stamps = [("read", time.process_time())]

    def progress(stage: str) -> None:
        if stage in ("validate", "store"):
            stamps.append((stage, time.process_time()))

    take_in(
        data,
        store_path=Path(out) / "study.duckdb",
        findings_path=Path(out) / "v.csv",
        progress=progress,
    )
    stamps.append(("end", time.process_time()))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stages = {a: b_t - a_t for (a, a_t), (_, b_t) in zip(stamps, stamps[1:], strict=False)}
    cpu = usage.ru_utime + usage.ru_stime
    print(
        " ".join(f"{stages.get(k, 0):.1f}" for k in ("read", "validate", "store")),
        f"{cpu:.1f} {usage.ru_maxrss / 1024:.0f}",
    )


def minimal_study(folder: Path) -> Path:
    """The seed twin cut down to its first 3 patients and at most 6 rows of theirs per table."""
    from oncorwe.synth import seed_twin_path

    data = folder / "minimal"
    data.mkdir()
    ids = pd.read_csv(seed_twin_path() / "patients.csv", dtype=str)["patient_id"].head(3)
    for path in sorted(seed_twin_path().glob("*.csv")):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table[table["patient_id"].isin(set(ids))].head(6).to_csv(data / path.name, index=False)
    return data


def fixed_cost(runs: int) -> None:
    """CPU seconds (user + system, DuckDB's threads included) of ``take_in`` with a store and
    ``validation.csv`` on the minimal study and the seed twin, in one process, after one run
    of each that loads the imports; ``runs`` runs each, interleaved."""
    from oncorwe.intake import take_in
    from oncorwe.synth import seed_twin_path

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    with tempfile.TemporaryDirectory() as tmp:
        studies = {"minimal study": minimal_study(Path(tmp)), "seed twin": seed_twin_path()}
        seconds: dict[str, list[float]] = {name: [] for name in studies}
        for run in range(runs + 1):
            for name, data in studies.items():
                out = Path(tmp) / f"out_{run}_{len(seconds[name])}_{name[0]}"
                out.mkdir()
                start = cpu()
                take_in(data, store_path=out / "study.duckdb", findings_path=out / "v.csv")
                if run:  # the first run loads the imports
                    seconds[name].append(cpu() - start)
                shutil.rmtree(out)
    print("| study | runs | CPU min | CPU median |")
    print("|---|---|---|---|")
    for name, values in seconds.items():
        print(f"| {name} | {runs} | {min(values):.2f} s | {float(np.median(values)):.2f} s |")


def patients_table(sizes: list[int]) -> None:
    """CPU seconds of the intake of the replicated seed twin (``benchmarks/scale.py``)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from scale import replicate_seed_twin

    from oncorwe.synth import seed_twin_path

    per_copy = sum(1 for _ in open(seed_twin_path() / "patients.csv")) - 1
    print("| patients | rows | read | validate | store | intake CPU | peak memory |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for patients in sizes:
            copies = -(-patients // per_copy)
            data = Path(tmp) / f"twin_{copies}"
            rows = replicate_seed_twin(data, copies)
            out = Path(tmp) / f"out_{copies}"
            out.mkdir()
            run = subprocess.run(
                [sys.executable, __file__, "--study", str(data), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            read, check, store, cpu, peak = run.stdout.split()[-5:]
            print(
                f"| {copies * per_copy:,} | {rows:,} | {read} s | {check} s | {store} s | "
                f"{cpu} s | {peak} MB |",
                flush=True,
            )
            shutil.rmtree(data)
            shutil.rmtree(out)


def measure(mode: str, data: Path, out: Path) -> tuple[float, float]:
    run = subprocess.run(
        [sys.executable, __file__, "--one", mode, str(data), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak = run.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, nargs="*", default=[100_000, 300_000, 1_000_000, 3_000_000]
    )
    parser.add_argument("--patients", type=int, nargs="*", help="replicated seed-twin sizes")
    parser.add_argument("--fixed", type=int, metavar="RUNS", help="a small intake's fixed cost")
    parser.add_argument("--one", nargs=3, metavar=("MODE", "DATA", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--study", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one)
        return
    if args.study:
        one_study(*args.study)
        return
    if args.patients:
        patients_table(args.patients)
        return
    if args.fixed:
        fixed_cost(args.fixed)
        return
    print(
        "| AE rows | CSV size | streamed: time | streamed: peak memory | in memory: time | "
        "in memory: peak memory |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            data = make_study(Path(tmp), rows)
            size = (data / "adverse_events.csv").stat().st_size / 1e6
            s_time, s_peak = measure("streamed", data, Path(tmp) / f"out_{rows}")
            m_time, m_peak = measure("memory", data, Path(tmp) / f"mem_{rows}")
            print(
                f"| {rows:,} | {size:.0f} MB | {s_time:.1f} s | {s_peak:.0f} MB | "
                f"{m_time:.1f} s | {m_peak:.0f} MB |",
                flush=True,
            )
            shutil.rmtree(data)


if __name__ == "__main__":
    main()
