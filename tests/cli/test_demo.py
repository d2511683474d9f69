"""`oncorwe demo` end to end: the synthetic twin reproduces the reference study's numbers.

The expected values are the published ones (Zhai et al., Front Immunol 2025;
docs/references/reference_study.md), compared at the published precision, read back from
results.json.
"""

import json

import pytest

from conftest import results_only
from oncorwe.cli import main
from published_numbers import PUBLISHED, value_at


@pytest.fixture(scope="module")
def demo(demo_output):
    return demo_output


@pytest.mark.parametrize("path, published", sorted(PUBLISHED.items()))
def test_published_number_reproduced(demo, path, published):
    results = json.loads((demo / "results.json").read_text())
    assert round(float(value_at(results, path)), 1) == pytest.approx(published, abs=1e-9)


def test_published_terms(demo):
    results = json.loads((demo / "results.json").read_text())
    assert results["safety"]["most_common_any_grade"]["term"] == "Dermatitis radiation"
    assert results["safety"]["most_common_grade3plus"]["term"] == "Platelet count decreased"
    assert results["meta"]["synthetic"] is True


def test_outputs_written(demo):
    for name in ("report.html", "results.json", "validation.csv", "study.duckdb"):
        assert (demo / name).is_file(), name
    for name in ("adsl", "adtte", "adrs", "adae"):
        assert (demo / "adam" / f"{name}.parquet").is_file()
    assert (demo / "figures" / "os_km.png").is_file()
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html.upper()


def test_no_patient_identifier_in_report_outputs(demo):
    # synthetic pseudonyms look like SYN-001; none may reach the report, tables or results
    texts = [
        (demo / "report.html").read_text(encoding="utf-8"),
        (demo / "results.json").read_text(),
    ]
    texts += [p.read_text(encoding="utf-8") for p in (demo / "tables").glob("*.csv")]
    for text in texts:
        assert "SYN-" not in text


def test_results_json_is_byte_reproducible(demo, tmp_path):
    # without SOURCE_DATE_EPOCH; every other file is compared in report/test_determinism.py
    with results_only():
        assert main(["demo", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "results.json").read_bytes() == (demo / "results.json").read_bytes()


def test_adam_transport_files_equal_the_parquet(demo):
    import pandas as pd
    import pyreadstat

    from oncorwe.analysis.adam_xpt import DATASETS, transport_frame

    for name, label in DATASETS.items():
        parquet = pd.read_parquet(demo / "adam" / f"{name}.parquet")
        data, meta = pyreadstat.read_xport(demo / "adam" / f"{name}.xpt")
        expected, labels = transport_frame(parquet)
        assert meta.file_label == label and meta.table_name == name.upper()
        assert dict(zip(meta.column_names, meta.column_labels, strict=True)) == labels
        assert all(len(c) <= 8 for c in data.columns)
        pd.testing.assert_frame_equal(
            data.astype(object), expected.astype(object), check_dtype=False
        )
