"""The seed twin copied three times (new patient ids, same records) gives the single cohort's
medians, percentages and survival probabilities, and three times its counts, in both cohort
shapes ``benchmarks/scale.py`` measures (``oncorwe.synth.replicate.SHAPES``).

This is the check the benchmark applies to every size it measures, here at a size a test can
afford. The full shape's single cohort is the shared demo run (the seed twin, protocol
hcc-rt-ici); the registry shape (no lesion measurements, no laboratory values) has its own
single-copy run. The report is not drawn: it shows the numbers of ``results.json`` and is
checked elsewhere.
"""

import json
from pathlib import Path

import pytest

from oncorwe import pipeline
from oncorwe.protocol import load_protocol
from oncorwe.synth.replicate import (
    numeric_leaves,
    replicate_seed_twin,
    replicated_differences,
    value_kind,
)

COPIES = 3


@pytest.fixture
def no_report(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(pipeline, "write_report", lambda outputs, out, **_: Path(out))


def _results(folder: Path, copies: int, shape: str) -> dict:
    replicate_seed_twin(folder / "data", copies, shape)
    pipeline.run_study(folder / "data", load_protocol("hcc-rt-ici"), folder / "out", synthetic=True)
    return json.loads((folder / "out" / "results.json").read_text())


def test_three_copies_keep_medians_and_multiply_counts(tmp_path, demo_output, no_report):
    single = json.loads((demo_output / "results.json").read_text())
    replicated = _results(tmp_path, COPIES, "full")
    kinds = [value_kind(path) for path, _ in numeric_leaves(single)]
    assert kinds.count("count") >= 50 and kinds.count("equal") >= 30  # the check is not empty
    assert replicated_differences(single, replicated, COPIES) == []
    assert (
        replicated["data_quality"]["reconciliation"][0]["read"]
        == COPIES * (single["data_quality"]["reconciliation"][0]["read"])
    )


def test_registry_shape_keeps_medians_and_multiplies_counts(tmp_path, no_report):
    single = _results(tmp_path / "single", 1, "registry")
    replicated = _results(tmp_path / "copies", COPIES, "registry")
    tables = [row["table"] for row in single["data_quality"]["reconciliation"]]
    assert "labs" not in tables and "lesions" not in tables
    assert single["cohort"]["n"] == 108  # the same eligible patients as the full seed twin
    assert replicated_differences(single, replicated, COPIES) == []
