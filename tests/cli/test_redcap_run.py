"""A REDCap project started from `oncorwe template --redcap` runs with no mapping: the seed twin
written as that project's export gives the demo's 18 published numbers."""

from __future__ import annotations

import json

import pytest

from conftest import results_only, seed_twin_tables
from oncorwe.cli import main
from oncorwe.io.formats.redcap_template import write_redcap_export
from published_numbers import PUBLISHED, value_at


@pytest.fixture(scope="module")
def redcap_run(tmp_path_factory):
    project = tmp_path_factory.mktemp("redcap")
    assert main(["template", "--redcap", str(project)]) == 0
    write_redcap_export(seed_twin_tables(), project / "HCC_RT_ICI_DATA_2026-01-01_1200.csv")
    out = tmp_path_factory.mktemp("out")
    with results_only():  # the report is tested on the demo
        assert main(["run", "--data", str(project), "--out", str(out)]) == 0
    return json.loads((out / "results.json").read_text())


@pytest.mark.parametrize("path, published", sorted(PUBLISHED.items()))
def test_published_number_from_a_redcap_export(redcap_run, path, published):
    assert round(float(value_at(redcap_run, path)), 1) == pytest.approx(published, abs=1e-9)


def test_published_terms_from_a_redcap_export(redcap_run):
    assert redcap_run["safety"]["most_common_any_grade"]["term"] == "Dermatitis radiation"
    assert redcap_run["safety"]["most_common_grade3plus"]["term"] == "Platelet count decreased"


def test_template_refuses_to_overwrite(tmp_path):
    assert main(["template", "--redcap", str(tmp_path)]) == 0
    assert main(["template", "--redcap", str(tmp_path)]) == 2
