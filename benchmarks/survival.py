"""Time oncorwe's survival statistics against lifelines, scikit-survival, statsmodels and R.

Usage::

    python benchmarks/survival.py --quick          # N = 1e3, 1e4; well under a minute
    python benchmarks/survival.py --out docs/benchmarks.md   # N = 1e3 .. 1e6

Same generated data for every tool (seeded): 4 normal covariates, exponential event times with
log hazard ratios (0.5, -0.3, 0.2, 0), about 30 % censoring; "continuous" times and times rounded
up to whole days (many ties); for competing risks the events are split into cause 1 (60 %) and a
competing cause 2. Peers that are not installed are skipped and reported as such. Install the
peers with ``pip install -e ".[bench]"``. Timings are wall-clock seconds: the median of
``--repeat`` runs (one run when the first takes over 3 s); ``--cpu`` times CPU seconds instead
(R: user + system), steadier on a shared machine. The load average is recorded at each size:
on a shared machine only ratios measured in the same run compare. oncorwe's compiled
kernels (numba) are compiled or loaded from their cache once before any timing; that one-time
cost is reported on its own. Peak memory of oncorwe's Cox fit at the largest N is measured with
``tracemalloc`` (numpy reports its buffers to it) and the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from oncorwe.stats import concordance, cox_ph, cumulative_incidence, kaplan_meier, logrank

COVARIATES = ["x1", "x2", "x3", "x4"]
R_SCRIPT = """
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
d <- read.csv(args[1])
cpu <- args[2] == "cpu"
tasks <- strsplit(args[3], ",")[[1]]
clock <- function(s) if (cpu) s[["user.self"]] + s[["sys.self"]] else s[["elapsed"]]
timed <- function(task, expr) if (task %in% tasks) clock(system.time(expr)) else NA
t_km <- timed("kaplan_meier", survfit(Surv(time, event) ~ 1, data = d))
t_lr <- timed("logrank", survdiff(Surv(time, event) ~ group, data = d))
t_cox <- timed("cox_efron", coxph(Surv(time, event) ~ x1 + x2 + x3 + x4, data = d))
t_aj <- NA
# survfit's multi-state fit grows about quadratically here (1.6 s at N = 1e4): smaller N only
if (nrow(d) <= 10000) {
  t_aj <- timed("aalen_johansen", survfit(Surv(time, factor(status)) ~ 1, data = d))
}
t_cuminc <- NA
if (requireNamespace("cmprsk", quietly = TRUE)) {
  t_cuminc <- timed("aalen_johansen", cmprsk::cuminc(d$time, d$status))
}
cat(t_km, t_lr, t_cox, t_aj, t_cuminc, "\\n")
"""


def make_data(n: int, rounded: bool, seed: int = 2025) -> pd.DataFrame:
    """Exponential event times with ~30 % uniform censoring; times in days (>= 1 when rounded)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4))
    hazard = np.exp(x @ np.array([0.5, -0.3, 0.2, 0.0])) / 365.0
    event_time = rng.exponential(1 / hazard)
    censor_time = rng.uniform(0, np.quantile(event_time, 0.95) * 1.6, n)
    time_ = np.minimum(event_time, censor_time)
    data = pd.DataFrame(x, columns=COVARIATES)
    data["time"] = np.ceil(time_) if rounded else time_
    data["event"] = (event_time <= censor_time).astype(int)
    data["group"] = (data["x1"] > 0).astype(int)
    # competing risks: cause 1 or 2 for each event (a separate stream keeps the columns above)
    cause = np.where(np.random.default_rng(seed + 1).random(n) < 0.6, 1, 2)
    data["status"] = data["event"] * cause
    return data


TASKS = ("kaplan_meier", "logrank", "cox_efron", "aalen_johansen", "concordance")
# wall-clock seconds, or with --cpu the CPU seconds of this process (R: user + system)
CLOCK = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCK["wall"]


def timed(function: Callable[[], object], repeat: int) -> float:
    """Median time of ``repeat`` calls (one call when the first takes over 3 s)."""
    seconds = []
    for _ in range(repeat):
        start = clock()
        function()
        seconds.append(clock() - start)
        if seconds[0] > 3.0:
            break
    return float(np.median(seconds))


def warm_up() -> float:
    """Seconds to compile (or load from numba's cache) the kernels, on a small data set."""
    start = time.perf_counter()
    for task in oncorwe_tasks(make_data(200, rounded=False)).values():
        task()
    return time.perf_counter() - start


def oncorwe_tasks(d: pd.DataFrame) -> dict[str, Callable[[], object]]:
    model = cox_ph(d, "time", "event", COVARIATES)  # fitted once: concordance is timed alone
    return {
        "kaplan_meier": lambda: kaplan_meier(d["time"], d["event"]).table,
        "logrank": lambda: logrank(d["time"], d["event"], d["group"]),
        "cox_efron": lambda: cox_ph(d, "time", "event", COVARIATES),
        "aalen_johansen": lambda: cumulative_incidence(d["time"], d["status"], 1).table,
        "concordance": lambda: concordance(model),
    }


def lifelines_tasks(d: pd.DataFrame) -> dict[str, Callable[[], object]]:
    from lifelines import AalenJohansenFitter, CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test

    g = d["group"] == 1
    frame = d[["time", "event", *COVARIATES]]
    return {
        "kaplan_meier": lambda: KaplanMeierFitter().fit(d["time"], d["event"]),
        "logrank": lambda: logrank_test(d["time"][g], d["time"][~g], d["event"][g], d["event"][~g]),
        "cox_efron": lambda: CoxPHFitter().fit(frame, "time", "event"),
        "aalen_johansen": lambda: AalenJohansenFitter().fit(
            d["time"], d["status"], event_of_interest=1
        ),
    }


def sksurv_tasks(d: pd.DataFrame) -> dict[str, Callable[[], object]]:
    from sksurv.compare import compare_survival
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.nonparametric import cumulative_incidence_competing_risks, kaplan_meier_estimator

    y = np.empty(len(d), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = d["event"].astype(bool), d["time"]
    x = d[COVARIATES].to_numpy()
    return {
        "kaplan_meier": lambda: kaplan_meier_estimator(y["event"], y["time"], conf_type="log-log"),
        "logrank": lambda: compare_survival(y, d["group"].to_numpy()),
        # scikit-survival has Efron ties too (ties="efron"); no standard errors
        "cox_efron": lambda: CoxPHSurvivalAnalysis(ties="efron").fit(x, y),
        # estimates only: its variance builds a times x times array (149 GiB at N = 1e5)
        "aalen_johansen": lambda: cumulative_incidence_competing_risks(
            d["status"].to_numpy(), d["time"].to_numpy()
        ),
    }


def statsmodels_tasks(d: pd.DataFrame) -> dict[str, Callable[[], object]]:
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight, survdiff

    x = d[COVARIATES].to_numpy()
    return {
        # statsmodels' KM has no pointwise limits and keeps event times only (oncorwe: every
        # time, log-log limits, a DataFrame); see statsmodels_equivalent_tasks
        "kaplan_meier": lambda: SurvfuncRight(d["time"], d["event"]),
        "logrank": lambda: survdiff(d["time"], d["event"], d["group"]),
        "cox_efron": lambda: PHReg(d["time"], x, d["event"], ties="efron").fit().bse,
        # all causes, delta-method variance, no limits (oncorwe: one cause, two variances, limits)
        "aalen_johansen": lambda: CumIncidenceRight(d["time"], d["status"]),
    }


def statsmodels_equivalent_tasks(d: pd.DataFrame) -> dict[str, Callable[[], object]]:
    """statsmodels' KM plus the log-log limits and a table, the work oncorwe's call does."""
    from statsmodels.duration.survfunc import SurvfuncRight

    from oncorwe.stats.confidence import survival_confint

    def km_with_limits() -> pd.DataFrame:
        fit = SurvfuncRight(d["time"], d["event"])
        with np.errstate(divide="ignore", invalid="ignore"):
            log_se = fit.surv_prob_se / fit.surv_prob
        lower, upper = survival_confint(fit.surv_prob, log_se, "log-log", 0.95)
        return pd.DataFrame({"time": fit.surv_times, "surv": fit.surv_prob, "lower": lower,
                             "upper": upper})  # fmt: skip

    return {"kaplan_meier": km_with_limits}


def r_times(d: pd.DataFrame, tasks: tuple[str, ...] = TASKS) -> dict[str, float]:
    """Times measured inside R (system.time), excluding reading the CSV; NaN for tasks not
    asked for."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {}
    with tempfile.TemporaryDirectory() as folder:
        data_path, script_path = Path(folder) / "d.csv", Path(folder) / "b.R"
        d.to_csv(data_path, index=False)
        script_path.write_text(R_SCRIPT)
        mode = "cpu" if clock is CLOCK["cpu"] else "wall"
        out = subprocess.run(
            [rscript, str(script_path), str(data_path), mode, ",".join(tasks)],
            capture_output=True,
            text=True,
            check=True,
        )
    km, lr, cox, aj, cuminc = (float("nan") if v == "NA" else float(v) for v in out.stdout.split())
    return {"kaplan_meier": km, "logrank": lr, "cox_efron": cox, "aalen_johansen": aj,
            "cuminc": cuminc}  # fmt: skip


TARGET_PEERS = ("statsmodels", "statsmodels + limits")
TARGETS = ("kaplan_meier", "logrank", "aalen_johansen")
PEERS = {
    "lifelines": ("lifelines", lifelines_tasks),
    "scikit-survival": ("sksurv", sksurv_tasks),
    "statsmodels": ("statsmodels", statsmodels_tasks),
    "statsmodels + limits": ("statsmodels", statsmodels_equivalent_tasks),
}


def peer_times(
    d: pd.DataFrame, repeat: int, beyond_limit: bool, tasks: tuple[str, ...] = TASKS
) -> list[tuple[str, str, float]]:
    """(tool, task, seconds) of the installed peers; beyond the peer limit only the targets."""
    rows = []
    for tool, (module, peer_tasks) in PEERS.items():
        if importlib.util.find_spec(module) is None:
            continue
        for task, function in peer_tasks(d).items():
            # statsmodels' curves and tests are the targets: timed at every N
            wanted = not beyond_limit or (tool in TARGET_PEERS and task in TARGETS)
            if wanted and task in tasks:
                rows.append((tool, task, timed(function, repeat)))
    for task, seconds in r_times(d, tasks).items():
        if np.isfinite(seconds):
            # cmprsk's Aalen-Johansen is listed beside survival's
            tool = "R cmprsk" if task == "cuminc" else "R survival"
            rows.append((tool, "aalen_johansen" if task == "cuminc" else task, seconds))
    return rows


def run(
    sizes: list[int], repeat: int, peer_limit: int, tasks: tuple[str, ...] = TASKS
) -> tuple[pd.DataFrame, list[float]]:
    """Seconds per (tool, task, n, times) and the 1-minute load average at each size."""
    rows, loads = [], []
    for rounded in (False, True):
        for n in sizes:
            d = make_data(n, rounded)
            label = "days" if rounded else "continuous"
            loads.append(os.getloadavg()[0])
            for task, function in oncorwe_tasks(d).items():
                if task in tasks:
                    rows.append(("oncorwe", task, n, label, timed(function, repeat)))
            for tool, task, seconds in peer_times(d, repeat, n > peer_limit, tasks):
                rows.append((tool, task, n, label, seconds))
            print(f"done n={n} {label}", file=sys.stderr)
    return pd.DataFrame(rows, columns=["tool", "task", "n", "times", "seconds"]), loads


def cox_memory(n: int) -> dict[str, float]:
    """Peak traced allocation (MB) of one oncorwe Cox fit at N = n and the process max RSS (MB)."""
    d = make_data(n, rounded=False)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    cox_ph(d, "time", "event", COVARIATES)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"n": n, "cox_peak_mb": peak / 2**20, "max_rss_mb": rss_kb / 1024}


def to_markdown(
    results: pd.DataFrame, memory: dict[str, float] | None = None, notes: tuple[str, ...] = ()
) -> str:
    """One table per task: seconds by tool, and each tool's time relative to oncorwe."""
    lines = ["# Survival benchmarks", "", "Generated by `python benchmarks/survival.py`.", ""]
    lines += [*notes, ""] if notes else []
    for task, block in results.groupby("task", sort=False):
        table = block.pivot_table(index=["times", "n"], columns="tool", values="seconds")
        lines += [f"## {task}", "", "| times | n | " + " | ".join(table.columns) + " |"]
        lines.append("|" + "---|" * (len(table.columns) + 2))
        for (times, n), row in table.iterrows():
            base = row.get("oncorwe", np.nan)
            cells = [
                f"{v:.3g} s ({v / base:.2g}x)" if np.isfinite(v) else "-" for v in row.to_numpy()
            ]
            lines.append(f"| {times} | {n:,} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("Ratios are each tool's time divided by oncorwe's (> 1: oncorwe is faster).")
    if memory:
        lines += [
            "",
            f"Peak memory, oncorwe `cox_ph` at N = {memory['n']:,}: "
            f"{memory['cox_peak_mb']:.0f} MB traced (tracemalloc, numpy buffers included); "
            f"maximum resident set size of the whole benchmark process: "
            f"{memory['max_rss_mb']:.0f} MB.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="N = 1e3, 1e4 (peers at 1e3 only), < 1 min"
    )
    parser.add_argument("--repeat", type=int, default=5, help="median of this many runs")
    parser.add_argument(
        "--peer-limit",
        type=int,
        default=100_000,
        help="largest N for peers (statsmodels' "
        "Kaplan-Meier, log-rank and Aalen-Johansen, the targets, run at every N)",
    )
    parser.add_argument("--sizes", type=int, nargs="+", help="these N instead of 1e3 .. 1e6")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="CPU seconds instead of wall-clock (steadier on a shared machine)",
    )
    parser.add_argument(
        "--tasks", nargs="+", choices=TASKS, default=list(TASKS), help="time only these tasks"
    )
    parser.add_argument("--out", type=Path, help="write the Markdown tables here")
    args = parser.parse_args()
    global clock
    clock = CLOCK["cpu" if args.cpu else "wall"]
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    sizes = args.sizes or sizes
    peer_limit = min(args.peer_limit, 1_000) if args.quick else args.peer_limit
    compile_seconds = warm_up()
    results, loads = run(sizes, args.repeat, peer_limit, tuple(args.tasks))
    notes = (
        f"{'CPU' if args.cpu else 'Wall-clock'} seconds. Load average (1 minute) at each size: "
        f"{min(loads):.1f} to {max(loads):.1f}; oncorwe's kernels compiled or loaded once "
        f"before timing: {compile_seconds:.2f} s.",
    )
    memory = cox_memory(max(sizes)) if "cox_efron" in args.tasks else None
    text = to_markdown(results, memory, notes)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
