"""SAS/SPSS/Stata files and REDCap folders as named source tables for a mapping (what
`oncorwe map` and `--mapping` read)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from oncorwe.io.formats.redcap_template import write_redcap_export, write_redcap_template
from oncorwe.io.formats.stat_files import write_stat_table
from oncorwe.io.mapping.tables import open_named_tables
from oncorwe.io.readers import join_chunks
from oncorwe.io.sample import minimal_tables
from oncorwe.io.schema import TABLES

DATA = Path(__file__).parent / "formats_data"


def test_a_sas_file_is_one_table_named_after_it():
    with open_named_tables(DATA / "sample.sas7bdat") as tables:
        assert list(tables.streams) == ["sample"]
        frame = join_chunks(tables.streams["sample"])
        assert tables.letters["sample"]["mychar"] == "A"
    assert frame["mydate"][0] == "2018-05-06"


def test_an_spss_file_keeps_its_value_labels(tmp_path):
    patients = minimal_tables()["patients"]
    write_stat_table(patients, "patients", tmp_path / "cohort.sav", "sav")
    with open_named_tables(tmp_path / "cohort.sav") as tables:
        frame = join_chunks(tables.streams["cohort"])
    assert frame["sex"].tolist() == patients["sex"].tolist()


def test_a_redcap_folder_is_one_table_per_instrument(tmp_path):
    write_redcap_template(tmp_path)
    tables = minimal_tables()
    write_redcap_export(tables, tmp_path / "export.csv")
    with open_named_tables(tmp_path) as named:
        assert "patients" in named.streams and "radiotherapy" in named.streams
        rt = join_chunks(named.streams["radiotherapy"])
        assert [f.name for f in named.files] == ["redcap_data_dictionary.csv", "export.csv"]
    # headed by the fields' labels, for the mapping proposal
    dose = TABLES["radiotherapy"].column("total_dose_gy").description
    assert rt[dose].tolist() == tables["radiotherapy"]["total_dose_gy"].tolist()
    assert set(rt["radiotherapy_complete"]) == {"Complete"}
    assert pd.notna(rt["redcap_repeat_instance"]).all()
