"""write_report on the 12-patient study: every section, every number, nothing external."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from report_fixtures import PATIENT_IDS, make_outputs

from oncorwe.errors import InputError
from oncorwe.report import write_report
from oncorwe.report.format import SYNTHETIC_BANNER
from oncorwe.report.sections import SECTIONS
from oncorwe.results import StudyOutputs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    path = write_report(make_outputs(), out, pdf=False)
    return out, path.read_text(encoding="utf-8")


def test_every_section_with_table_of_contents(written):
    _, page = written
    for anchor, title, always in SECTIONS:
        shown = f'<section id="{anchor}">' in page
        assert shown == always, anchor  # the 12-patient study has no optional table
        assert (f'<a href="#{anchor}">{title}</a>' in page) == always


def test_headline_numbers_in_the_page(written):
    _, page = written
    expected = [
        "Of 12 patients, 7 (58.3%) had extrahepatic metastasis",
        "The median radiation dose was 55 Gy",
        "66.7% (95% CI 34.9\u201390.1%)",  # ORR 8/12, Clopper-Pearson
        "83.3% (95% CI 51.6\u201397.9%)",  # DCR 10/12
        "median overall survival (OS) was 14.1 months (95% CI 6.0\u2013NR)",  # by hand
        "Only one patient had in-field recurrence.",
        "Grade \u2265 3 adverse events occurred in 3 patients (25.0%)",
        "61.0 (55.5\u201367.2)",  # continuous row: median (Q1-Q3)
        "9 (81.8%)",  # categorical row
        "Platelet count decreased",
        "73.3% (95% CI 37.9\u201390.6%)",  # OS at 6 months: 11/12 x 8/10
    ]
    for text in expected:
        assert text in page, text


def test_missing_line_only_when_values_are_missing(written):
    _, page = written
    rows = re.findall(r"<tr class=\"level\"><td>Missing</td><td class=\"num\">(\d+)</td>", page)
    assert rows == ["1", "2"]  # Child-Pugh 1, AFP 2; none for sex or the treatment table


def test_no_external_resource_and_figures_embedded(written):
    _, page = written
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.IGNORECASE)
    assert "<script" not in page and "<link" not in page
    assert page.count('src="data:image/svg+xml;base64,') == 2


def test_figure_and_table_files(written):
    out, _ = written
    for endpoint in ("os", "pfs"):
        for suffix in ("png", "svg"):
            assert (out / "figures" / f"{endpoint}_km.{suffix}").stat().st_size > 10_000
    assert (out / "figures" / "flow.png").exists() and (out / "figures" / "flow.svg").exists()
    names = {p.stem for p in (out / "tables").glob("*.csv")}
    assert {"attrition", "baseline", "treatment", "response", "survival", "landmarks"} <= names
    assert {"adverse_events", "methods", "os_at_risk", "pfs_at_risk"} <= names
    at_risk = pd.read_csv(out / "tables" / "os_at_risk.csv", comment="#")
    assert list(at_risk["n_risk"]) == [12, 11, 10, 6, 6, 3, 2, 1, 1, 0]  # every 3 months to 27


def test_xlsx_beside_every_csv_with_numbers_as_numbers(written):
    out, _ = written
    for csv in (out / "tables").glob("*.csv"):
        assert csv.with_suffix(".xlsx").exists(), csv.name
    table = pd.read_excel(out / "tables" / "adverse_events.xlsx", skiprows=1)
    from_csv = pd.read_csv(out / "tables" / "adverse_events.csv", comment="#")
    pd.testing.assert_frame_equal(table, from_csv)
    banner = pd.read_excel(out / "tables" / "adverse_events.xlsx", header=None, nrows=1)
    assert banner.iloc[0, 0] == SYNTHETIC_BANNER


def test_png_is_300_dpi(written):
    out, _ = written
    from PIL import Image

    with Image.open(out / "figures" / "os_km.png") as image:
        assert round(image.info["dpi"][0]) == 300


def test_synthetic_banner_on_every_file(written):
    out, page = written
    assert f'<div class="banner" role="alert">{SYNTHETIC_BANNER}</div>' in page
    for csv in (out / "tables").glob("*.csv"):
        assert csv.read_text(encoding="utf-8").startswith(f"# {SYNTHETIC_BANNER}\n"), csv.name
    for svg in (out / "figures").glob("*.svg"):
        assert "SYNTHETIC DATA" in svg.read_text(encoding="utf-8")  # as a text comment/title


def test_no_patient_ids_anywhere(written):
    out, page = written
    files = [page] + [p.read_text(encoding="utf-8") for p in (out / "tables").glob("*.csv")]
    for text in files:
        for patient in PATIENT_IDS:
            assert patient not in text


def test_real_patients_have_no_banner(tmp_path):
    page = write_report(make_outputs(synthetic=False), tmp_path, pdf=False).read_text(
        encoding="utf-8"
    )
    assert SYNTHETIC_BANNER not in page
    assert not (tmp_path / "tables" / "baseline.csv").read_text().startswith("#")


def test_report_is_reproducible(tmp_path):
    first = write_report(make_outputs(), tmp_path / "a", pdf=False).read_bytes()
    second = write_report(make_outputs(), tmp_path / "b", pdf=False).read_bytes()
    assert first == second


def test_missing_table_names_the_table(tmp_path):
    outputs = make_outputs()
    tables = {k: v for k, v in outputs.tables.items() if k != "adverse_events"}
    broken = StudyOutputs(outputs.results, tables, outputs.curves)
    with pytest.raises(InputError, match="'adverse_events'"):
        write_report(broken, tmp_path, pdf=False)
