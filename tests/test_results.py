"""Typed results: frozen, built once, written as results.json by one serialisation base, and
read alike by attribute and by JSON key. Values from the six-patient study, worked by hand."""

import dataclasses
import json

import pytest
from tests.small_study import accepted_tables

from oncorwe.analysis.study import analyse_study
from oncorwe.pipeline import write_results_json
from oncorwe.protocol import load_protocol
from oncorwe.results import (
    Count,
    DataQuality,
    Meta,
    ResponseResults,
    SafetyResults,
    StudyResults,
    frozen,
    records,
)


@pytest.fixture(scope="module")
def results() -> StudyResults:
    return analyse_study(accepted_tables(), load_protocol("hcc-rt-ici"), synthetic=True)[0].results


def test_results_are_typed_and_read_by_attribute_or_key(results):
    assert isinstance(results, StudyResults)
    os_ = results.survival.endpoints["os"]
    # OS: death at 365 d with 2 at risk (S = 0.5 exactly), flat to 366 d: R's midpoint rule
    assert os_.median_months == pytest.approx(365.5 / 30.4375, rel=1e-12)
    assert results["survival"]["os"]["median_months"] == os_.median_months
    assert os_.label == "Overall survival"
    assert results.response["orr"] == results.response.categories["orr"]
    assert (results.response["orr"]["n"], results.cohort.n) == (1, 3)
    assert results.meta.ties == "efron" and results.meta.proportion_ci == "exact"


def test_results_cannot_be_changed(results):
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.cohort = None
    with pytest.raises(TypeError):
        results.survival.endpoints["os"] = None
    with pytest.raises(TypeError):
        results.attrition[0]["n_remaining"] = 0
    with pytest.raises(TypeError):
        results["data_quality"] = {}


def test_json_is_to_dict_and_keys_follow_the_objects(results, tmp_path):
    write_results_json(results, tmp_path / "results.json")
    written = json.loads((tmp_path / "results.json").read_text())
    assert written == json.loads(json.dumps(results.to_dict()))
    assert set(written) == set(results)
    assert set(written["survival"]) == {"os", "pfs", "lc", "ttf", "follow_up"}
    # fields recorded for the report but not written: ties, CI method, labels
    assert "ties" not in written["meta"] and "label" not in written["survival"]["os"]
    # response categories sit at the top level of "response", beside criteria and ORR
    assert written["response"]["sd"] == {"n": 1, "pct": pytest.approx(100 / 3)}
    assert "categories" not in written["response"]
    # no data-quality counts until the pipeline adds them (as a new object)
    assert "data_quality" not in written and "data_quality" not in results
    quality = DataQuality(records([{"table": "patients", "read": 6}]), 0)
    with_quality = dataclasses.replace(results, data_quality=quality)
    assert with_quality.to_dict()["data_quality"] == {
        "reconciliation": [{"table": "patients", "read": 6}],
        "findings": 0,
    }
    assert "data_quality" not in results.to_dict()


def test_serialisation_rules_on_small_objects():
    safety = SafetyResults("5.0", Count(0, 0.0), Count(0, 0.0), Count(0, None))
    # no adverse event: the most-common entries are absent, not null
    assert safety.to_dict() == {
        "ctcae_version": "5.0",
        "any_grade_any": {"n": 0, "pct": 0.0},
        "grade3plus_any": {"n": 0, "pct": 0.0},
        "grade5_any": {"n": 0, "pct": None},
        "liver": {},
    }
    assert "most_common_any_grade" not in safety and safety.most_common_any_grade is None
    response = ResponseResults("mRECIST", False, "all", {"cr": Count(2, float("nan"))})
    assert response.to_dict()["cr"] == {"n": 2, "pct": None}  # NaN is written as null
    meta = Meta("p", True, "log-log", 0.95, "months", None, ties="breslow", proportion_ci="exact")
    assert meta["ties"] == "breslow" and "ties" not in list(meta)
    # a result equals the JSON-shaped mapping it writes, and results of its class field by field
    assert Count(2, 50.0) == {"n": 2, "pct": 50.0} and Count(2, 50.0) == Count(2, 50.0)
    assert Count(2, 50.0) != Count(3, 50.0)


def test_frozen_makes_nested_containers_read_only():
    value = frozen({"a": [{"b": 1}]})
    assert value["a"][0]["b"] == 1
    assert isinstance(value["a"], tuple)
    with pytest.raises(TypeError):
        value["a"][0]["b"] = 2
