"""The seed twin written as an OMOP CDM gives the contract-format twin's results.json."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from conftest import results_only
from oncorwe.engine import connect
from oncorwe.io.omop import read_omop, write_contract_folder
from oncorwe.pipeline import run_study
from oncorwe.protocol import load_protocol
from oncorwe.synth import seed_twin_path
from oncorwe.synth.omop import build_omop_twin, write_omop, write_omop_duckdb
from postgres_server import postgres_url


def differences(a, b, path="") -> list[str]:
    """Every path where two JSON values differ (floats compared to 1e-9)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
        return [] if same else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b and type(a) is type(b) else [f"{path}: {a!r} != {b!r}"]


def run_results(data, out) -> dict:
    with results_only():  # the report is tested on the demo
        run_study(data, load_protocol("hcc-rt-ici"), out, synthetic=True)
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def contract_results(demo_output):
    """The contract-format twin's results: the demo's (``run_study`` of the seed twin)."""
    return json.loads((demo_output / "results.json").read_text())


@pytest.fixture(scope="module")
def omop_file(tmp_path_factory):
    return write_omop_duckdb(tmp_path_factory.mktemp("cdm") / "cdm.duckdb")


def test_omop_twin_holds_every_contract_row(omop_file):
    with connect("duckdb", omop_file) as engine:
        tables = read_omop(engine)
    for name, frame in tables.items():
        original = pd.read_csv(seed_twin_path() / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns) == list(original.columns), name
        assert len(frame) == len(original), name


def test_omop_twin_on_duckdb_gives_the_same_results(omop_file, contract_results, tmp_path):
    with connect("duckdb", omop_file) as engine:
        folder = write_contract_folder(read_omop(engine), tmp_path / "contract")
    assert differences(contract_results, run_results(folder, tmp_path / "out")) == []


def test_differences_names_the_path():
    assert differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 + 1e-8]}) == [".a[1]: 2.0 != 2.00000001"]
    assert differences({"a": 1.0}, {"a": 1.0 + 1e-12}) == []


def test_generated_cdm_uses_the_shipped_concepts():
    frames = build_omop_twin()
    # 8507 MALE / 8532 FEMALE (OMOP Gender vocabulary); every drug row has a concept or a name
    assert set(frames["person"]["gender_concept_id"]) <= {8507, 8532}
    lenvatinib = frames["drug_exposure"]["drug_source_value"] == "lenvatinib"
    # 45775396 is nintedanib, not lenvatinib: lenvatinib is matched by its name (concept 0)
    assert set(frames["drug_exposure"].loc[lenvatinib, "drug_concept_id"]) == {0}
    assert 45775396 not in set(frames["drug_exposure"]["drug_concept_id"])
    # every line of therapy is a Treatment Regimen episode (32531) linked to its exposures
    regimens = frames["episode"][frames["episode"]["episode_concept_id"] == 32531]
    therapy = pd.read_csv(seed_twin_path() / "systemic_therapy.csv")
    assert len(regimens) == len(therapy)
    links = frames["episode_event"]
    drug_links = links[links["episode_event_field_concept_id"] == 1147094]
    assert len(drug_links) == len(frames["drug_exposure"])
    assert set(drug_links["episode_id"]) == set(regimens["episode_id"])
    assert frames["observation"]["observation_id"].is_unique


@pytest.fixture(scope="module")
def postgres():
    with postgres_url() as url:
        yield url


@pytest.mark.engines
def test_omop_twin_on_postgres_gives_the_same_results(postgres, contract_results, tmp_path):
    with connect("postgres", postgres) as engine:
        write_omop(engine, build_omop_twin())
        assert engine.query("SELECT count(*) AS n FROM person")["n"].iloc[0] == 122
        folder = write_contract_folder(read_omop(engine), tmp_path / "contract")
    assert differences(contract_results, run_results(folder, tmp_path / "out")) == []
