"""Concept sets: shipped as data, replaced per (table, column) by a user file."""

from __future__ import annotations

import pytest

from oncorwe.errors import InputError
from oncorwe.io.omop.concepts import COLUMNS, concept_of, load_concept_sets


def test_shipped_sets_name_a_source_for_every_row():
    sets = load_concept_sets()
    assert (sets["source"] != "").all()
    assert concept_of(sets, "patients", "sex", "F") == (8532, "F")
    assert concept_of(sets, "labs", "test", "alt_u_l") == (3006923, "1742-6")


def test_user_file_replaces_the_rows_of_a_column(tmp_path):
    own = tmp_path / "mine.csv"
    own.write_text(
        ",".join(COLUMNS) + "\nlabs,test,alt_u_l,,measurement,123,ALT,ALT local,Local,A1,site lab\n"
    )
    sets = load_concept_sets(own)
    labs = sets[(sets["table"] == "labs") & (sets["column"] == "test")]
    assert labs["value"].tolist() == ["alt_u_l"]  # the other shipped lab rows are replaced
    assert concept_of(sets, "patients", "sex", "M") == (8507, "M")  # other columns kept


def test_bad_concept_id_names_file_row_and_column(tmp_path):
    own = tmp_path / "mine.csv"
    own.write_text(",".join(COLUMNS) + "\nlabs,test,inr,,measurement,x1,INR,INR,,,site\n")
    with pytest.raises(InputError, match=r"mine.csv, row 2, column concept_id: 'x1'"):
        load_concept_sets(own)
    with pytest.raises(InputError, match=r"no concept for labs.test = 'ferritin'"):
        concept_of(load_concept_sets(), "labs", "test", "ferritin")
