"""``oncorwe explore`` in headless Chromium: loads without console errors, every request stays on
127.0.0.1, a change of subgroup or filter changes the curves and the numbers, and the numbers on
the page equal ``oncorwe.stats`` on the same patients. A screenshot per state goes to the
artefacts folder (``ONCORWE_TEST_ARTEFACTS`` or a temporary one)."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
from explorer_server import (
    CHROMIUM_ARGS,
    HOST,
    artefacts_dir,
    free_port,
    start_explorer,
    wait_for_port,
)

from conftest import require_tool
from oncorwe.api import Study
from oncorwe.stats import cox_ph, kaplan_meier, logrank
from oncorwe.synth import seed_twin_path

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def cohort():
    return Study.load(seed_twin_path()).cohort


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("explore-log") / "explore.log"
    process = start_explorer(seed_twin_path(), port, log)
    try:
        wait_for_port(port, process)
        yield f"http://{HOST}:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    chromium = require_tool("chromium")
    requests, problems = [], []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True
        )

        def route(request_route):  # networking denied: only the explorer itself is reachable
            url = request_route.request.url
            requests.append(url)
            if urlparse(url).hostname == HOST or url.startswith("data:"):
                request_route.continue_()
            else:
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        start = time.monotonic()
        page.goto(server)
        page.wait_for_selector("#km-image", timeout=60_000)
        page.wait_for_selector("#summary-table td[data-field='n']")
        page.load_seconds = time.monotonic() - start
        yield page, requests, problems, artefacts_dir(tmp_path_factory)
        browser.close()


def _numbers(page) -> dict[tuple[str, str], str]:
    cells = page.query_selector_all("#summary-table td[data-field]")
    return {
        (c.get_attribute("data-group"), c.get_attribute("data-field")): c.get_attribute(
            "data-value"
        )
        for c in cells
    }


def _wait_for_change(page, before_src: str, timeout: float = 30.0) -> float:
    start = time.monotonic()
    page.wait_for_function(
        "src => { const i = document.querySelector('#km-image'); return i && i.src !== src; }",
        arg=before_src,
        timeout=timeout * 1000,
    )
    page.wait_for_function(
        "() => !document.querySelector('html.shiny-busy')", timeout=timeout * 1000
    )
    return time.monotonic() - start


def test_loads_without_errors_or_external_requests(browser_page):
    page, requests, problems, folder = browser_page
    page.screenshot(path=str(folder / "01_loaded.png"), full_page=True)
    assert problems == []
    assert requests and all(
        urlparse(u).hostname == HOST for u in requests if not u.startswith("data:")
    )
    assert "SYNTHETIC" in page.inner_text("#banner")


def test_default_view_equals_stats_by_sequence(browser_page, cohort):
    page, *_ = browser_page
    numbers = _numbers(page)
    for label, level in (("Concurrent", "concurrent"), ("Sequential, RT first", "rt_first")):
        part = cohort[cohort["sequence"] == level]
        km = kaplan_meier(part["os_months"], part["os_event"], conf_type="log-log")
        assert int(numbers[(label, "n")]) == len(part)
        assert int(numbers[(label, "events")]) == int(part["os_event"].sum())
        assert float(numbers[(label, "median_months")]) == pytest.approx(
            km.median.estimate, rel=1e-12
        )
    codes = cohort["sequence"].map({"concurrent": 0, "rt_first": 1, "ici_first": 2})
    p_value = logrank(cohort["os_months"], cohort["os_event"], codes).p_value
    assert float(page.get_attribute("#logrank", "data-value")) == pytest.approx(p_value, rel=1e-12)


def test_changing_the_subgroup_changes_curves_and_numbers(browser_page, cohort):
    page, _, problems, folder = browser_page
    before = _numbers(page)
    src = page.get_attribute("#km-image", "src")
    page.select_option("#by", "pvtt_present")
    _wait_for_change(page, src)
    page.screenshot(path=str(folder / "02_by_pvtt.png"), full_page=True)
    after = _numbers(page)
    assert after != before and {g for g, _ in after} == {"No", "Yes"}
    data = cohort.dropna(subset=["pvtt_present"])
    yes = data[data["pvtt_present"] == True]  # noqa: E712 - a boolean column
    km = kaplan_meier(yes["os_months"], yes["os_event"], conf_type="log-log")
    assert int(after[("Yes", "n")]) == len(yes)
    assert float(after[("Yes", "median_months")]) == pytest.approx(km.median.estimate, rel=1e-12)
    frame = data.assign(g=data["pvtt_present"].astype(float))[["os_months", "os_event", "g"]]
    fit = cox_ph(frame, "os_months", "os_event", ["g"])
    assert float(after[("Yes", "hr")]) == pytest.approx(fit.summary["hr"].iloc[0], rel=1e-9)
    assert problems == []


def test_filter_and_endpoint_update_the_view(browser_page, cohort):
    page, _, problems, folder = browser_page
    src = page.get_attribute("#km-image", "src")
    page.select_option("#endpoint", "pfs")
    _wait_for_change(page, src)
    src = page.get_attribute("#km-image", "src")
    page.fill("#where", "child_pugh_class == 'A' and age >= 50")
    page.click("#apply")
    _wait_for_change(page, src)
    page.screenshot(path=str(folder / "03_pfs_filtered.png"), full_page=True)
    part = cohort[(cohort["child_pugh_score"] <= 6) & (cohort["age"] >= 50)]
    part = part.dropna(subset=["pvtt_present"])
    numbers = _numbers(page)
    total = sum(int(v) for (g, f), v in numbers.items() if f == "n")
    assert total == len(part)
    no = part[part["pvtt_present"] == False]  # noqa: E712
    km = kaplan_meier(no["pfs_months"], no["pfs_event"], conf_type="log-log")
    assert float(numbers[("No", "median_months")]) == pytest.approx(km.median.estimate, rel=1e-12)
    assert problems == []


def test_ticked_levels_filter_the_cohort(browser_page, cohort):
    page, _, problems, folder = browser_page
    src = page.get_attribute("#km-image", "src")
    page.fill("#where", "")
    page.click("#apply")
    _wait_for_change(page, src)
    src = page.get_attribute("#km-image", "src")
    page.uncheck("input[name='pick_child_pugh_class'][value=\"'B'\"]")
    _wait_for_change(page, src)
    page.screenshot(path=str(folder / "04_child_pugh_a.png"), full_page=True)
    part = cohort[cohort["child_pugh_score"] <= 6].dropna(subset=["pvtt_present"])
    numbers = _numbers(page)
    assert sum(int(v) for (g, f), v in numbers.items() if f == "n") == len(part)
    src = page.get_attribute("#km-image", "src")
    page.check("input[name='pick_child_pugh_class'][value=\"'B'\"]")
    _wait_for_change(page, src)
    assert problems == []


def test_a_bad_filter_names_the_column(browser_page):
    page, _, problems, folder = browser_page
    page.fill("#where", "child_pugh == 'B'")
    page.click("#apply")
    page.wait_for_selector("#view-error")
    page.screenshot(path=str(folder / "05_bad_filter.png"), full_page=True)
    assert "'child_pugh'" in page.inner_text("#view-error")
    page.fill("#where", "")
    page.click("#apply")
    page.wait_for_selector("#km-image")
    assert problems == []


def test_exports(browser_page):
    page, *_ = browser_page
    page.wait_for_selector("#km-image")
    files = {}
    for button in ("export_png", "export_svg", "export_csv"):
        with page.expect_download() as info:
            page.click(f"#{button}")
        download = info.value
        files[download.suggested_filename] = download.path().read_bytes()
    names = sorted(files)
    assert [n.rsplit(".", 1)[1] for n in names] == ["csv", "png", "svg"]
    png = next(v for k, v in files.items() if k.endswith(".png"))
    svg = next(v for k, v in files.items() if k.endswith(".svg"))
    csv = next(v for k, v in files.items() if k.endswith(".csv")).decode()
    assert png.startswith(b"\x89PNG") and b"<svg" in svg
    assert csv.splitlines()[0].startswith("endpoint,group,n,events,median_months")
    assert "surv_12m" in csv.splitlines()[0]
