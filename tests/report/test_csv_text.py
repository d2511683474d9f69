"""report.csv_text: the same text as ``DataFrame.to_csv``, each distinct value made text once."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from oncorwe.report import csv_text
from oncorwe.report.csv_text import fast_path, write_csv


def _to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _written(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue()


@pytest.fixture
def small_blocks(monkeypatch):
    """Fast path from 4 rows, 3 rows per block: every case crosses blocks."""
    monkeypatch.setattr(csv_text, "FAST_ROWS", 4)
    monkeypatch.setattr(csv_text, "CHUNK_ROWS", 3)


def test_hostile_values_give_the_text_of_to_csv(small_blocks):
    texts = ["plain", 'say "hi"', "a,b", "two\nlines", "cr\rhere", "", None, " lead", "é ü"]
    n = len(texts)
    floats = [0.0, -0.0, 1e-05, 1e16, 123456789012345.0, np.nan, np.inf, -np.inf, 1 / 3]
    frame = pd.DataFrame(
        {
            "subject": np.arange(n, dtype=np.int64) * -7,
            "text": pd.Series(texts, dtype=object),
            "arrow": pd.Series(texts, dtype="string"),
            "value": np.array(floats, dtype=np.float64),
            "unsigned": np.arange(n, dtype=np.uint32),
            "str": pd.Series(texts, dtype="str"),
        }
    )
    assert fast_path(frame)
    assert _written(frame) == _to_csv(frame)


def test_repeated_values_across_blocks(small_blocks):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "kind": rng.choice(["ici", "rt", "death", None], 50),
            "start_months": rng.choice([0.0, 1.5, np.nan, 2 / 3], 50),
            "subject": rng.integers(1, 9, 50),
        }
    )
    assert _written(frame) == _to_csv(frame)


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([1, 2, None, 4, 5], dtype="Int64"),  # masked integers
        pd.Series([1.5, 2.0, None, 4.0, 5.0], dtype="Float64"),
        pd.Series([True, False, True, False, True]),
        pd.Series(pd.to_datetime(["2024-01-01"] * 5)),
        pd.Series([1, "a", 2.5, None, True], dtype=object),  # objects that are not all text
        pd.Series(np.arange(5, dtype=np.float32) / 3),
    ],
)
def test_other_columns_are_written_by_to_csv(small_blocks, column):
    frame = pd.DataFrame({"x": column, "y": np.arange(5)})
    assert not fast_path(frame)
    assert _written(frame) == _to_csv(frame)


def test_small_or_single_column_tables_are_written_by_to_csv():
    assert not fast_path(pd.DataFrame({"x": ["a", ""] * 10_000}))  # one column: "" is quoted
    assert not fast_path(pd.DataFrame({"x": ["a"], "y": [1.0]}))
