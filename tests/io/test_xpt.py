"""write_xpt_v5 gives the bytes of ReadStat writing the whole data set: a header from a one-row
template, the observations from numpy; ReadStat itself where numpy does not encode a value."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from oncorwe.io.formats.xpt import write_xpt_v5, write_xpt_v5_batches

STAMP = dt.datetime(2023, 11, 14, 22, 13, 20)


def _frames():
    rng = np.random.default_rng(3)
    n = 257  # observations spanning several 80-byte records, the last one partial
    texts = pd.Series(rng.choice(["CR", "PR", "Stable disease", "", "ü"], n), dtype=object)
    days = pd.Series([dt.date(2000, 1, 1) + dt.timedelta(days=int(d)) for d in
                      rng.integers(0, 9000, n)], dtype=object)  # fmt: skip
    days[::5] = None
    numbers = rng.normal(50, 20, n)
    numbers[::7] = np.nan
    yield "mixed", pd.DataFrame({"AVALC": texts, "ADT": days, "AVAL": numbers})
    yield "no rows", pd.DataFrame({"A": pd.Series([], dtype=object), "B": np.array([], float)})
    yield "only missing", pd.DataFrame({"A": [None, None], "B": [np.nan, np.nan], "C": ["", ""]})
    yield "readstat's own", pd.DataFrame({"A": ["x", "y"], "B": [1.0, np.inf]})


def _late_inf():
    """The mixed frame with a value only ReadStat encodes in its last rows."""
    frame = dict(_frames())["mixed"].copy()
    frame.loc[250, "AVAL"] = np.inf
    return frame


@pytest.mark.parametrize("case", [name for name, _ in _frames()])
def test_same_bytes_as_readstat(tmp_path, case):
    _same_bytes(tmp_path, dict(_frames())[case])


@pytest.mark.parametrize("case", ["mixed", "late inf"])
def test_same_bytes_when_written_in_chunks(tmp_path, monkeypatch, case):
    # 257 observations in chunks of 80: three full chunks and a last one of one row
    monkeypatch.setattr("oncorwe.io.formats.xpt.CHUNK_ROWS", 80)
    _same_bytes(tmp_path, dict(_frames())["mixed"] if case == "mixed" else _late_inf())


def _same_bytes(tmp_path, frame: pd.DataFrame) -> None:
    labels = {c: f"label of {c}" for c in frame.columns}
    ours = write_xpt_v5(frame, tmp_path / "ours.xpt", "adrs", "Data set", labels, STAMP)
    dates = [c for c in frame.columns if frame[c].map(type).eq(dt.date).any()]
    pyreadstat.write_xport(
        frame, tmp_path / "theirs.xpt", file_label="Data set", column_labels=labels,
        table_name="ADRS", file_format_version=5, variable_format={c: "DATE9" for c in dates},
    )  # fmt: skip
    theirs = (tmp_path / "theirs.xpt").read_bytes()
    stamp = b"14NOV23:22:13:20"
    # ReadStat stamps the time of writing; ours the given time, at the same four places
    assert ours.read_bytes().replace(stamp, b"?" * 16) == _unstamped(theirs)


def _unstamped(content: bytes) -> bytes:
    out = bytearray(content)
    for line in (1, 5):  # created: the end of the first real header records; modified: next
        out[line * 80 + 64 : line * 80 + 80] = b"?" * 16
        out[(line + 1) * 80 : (line + 1) * 80 + 16] = b"?" * 16
    return bytes(out)


def test_text_longer_than_200_bytes_is_refused(tmp_path):
    with pytest.raises(ValueError, match="longer than 200 bytes"):
        write_xpt_v5(pd.DataFrame({"A": ["é" * 101]}), tmp_path / "x.xpt", "adsl", "", {})


@pytest.mark.parametrize("case", ["mixed", "late inf", "only missing", "no rows"])
def test_batches_give_the_bytes_of_the_whole(tmp_path, case):
    frame = _late_inf() if case == "late inf" else dict(_frames())[case]
    # uneven batches (not whole 80-byte records), one with no present date or text
    cuts = [0, 3, 83, 84, 200, len(frame)] if len(frame) > 200 else [0, 1, len(frame)]
    labels = {c: f"label of {c}" for c in frame.columns}

    def batches():
        return [
            frame.iloc[a:b].reset_index(drop=True) for a, b in zip(cuts, cuts[1:], strict=False)
        ]

    whole = write_xpt_v5(frame, tmp_path / "whole.xpt", "adrs", "Data set", labels, STAMP)
    parts = write_xpt_v5_batches(batches, tmp_path / "parts.xpt", "adrs", "Data set", labels, STAMP)
    assert parts.read_bytes() == whole.read_bytes()
