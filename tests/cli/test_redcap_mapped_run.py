"""A REDCap project designed independently of oncorwe (its own names, coded choices, checkbox
metastatic sites, yes/no, repeating instruments for RT, drugs, imaging, progression and AEs),
holding the seed twin: `oncorwe map` on its dictionary + export, no hand edits, then
`oncorwe run --mapping`, gives the demo's 18 published numbers."""

from __future__ import annotations

import json

import pytest
from redcap_project import write_project

from oncorwe.cli import main
from published_numbers import PUBLISHED, value_at


@pytest.fixture(scope="module")
def mapped_run(tmp_path_factory):
    project = write_project(tmp_path_factory.mktemp("hcc_redcap"))
    mapping = tmp_path_factory.mktemp("mapping") / "mapping.toml"
    assert main(["map", str(project), "--out", str(mapping)]) == 0
    out = tmp_path_factory.mktemp("out")
    code = main(["run", "--data", str(project), "--mapping", str(mapping), "--out", str(out)])
    assert code == 0
    return json.loads((out / "results.json").read_text()), mapping.read_text(encoding="utf-8")


@pytest.mark.parametrize("path, published", sorted(PUBLISHED.items()))
def test_published_number_from_a_mapped_redcap_project(mapped_run, path, published):
    results, _ = mapped_run
    assert round(float(value_at(results, path)), 1) == pytest.approx(published, abs=1e-9)


def test_published_terms_from_a_mapped_redcap_project(mapped_run):
    results, _ = mapped_run
    assert results["safety"]["most_common_any_grade"]["term"] == "Dermatitis radiation"
    assert results["safety"]["most_common_grade3plus"]["term"] == "Platelet count decreased"


def test_the_proposal_reads_the_instruments_by_their_labels(mapped_run):
    _, mapping = mapped_run
    assert 'total_dose_gy = "Total dose (Gy)"' in mapping.replace("  ", " ")
    assert '"Lymph node" = "lymph_node"' in mapping
