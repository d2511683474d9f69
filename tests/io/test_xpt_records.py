"""Transport v5 observations encoded with numpy are the bytes ReadStat writes: IBM doubles
across their range, missing numbers, dates, UTF-8 text padded with blanks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyreadstat

from oncorwe.io.formats.xpt_records import (
    CHARACTER,
    NUMERIC,
    encode_records,
    header_variables,
    ibm_doubles,
    sas_days,
    text_bytes,
)

OBS = b"HEADER RECORD*******OBS"


def _readstat(frame: pd.DataFrame, path, **options) -> bytes:
    pyreadstat.write_xport(frame, path, file_format_version=5, table_name="T", **options)
    return path.read_bytes()


def test_ibm_doubles_equal_readstat_across_the_range(tmp_path):
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.normal(0, 1e3, 500),
            np.exp(rng.uniform(-140, 140, 2000)),
            -np.exp(rng.uniform(-140, 140, 2000)),
            [0.0, 1.0, 1.5, -3.0, 16.0, 0.0625, 255.0, np.nan, 16.0**-64, 123456789.123],
        ]
    )
    content = _readstat(pd.DataFrame({"X": values}), tmp_path / "x.xpt")
    start = content.index(OBS) + 80
    expected = np.frombuffer(content[start : start + 8 * len(values)], np.uint8).reshape(-1, 8)
    np.testing.assert_array_equal(ibm_doubles(values), expected)


def test_worked_ibm_examples():
    # 1.5 = 0.1(16) x 16^1 with fraction 0x18..., sign bit for -3.0 = 0.3(16) x 16^1
    out = ibm_doubles(np.array([1.5, -3.0, np.nan, 0.0]))
    assert bytes(out[0]) == b"\x41\x18" + bytes(6)
    assert bytes(out[1]) == b"\xc1\x30" + bytes(6)
    assert bytes(out[2]) == b"." + bytes(7)
    assert bytes(out[3]) == bytes(8)


def test_values_left_to_readstat():
    for value in (np.inf, -0.0, 1e-78, 16.0**62, 5e-324):
        assert ibm_doubles(np.array([1.0, value])) is None


def test_sas_days_count_from_1960():
    days = sas_days(pd.Series([dt.date(1960, 1, 1), None, dt.date(2020, 1, 2)], dtype=object))
    assert days[0] == 0.0 and np.isnan(days[1])
    assert days[2] == (dt.date(2020, 1, 2) - dt.date(1960, 1, 1)).days


def test_text_blank_padded_by_bytes():
    out = text_bytes(pd.Series(["é", "", None, "abc"], dtype=object), 4)
    assert [bytes(r) for r in out] == [b"\xc3\xa9  ", b"    ", b"    ", b"abc "]
    assert text_bytes(pd.Series(["abcde"], dtype=object), 4) is None
    assert text_bytes(pd.Series(["a\x00"], dtype=object), 4) is None


def test_records_equal_readstat(tmp_path):
    frame = pd.DataFrame(
        {
            "TEXT": ["é-ü", "", "longest value", None],
            "NUM": [1.25, np.nan, -7.0, 1e10],
            "DAY": pd.Series([dt.date(2020, 1, 2), None, dt.date(1950, 5, 6), None]),
            "NONE": pd.Series([None] * 4, dtype=object),
        }
    )
    content = _readstat(frame, tmp_path / "x.xpt", variable_format={"DAY": "DATE9"})
    end = content.index(OBS) + 80
    variables = header_variables(content[:end])
    assert [(v.name, v.kind, v.length) for v in variables] == [
        ("TEXT", CHARACTER, 13), ("NUM", NUMERIC, 8), ("DAY", NUMERIC, 8), ("NONE", CHARACTER, 1),
    ]  # fmt: skip
    assert encode_records(frame, variables, {"DAY"}) == content[end:]
