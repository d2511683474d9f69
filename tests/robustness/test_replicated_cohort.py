"""The seed twin copied three times (new patient ids, same records) gives the single cohort's
medians, percentages and survival probabilities, and three times its counts.

This is the check ``benchmarks/scale.py`` applies to every size it measures, here at a size a
test can afford; the single cohort is the shared demo run (the seed twin, protocol hcc-rt-ici).
"""

import importlib.util
import json
from pathlib import Path

from oncorwe.pipeline import run_study
from oncorwe.protocol import load_protocol

COPIES = 3
SCALE = Path(__file__).resolve().parents[2] / "benchmarks" / "scale.py"


def _scale_module():
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCALE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_three_copies_keep_medians_and_multiply_counts(tmp_path, demo_output, monkeypatch):
    scale = _scale_module()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    scale.replicate_seed_twin(tmp_path / "data", COPIES)
    single = json.loads((demo_output / "results.json").read_text())
    run_study(tmp_path / "data", load_protocol("hcc-rt-ici"), tmp_path / "out", synthetic=True)
    replicated = json.loads((tmp_path / "out" / "results.json").read_text())
    kinds = [scale._kind(path) for path, _ in scale._leaves(single)]
    assert kinds.count("count") >= 50 and kinds.count("equal") >= 30  # the check is not empty
    assert scale.compare_results(single, replicated, COPIES) == []
    assert (
        replicated["data_quality"]["reconciliation"][0]["read"]
        == COPIES * (single["data_quality"]["reconciliation"][0]["read"])
    )
