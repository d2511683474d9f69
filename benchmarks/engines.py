"""The same study on every engine: DuckDB (the study store itself), PostgreSQL and Spark.

Usage::

    python benchmarks/engines.py                    # 15,000 patients, every engine
    python benchmarks/engines.py --patients 1000 --engines duckdb postgres

The cohort is the seed twin replicated to the size asked (``benchmarks/scale.py``), taken in
once into a study store; then, per engine, the accepted tables are opened or loaded
(``oncorwe.engine.study_store.open_engine``) and the cohort, the derivations, the statistics
and the derivation findings run there. Every engine's ``results.json`` values must equal
DuckDB's (floats to 1e-9, ``oncorwe.engine.compare``); the script exits 1 otherwise. PostgreSQL
is the server at ``ONCORWE_POSTGRES_URL`` (``.ci/run`` starts one) or a throwaway server of
its own (``tests/postgres_server.py``); Spark is a local session (``local[*]``) unless
``--spark-url`` names a master. Times are wall seconds: "load" opens the engine and puts the
accepted tables there, "study" is cohort + derivations + statistics + findings.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from scale import replicate_seed_twin

from oncorwe.analysis.findings import derivation_findings
from oncorwe.analysis.study import analyse_study
from oncorwe.engine import connect
from oncorwe.engine.compare import result_differences
from oncorwe.engine.study_store import open_engine
from oncorwe.intake import take_in
from oncorwe.protocol import load_protocol

SEED_PATIENTS = 122


def run_on(name: str, url: str | None, store: Path) -> tuple[dict, list, float, float]:
    """Results, findings, load seconds and study seconds of the study on one engine."""
    start = time.perf_counter()
    target = None if name == "duckdb" else connect(name, url)
    with open_engine(store, target) as engine:
        loaded = time.perf_counter()
        outputs, _, _ = analyse_study(engine, load_protocol("hcc-rt-ici"), synthetic=True)
        findings = derivation_findings(engine).astype(str).values.tolist()
        done = time.perf_counter()
    return outputs.results.to_dict(), findings, loaded - start, done - loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=15_000)
    parser.add_argument("--engines", nargs="+", default=["duckdb", "postgres", "spark"])
    parser.add_argument("--spark-url", default=None)
    args = parser.parse_args()
    copies = math.ceil(args.patients / SEED_PATIENTS)
    with tempfile.TemporaryDirectory(prefix="oncorwe-engines-") as folder, ExitStack() as stack:
        data, store = Path(folder) / "data", Path(folder) / "study.duckdb"
        rows = replicate_seed_twin(data, copies)
        start = time.perf_counter()
        take_in(data, store_path=store, findings_path=Path(folder) / "validation.csv")
        print(f"{copies * SEED_PATIENTS:,} patients, {rows:,} rows; intake "
              f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
        urls = {"duckdb": None, "spark": args.spark_url}
        if "postgres" in args.engines:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
            from postgres_server import postgres_url

            urls["postgres"] = stack.enter_context(postgres_url())
        reference, failed = None, False
        print("| engine | load (s) | study (s) | same results as DuckDB |")
        print("|---|---:|---:|---|")
        for name in ["duckdb", *[e for e in args.engines if e != "duckdb"]]:
            results, findings, load, study = run_on(name, urls[name], store)
            if reference is None:
                reference, same = (results, findings), "reference"
            else:
                differences = result_differences(reference[0], results)
                if findings != reference[1]:
                    differences.append("derivation findings differ")
                same = "yes" if not differences else "NO: " + "; ".join(differences[:5])
                failed = failed or bool(differences)
            print(f"| {name} | {load:.1f} | {study:.1f} | {same} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
