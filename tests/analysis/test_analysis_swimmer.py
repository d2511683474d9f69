"""oncorwe.analysis.swimmer: subjects numbered by decreasing OS, rows in a total order; the
engine's batch-by-batch rows the same frame as the pandas ordering of the whole timeline."""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from oncorwe.analysis.datasets import TABLE_PREFIX, AnalysisDatasets, EventDataset
from oncorwe.analysis.swimmer import (
    SUBJECTS_TABLE,
    SWIMMER_COLUMNS,
    numbered_patients,
    swimmer_rows,
    swimmer_table,
)
from oncorwe.derive.timeline import TIMELINE_COLUMNS
from oncorwe.engine import connect
from postgres_server import postgres_url

TYPES = {"patient_id": "string", "kind": "string", "start_months": "float64",
         "end_months": "float64", "label": "string"}  # fmt: skip
# B (OS 9) = 1, A and C (OS 5, ADSL order) = 2 and 3, F (no rows) = 4, D (OS missing) = 5;
# E and G have no ADSL row: no number, their rows last
ADSL = pd.DataFrame(
    {"patient_id": ["A", "B", "C", "D", "F"], "os_months": [5.0, 9.0, 5.0, np.nan, 1.0]}
)
NAN = np.nan
ROWS = [  # B's eight rows straddle every small batch; ties on time broken by kind, end, label
    ("B", "rt", 0.0, 1.5, "liver"), ("B", "ici", 0.0, 4.0, "atezolizumab"),
    ("B", "response", 2.0, NAN, "PR"), ("B", "response", 2.0, NAN, None),
    ("B", "response", 2.0, NAN, "Pr"), ("B", "response", 2.0, NAN, "été"),
    ("B", "death", 9.0, NAN, "dead"), ("B", "Zeta", 2.0, NAN, "x"),
    ("A", "rt", 0.0, NAN, "liver"), ("A", "rt", 0.0, 1.0, "liver"), ("A", "rt", NAN, 1.0, "lung"),
    ("A", "last_contact", 5.0, NAN, "alive"), ("C", "ici", 0.5, 2.0, "durvalumab"),
    ("C", "ici", 0.5, 2.0, "durvalumab"), ("D", "progression", 3.0, NAN, "in_field"),
    ("E", "rt", 1.0, 2.0, "liver"), ("G", "rt", 0.0, 2.0, "liver"),
    ("E", "death", 4.0, NAN, "dead"), ("G", "ici", 1.0, NAN, None),
]  # fmt: skip


def timeline_rows(patients: set[str] | None = None) -> pa.Table:
    """``ROWS`` (of ``patients``, all by default) in a scrambled order."""
    rows = [r for r in ROWS if patients is None or r[0] in patients]
    rows = [rows[i] for i in np.random.default_rng(7).permutation(len(rows))]
    return pa.table({c: [r[k] for r in rows] for k, c in enumerate(TIMELINE_COLUMNS)})


@contextmanager
def datasets(engine, rows: pa.Table, adsl: pd.DataFrame = ADSL):
    """Analysis datasets on ``engine`` holding only the timeline ``rows`` and ``adsl``."""
    with engine.loaded(TABLE_PREFIX + "timeline", rows, TYPES) as timeline:
        event = EventDataset(timeline.order_by(TIMELINE_COLUMNS), lambda f: f)
        yield AnalysisDatasets(adsl, pd.DataFrame(), engine, {"timeline": event})


def check_same_frame(engine) -> None:
    """The engine's rows equal the pandas ordering, whatever the batch size, and every table
    loaded for them is dropped."""
    with datasets(engine, timeline_rows()) as data:
        expected = swimmer_table(data.timeline, data.adsl)
        for rows in (1, 2, 3, 5, 1000):
            pd.testing.assert_frame_equal(swimmer_rows(data, rows), expected, check_exact=True)
        assert SUBJECTS_TABLE not in engine.tables()


def test_numbered_by_decreasing_os_then_adsl_order():
    assert numbered_patients(ADSL).tolist() == ["B", "A", "C", "F", "D"]


def test_rows_in_subject_then_time_kind_end_label_order():
    timeline = timeline_rows().to_pandas()
    table = swimmer_table(timeline, ADSL)
    assert list(table.columns) == SWIMMER_COLUMNS and table["subject"].dtype == np.float64
    b = table[table["subject"] == 1]
    # at 2 months: "Zeta" before "response" (code points), labels "PR" < "Pr" < "été", missing
    # last; a missing end after a number, a missing start after every time (A's lung course)
    assert b[["kind", "label"]].iloc[2:7].values.tolist() == [
        ["Zeta", "x"], ["response", "PR"], ["response", "Pr"], ["response", "été"],
        ["response", NAN],
    ]  # fmt: skip
    a = table[table["subject"] == 2]
    assert a["end_months"].tolist()[:2] == [1.0, pytest.approx(NAN, nan_ok=True)]
    assert a["label"].tolist()[-1] == "lung"
    # E and G, without an ADSL row: no number, last, their rows by time
    unnumbered = table[table["subject"].isna()]
    assert table.index[-4:].tolist() == unnumbered.index.tolist()
    assert unnumbered["start_months"].tolist() == [0.0, 1.0, 1.0, 4.0]
    assert unnumbered["kind"].tolist() == ["rt", "ici", "rt", "death"]


def test_engine_rows_are_the_pandas_frame():
    with connect() as engine:
        check_same_frame(engine)
        # a subject straddles the batches: B's eight rows come in several
        with datasets(engine, timeline_rows()) as data:
            assert len(list(engine.batches(data.events["timeline"].rows, 3))) >= 3


def test_engine_rows_with_every_patient_numbered_are_integers():
    with connect() as engine, datasets(engine, timeline_rows({"A", "B", "C", "D"})) as data:
        rows = swimmer_rows(data, 2)
        pd.testing.assert_frame_equal(rows, swimmer_table(data.timeline, data.adsl))
        assert rows["subject"].dtype == np.int64
        assert rows["subject"].unique().tolist() == [1, 2, 3, 5]


def test_no_timeline_rows_and_repeated_adsl_ids_as_in_pandas():
    with connect() as engine:
        with datasets(engine, timeline_rows(set())) as data:
            empty = swimmer_rows(data, 2)
            pd.testing.assert_frame_equal(empty, swimmer_table(data.timeline, data.adsl))
            assert empty.empty and empty["subject"].dtype == np.int64
        twice = pd.concat([ADSL, ADSL.iloc[:1]], ignore_index=True)
        with datasets(engine, timeline_rows(), twice) as data:
            with pytest.raises(pd.errors.InvalidIndexError):
                swimmer_table(data.timeline, data.adsl)
            with pytest.raises(pd.errors.InvalidIndexError):
                swimmer_rows(data, 2)


@pytest.mark.engines
def test_postgres_rows_are_the_pandas_frame():
    with postgres_url() as url, connect("postgres", url) as engine:
        check_same_frame(engine)


@pytest.mark.engines
def test_spark_rows_are_the_pandas_frame():
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed; pip install 'oncorwe[spark]'")
    check_same_frame(connect("spark", "local[2]"))
