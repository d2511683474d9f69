"""ADaM as SAS transport v5: names, labels, lengths, data set labels, values equal to the
Parquet data set, read back by pyreadstat and by R's foreign::read.xport; bytes reproducible
under SOURCE_DATE_EPOCH."""

from __future__ import annotations

import datetime as dt
import subprocess

import pandas as pd
import pyreadstat
import pytest

from conftest import require_tool
from oncorwe.analysis.adam_xpt import transport_frame, write_adam_xpt
from oncorwe.io.formats.xpt import write_xpt_v5


@pytest.fixture
def adsl():
    return pd.DataFrame(
        {
            "STUDYID": ["ONCORWE"] * 3,
            "USUBJID": ["SYN-001", "SYN-002", "SYN-003"],
            "TRTSDT": pd.to_datetime(["2020-01-02", "2021-12-31", None]),
            "AGE": pd.array([61.0, None, 70.0], dtype="Float64"),
            "EXTRAHEPATIC_METASTASIS": pd.array([True, False, None], dtype="boolean"),
            "RT_TOTAL_DOSE_GY": [55.0, 40.5, 60.0],
            "ECOG": pd.array([0, 1, None], dtype="Int64"),
            "BOR": ["PR", "SD", None],
            "A_VERY_LONG_STUDY_NAME": ["x", "y", "z"],
            "A_VERY_LONG_STUDY_NOTE": ["p", "q", "r"],
        }
    )


def test_names_labels_and_values_read_back(tmp_path, adsl, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    path = write_adam_xpt("adsl", adsl, tmp_path)
    data, meta = pyreadstat.read_xport(path)
    assert meta.table_name == "ADSL"
    assert meta.file_label == "Subject-Level Analysis Dataset"
    assert list(data.columns) == [
        "STUDYID", "USUBJID", "TRTSDT", "AGE", "EHMFL", "RTDOSE", "ECOG", "BOR",
        "A_VERY_L", "A_VERY_1",
    ]  # fmt: skip
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["USUBJID"] == "Unique Subject Identifier"
    assert labels["EHMFL"] == "Extrahepatic Metastasis Flag"
    assert labels["A_VERY_1"] == "A_VERY_LONG_STUDY_NOTE"
    assert meta.variable_storage_width["USUBJID"] == 7  # as long as the longest value
    assert meta.original_variable_types["TRTSDT"] == "DATE9."
    assert data["TRTSDT"].tolist()[:2] == [dt.date(2020, 1, 2), dt.date(2021, 12, 31)]
    assert pd.isna(data["TRTSDT"][2])
    assert data["EHMFL"].tolist() == ["Y", "N", ""]
    assert data["AGE"].tolist()[0] == 61.0 and pd.isna(data["AGE"][1])
    assert data["RTDOSE"].tolist() == [55.0, 40.5, 60.0]
    assert data["BOR"].tolist() == ["PR", "SD", ""]


def test_bytes_reproducible_under_source_date_epoch(tmp_path, adsl, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_adam_xpt("adsl", adsl, tmp_path / "a")
    second = write_adam_xpt("adsl", adsl, tmp_path / "b")
    content = first.read_bytes()
    assert content == second.read_bytes()
    assert content[80 + 64 : 80 + 80] == b"14NOV23:22:13:20"
    assert content.count(b"14NOV23:22:13:20") == 4  # library and member: created, modified


def test_v5_limits_are_checked(tmp_path):
    frame = pd.DataFrame({"USUBJID": ["A"]})
    with pytest.raises(ValueError, match="label longer than 40"):
        write_xpt_v5(frame, tmp_path / "x.xpt", "adsl", "x" * 41, {})
    with pytest.raises(ValueError, match="not a SAS v5 name"):
        write_xpt_v5(pd.DataFrame({"TOOLONGNAME": [1.0]}), tmp_path / "x.xpt", "adsl", "", {})


def test_r_foreign_reads_the_same_values(tmp_path, adsl):
    rscript = require_tool("Rscript")
    path = write_adam_xpt("adsl", adsl, tmp_path)
    script = (
        f"d <- foreign::read.xport('{path}'); "
        "cat(d$USUBJID, sep=','); cat('\\n'); cat(d$RTDOSE, sep=','); cat('\\n');"
        "cat(format(as.Date(d$TRTSDT, origin='1960-01-01')), sep=','); cat('\\n');"
        "cat(d$EHMFL, sep=',')"
    )
    out = subprocess.run([rscript, "-e", script], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "SYN-001,SYN-002,SYN-003"
    assert lines[1] == "55,40.5,60"
    assert lines[2] == "2020-01-02,2021-12-31,NA"
    assert lines[3] == "Y,N,"


def test_transport_frame_matches_parquet_values(adsl):
    data, _ = transport_frame(adsl)
    assert data["ECOG"].tolist()[:2] == [0.0, 1.0]
    assert data["A_VERY_L"].tolist() == ["x", "y", "z"]
