"""`oncorwe demo` end to end: the synthetic twin reproduces the reference study's numbers.

The expected values are the published ones (Zhai et al., Front Immunol 2025;
docs/references/reference_study.md), compared at the published precision, read back from
results.json.
"""

import json

import pytest

from oncorwe.cli import main

PUBLISHED = {
    "cohort.n": 108,
    "cohort.extrahepatic_metastasis.n": 58,
    "cohort.extrahepatic_metastasis.pct": 53.7,
    "cohort.pvtt.n": 69,
    "cohort.pvtt.pct": 63.9,
    "treatment.rt_total_dose_gy.median": 55,
    "response.orr.n": 81,
    "response.orr.pct": 75.0,
    "survival.os.median_months": 17.0,
    "survival.pfs.median_months": 12.6,
    "survival.follow_up.median_months": 18.8,
    "local_control.in_field_recurrence.n": 1,
    "safety.grade3plus_any.n": 33,
    "safety.grade3plus_any.pct": 30.6,
    "safety.most_common_grade3plus.n": 19,
    "safety.most_common_grade3plus.pct": 17.6,
}


def _get(results, path):
    for key in path.split("."):
        results = results[key]
    return results


@pytest.fixture(scope="module")
def demo(demo_output):
    return demo_output


@pytest.mark.parametrize("path, published", sorted(PUBLISHED.items()))
def test_published_number_reproduced(demo, path, published):
    results = json.loads((demo / "results.json").read_text())
    assert round(float(_get(results, path)), 1) == pytest.approx(published, abs=1e-9)


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
