"""Time the explorer (``oncorwe explore``) in headless Chromium: page load and updates.

Usage::

    python benchmarks/explore.py                    # the demo study and a 15,000-patient cohort
    python benchmarks/explore.py --patients 0       # the demo study only

What is timed, in wall-clock seconds (median of ``--repeat`` updates):

- study load: ``Study.load`` of the seed twin (reading, validation, every derivation);
- page load: from a browser's request of the page, the server already listening, until the
  Kaplan-Meier figure and its table are on the page;
- update: from a change of the "group by" control until the new figure is on the page and
  Shiny is idle (the figure is drawn on the server with matplotlib and sent as a PNG); "cold"
  for a state not seen before, "warm" for one the explorer keeps (``VIEWS_KEPT``);
- server CPU: process time of one cold view (statistics, figure, PNG) without the browser, the
  part that does not depend on how busy the machine is.

The large cohort replicates the seed twin's patients (new ids) up to ``--patients``; only the
explorer's statistics are timed on it (the analysis datasets come from the twin's derivations).
Chromium is Debian's (``/usr/bin/chromium``), driven by playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import threading
import time

import numpy as np
import pandas as pd
import uvicorn

from oncorwe.api import Study
from oncorwe.explore.app import explorer_app
from oncorwe.explore.serve import HOST, free_port
from oncorwe.explore.view import compute_view, grouping_columns
from oncorwe.synth import seed_twin_path

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def replicated(cohort: pd.DataFrame, n: int, seed: int = 20260101) -> pd.DataFrame:
    """``n`` patients drawn from ``cohort`` with new ids and times jittered by up to a day."""
    rng = np.random.default_rng(seed)
    rows = cohort.iloc[rng.integers(0, len(cohort), n)].reset_index(drop=True)
    rows["patient_id"] = [f"REP-{i:06d}" for i in range(n)]
    for column in [c for c in rows.columns if c.endswith("_months")]:
        jitter = rng.uniform(0, 1 / 30.4375, n)
        rows[column] = rows[column] + np.where(rows[column].notna(), jitter, 0.0)
    return rows


class Server:
    """An explorer app served by uvicorn in a background thread."""

    def __init__(self, app) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host=HOST, port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://{HOST}:{self.port}/"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def time_page(url: str, groupings: list[str]) -> tuple[float, list[float]]:
    """(page load seconds, update seconds per change of the grouping, in order)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#km-image", timeout=120_000)
        page.wait_for_selector("#summary-table td[data-field='n']")
        load = time.perf_counter() - start
        updates = []
        for by in groupings:
            src = page.get_attribute("#km-image", "src")
            start = time.perf_counter()
            page.select_option("#by", by)
            page.wait_for_function(
                "s => { const i = document.querySelector('#km-image'); return i && i.src !== s; }",
                arg=src,
                timeout=120_000,
            )
            page.wait_for_function("() => !document.querySelector('html.shiny-busy')")
            updates.append(time.perf_counter() - start)
        browser.close()
    return load, updates


def server_cpu(cohort: pd.DataFrame, study: Study, groupings: list[str]) -> float:
    """Median process time of one view (no browser, no cache)."""
    times = []
    for by in groupings:
        start = time.process_time()
        compute_view(cohort, study.protocol, "os", by, None, True)
        times.append(time.process_time() - start)
    return statistics.median(times)


def run(label: str, cohort: pd.DataFrame, study: Study, repeat: int) -> dict:
    default = study.protocol.subgroups.table1_by
    cold = [c for c in grouping_columns(cohort) if c != default][:repeat]
    app = explorer_app(cohort, study.protocol, synthetic=True)
    with Server(app) as url:
        load, updates = time_page(url, cold + cold[:3])
    cold_times, warm_times = updates[: len(cold)], updates[len(cold) :]
    return {
        "cohort": label,
        "patients": len(cohort),
        "page_load_s": round(load, 3),
        "update_cold_median_s": round(statistics.median(cold_times), 3),
        "update_cold_max_s": round(max(cold_times), 3),
        "update_warm_median_s": round(statistics.median(warm_times), 3),
        "server_cpu_per_view_s": round(server_cpu(cohort, study, cold), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=15_000, help="large cohort (0: none)")
    parser.add_argument("--repeat", type=int, default=8, help="updates timed per cohort")
    args = parser.parse_args()
    start = time.perf_counter()
    study = Study.load(seed_twin_path())
    print(
        f"study load (seed twin, {len(study.cohort)} patients): {time.perf_counter() - start:.2f} s"
    )
    rows = [run("demo (seed twin)", study.cohort, study, args.repeat)]
    if args.patients:
        big = replicated(study.cohort, args.patients)
        rows.append(run(f"seed twin replicated to {args.patients}", big, study, args.repeat))
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
