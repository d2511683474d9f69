"""A REDCap project designed independently of oncorwe (its own names, coded choices, checkbox
metastatic sites, yes/no, repeating instruments for RT, drugs, imaging, progression and AEs),
holding the seed twin, in the files REDCap gives (data dictionary, raw export, label export):
`oncorwe map EXPORT --redcap-dictionary DICT`, no hand edits, then `oncorwe run --mapping`,
gives the demo's 18 published numbers; the label export maps and reads to the same rows."""

from __future__ import annotations

import json
import tomllib

import pytest
from redcap_project import write_project

from conftest import results_only
from oncorwe.cli import main
from oncorwe.intake import take_in
from oncorwe.io.schema import TABLES
from oncorwe.io.store import StudyStore
from published_numbers import PUBLISHED, value_at


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return write_project(tmp_path_factory.mktemp("hcc_redcap"))


def propose(project, export, folder) -> tuple[int, str]:
    mapping = folder / "mapping.toml"
    code = main(
        ["map", str(export), "--redcap-dictionary", str(project.dictionary), "--out", str(mapping)]
    )
    return code, mapping.read_text(encoding="utf-8") if mapping.exists() else ""


@pytest.fixture(scope="module")
def mapped_run(project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mapping")  # not the export's folder: the path is relative
    code, text = propose(project, project.raw, folder)
    assert code == 0
    out = tmp_path_factory.mktemp("out")
    data, mapping = str(project.raw), str(folder / "mapping.toml")
    with results_only():  # the report is tested on the demo
        assert main(["run", "--data", data, "--mapping", mapping, "--out", str(out)]) == 0
    return json.loads((out / "results.json").read_text()), text


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
    settings = tomllib.loads(mapping)["mapping"]
    assert settings["redcap_dictionary"].endswith("/HCC_DataDictionary_2026-01-01.csv")
    assert settings["redcap_dictionary"].startswith("../")


def _body(text: str) -> list[str]:
    """The mapping without its comments and its [mapping] settings (which name the files)."""
    lines = [line.split("#")[0].rstrip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith(("source =", "redcap_dict"))]


def test_a_label_export_gives_the_same_mapping_and_rows(project, mapped_run, tmp_path):
    code, labels_text = propose(project, project.labels, tmp_path)
    assert code == 0
    assert _body(labels_text) == _body(mapped_run[1])
    mapping = tmp_path / "mapping.toml"
    tables = {}
    for export in (project.raw, project.labels):
        store = tmp_path / f"{export.stem}.duckdb"
        intake = take_in(export, store_path=store, mapping=mapping)
        assert intake.validation.n_errors == 0
        with StudyStore(store, read_only=True) as study:
            tables[export] = {t: study.accepted(t) for t in TABLES if t in study.table_names()}
    raw, labels = tables[project.raw], tables[project.labels]
    assert set(raw) == set(labels) and len(raw["patients"]) == 122
    for table in raw:
        assert raw[table].equals(labels[table]), table


def test_a_folder_with_the_dictionary_and_one_export_maps_the_same(project, mapped_run, tmp_path):
    folder = tmp_path / "redcap"
    folder.mkdir()
    for path in (project.dictionary, project.raw):
        (folder / path.name).write_bytes(path.read_bytes())
    mapping = tmp_path / "mapping.toml"
    assert main(["map", str(folder), "--out", str(mapping)]) == 0
    assert _body(mapping.read_text(encoding="utf-8")) == _body(mapped_run[1])


@pytest.mark.parametrize(
    "source, dictionary, message",
    [
        ("dictionary", "dictionary", "is a REDCap data dictionary, not an export"),
        ("raw", "raw", "is not a REDCap data dictionary"),
        ("raw", "missing.csv", "does not exist"),
        ("folder", "dictionary", "found HCC_DATA_2026-01-01_1200.csv, HCC_DATA_LABELS"),
    ],
)
def test_wrong_redcap_files_are_a_clear_error(project, tmp_path, capsys, source, dictionary,
                                              message):  # fmt: skip
    paths = {"dictionary": project.dictionary, "raw": project.raw, "folder": project.folder}
    given = paths.get(dictionary, tmp_path / dictionary)
    out = tmp_path / "mapping.toml"
    code = main(["map", str(paths[source]), "--redcap-dictionary", str(given), "--out", str(out)])
    assert code == 2
    assert message in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


def test_an_export_without_its_dictionary_says_how_to_give_it(project, tmp_path, capsys):
    assert main(["map", str(project.raw), "--out", str(tmp_path / "m.toml")]) == 2
    assert "--redcap-dictionary" in " ".join(capsys.readouterr().err.split())


def test_a_mapping_whose_dictionary_moved_is_a_clear_error(project, mapped_run, tmp_path, capsys):
    mapping = tmp_path / "elsewhere" / "mapping.toml"  # its relative path now points nowhere
    mapping.parent.mkdir()
    mapping.write_text(mapped_run[1], encoding="utf-8")
    code = main(["validate", str(project.raw), "--mapping", str(mapping)])
    assert code == 2
    assert "[mapping] redcap_dictionary" in " ".join(capsys.readouterr().err.split())
