"""Shared test helpers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from offline_demo import can_deny_networking, demo_offline

try:
    import fcntl
except ImportError:  # not POSIX: each test process makes its own shared demo
    fcntl = None

# property tests: random examples on a developer's machine (new cases each run); in CI
# (CI=true) the examples derive from each test's name, so a CI run is reproducible
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")

DEMO_EPOCH = "1700000000"  # SOURCE_DATE_EPOCH of the shared demo run
KERNELS = pytest.StashKey[subprocess.Popen]()  # the process compiling the stats kernels


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Rich wraps command-line output at the terminal width (80 columns when output is captured),
    so a message naming a long path would break across lines: tests read the CLI's output at a
    width no message reaches (COLUMNS, read when oncorwe.cli creates its consoles, i.e. after
    this hook). pytest's own report keeps the terminal's width. The controller of a parallel run
    starts compiling the stats kernels (``compile_kernels.py``) while its workers start."""
    if config.pluginmanager.get_plugin("terminalreporter") is not None:
        writer = config.get_terminal_writer()
        writer.fullwidth = writer.fullwidth
    os.environ["COLUMNS"] = "4000"
    parallel = getattr(config.option, "numprocesses", None) and not config.option.collectonly
    if parallel and not hasattr(config, "workerinput"):  # the controller of a parallel run
        # the stats kernels compiled once, while the workers start, not by every worker
        script = Path(__file__).with_name("compile_kernels.py")
        config.stash[KERNELS] = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )


# How a parallel run (`make test`: pytest-xdist, --dist loadfile) hands out the tests: a test
# file goes to one worker as a whole, so its module fixtures are built once, except the files
# below whose every case is an intake of its own, handed out case by case; and the files that
# take longest go first, so that no long file is left to one worker at the end.
SPLIT_FILES = ("tests/io/test_mapping_hostile.py", "tests/robustness/test_hostile_inputs.py")
FIRST_FILES = (
    "tests/synth/test_hospital_workbook.py",
    "tests/validate/test_contract.py",
    "tests/privacy/test_exported.py",
    "tests/synth/test_seed_twin.py",
    "tests/robustness/test_fuzz.py",
)


def _file_of(nodeid: str) -> str:
    return nodeid.split("::")[0]


def pytest_collection_modifyitems(config, items):
    """The tests of ``FIRST_FILES`` first, the others in their order."""
    missing = [p for p in SPLIT_FILES + FIRST_FILES if not (config.rootpath / p).is_file()]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py names test files that do not exist: {missing}")
    first = {path: k for k, path in enumerate(FIRST_FILES)}
    items.sort(key=lambda item: first.get(_file_of(item.nodeid), len(first)))


def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, but the tests of ``SPLIT_FILES`` handed out one by one."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = _file_of(nodeid)
            return nodeid if path in SPLIT_FILES else path

    return ByFile(config, log)


def pytest_unconfigure(config):
    compiling = config.stash.get(KERNELS, None)
    if compiling is not None and compiling.poll() is None:
        compiling.kill()
        compiling.wait()


def seed_twin_tables() -> dict[str, pd.DataFrame]:
    """The seed twin's tables as ``generate_seed_twin()`` returns them (CSV text, "" for
    missing, in ``TABLE_ORDER``), read from the shipped files, which
    ``tests/synth/test_seed_twin.py`` checks are what generation gives, instead of generated
    again (seconds of CPU each time)."""
    from oncorwe.synth import seed_twin_path
    from oncorwe.synth.seed_twin import TABLE_ORDER

    folder = seed_twin_path()
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in TABLE_ORDER
    }


def require_tool(name: str) -> str:
    """Return the path of an external tool; skip locally, fail under CI=true, when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed; .ci/run installs it (apt-get)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _shared_run(tmp_path_factory, name: str, make) -> Path:
    """The folder ``make(folder)`` fills, made once per test session: pytest-xdist workers share
    it through a lock file."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder all workers' temporary folders live in
    out, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(out, ignore_errors=True)
            make(out)
            done.touch()
    return out


def _demo_in_process(out: Path) -> None:
    from oncorwe.cli import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", DEMO_EPOCH)
        assert main(["demo", "--out", str(out)]) == 0


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """One ``oncorwe demo`` run (SOURCE_DATE_EPOCH = DEMO_EPOCH), shared by every test that only
    reads its files. Never write into it."""
    return _shared_run(tmp_path_factory, "shared-demo", _demo_in_process)


@pytest.fixture(scope="session")
def second_demo_output(tmp_path_factory) -> tuple[Path, str | None]:
    """A second ``oncorwe demo`` run with the same SOURCE_DATE_EPOCH, for the determinism test
    (every file the same as ``demo_output``'s) and the offline test: made in another process
    with networking denied (``offline_demo``) where that is possible, else in this one. Returns
    the folder and the offline run's error output (None when it ran in this process)."""

    def make(out: Path) -> None:
        if not can_deny_networking():
            _demo_in_process(out)
            return
        run = demo_offline(out, DEMO_EPOCH)
        (out.parent / f"{out.name}.stderr").write_text(run.stderr)
        assert run.returncode == 0, run.stderr[-2000:]

    out = _shared_run(tmp_path_factory, "second-demo", make)
    stderr = out.parent / f"{out.name}.stderr"
    return out, stderr.read_text() if stderr.exists() else None


@contextmanager
def results_only() -> Iterator[None]:
    """Within it, ``oncorwe run`` (``pipeline.run_study``) writes results.json, validation.csv,
    ADaM and the study store but not the report (figures, HTML, PDF, Word, tables): for tests
    that read only those files: the report is made from the analysis outputs alone, whatever the
    source, and is tested on the shared demo run (``demo_output``)."""

    def no_report(outputs, out_dir, **options) -> Path:
        return Path(out_dir) / "report.html"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("oncorwe.pipeline.write_report", no_report)
        yield


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """Run ``oncorwe ARGS``; return its exit code and its output with the terminal's wrapping
    undone, after checking that no traceback was shown."""
    from oncorwe.cli import main

    code = main(list(args))
    captured = capsys.readouterr()
    text = " ".join((captured.out + captured.err).split())
    assert "Traceback" not in text
    return code, text
