"""The intake streams: no step holds more than one chunk of a table in memory, whatever the
file's size, and the store ends up with every row.

Memory itself is measured in benchmarks/intake.py (docs/benchmarks.md); this test checks the
structure that makes it flat: every frame the readers yield has at most ``chunk_rows`` rows (a
plain CSV file is staged by DuckDB without any), and
the rules of one value see each distinct value once, in frames of at most ``chunk_rows`` values
(the rules of rows run as SQL in DuckDB), for CSV, Excel and Parquet inputs.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from oncorwe.intake import take_in
from oncorwe.io import staging
from oncorwe.io.export import write_tables
from oncorwe.io.store import StudyStore
from oncorwe.synth import seed_twin_path
from oncorwe.validate import value_rules

ROWS = 2_000  # adverse events in five chunks: enough to show that no step holds the whole table
CHUNK = 400


def _study(tmp_path, fmt):
    data = tmp_path / "csv"
    shutil.copytree(seed_twin_path(), data)
    patients = pd.read_csv(data / "patients.csv", dtype=str)
    ids = patients["patient_id"].to_numpy()
    onset = dict(zip(ids, patients["last_contact_date"], strict=True))
    who = [ids[k % len(ids)] for k in range(ROWS)]
    events = pd.DataFrame(
        {
            "patient_id": who,
            "term": [f"Event {k:05d}" for k in range(ROWS)],
            "grade": ["9" if k in (17, 1_321) else str(1 + k % 5) for k in range(ROWS)],
            "onset_date": [onset[w] for w in who],
        }
    )
    events.loc[ROWS - 1] = events.loc[10]  # an exact duplicate across chunks: quarantined
    events.to_csv(data / "adverse_events.csv", index=False)
    if fmt == "csv":
        return data
    tables = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in data.glob("*.csv")}
    return write_tables(tables, tmp_path / ("study.xlsx" if fmt == "xlsx" else "pq"), fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_no_step_sees_more_than_one_chunk(tmp_path, monkeypatch, fmt):
    data = _study(tmp_path, fmt)
    seen = {"staged": [], "checked": [], "events": []}
    append = staging.append_frame

    def record_append(con, schema, table, frame):
        if schema == "raw":
            seen["staged"].append(len(frame))
        return append(con, schema, table, frame)

    run_checks = value_rules.run_checks

    def record_checks(work, skip=frozenset()):
        seen["checked"] += [len(frame) for frame in work.text.values()]
        seen["events"] += [len(work.text.get("adverse_events", ()))]
        return run_checks(work, skip)

    monkeypatch.setattr(staging, "append_frame", record_append)
    monkeypatch.setattr(value_rules, "run_checks", record_checks)
    store = tmp_path / "study.duckdb"
    intake = take_in(data, store_path=store, work_dir=tmp_path, chunk_rows=CHUNK)
    if fmt == "csv":  # plain UTF-8 files are staged by DuckDB's reader, no frame at all
        assert seen["staged"] == []
    else:
        assert max(seen["staged"]) == CHUNK
    assert 0 < max(seen["checked"]) <= CHUNK
    # distinct values, not rows: far fewer than the 2,000 adverse events
    assert 0 < sum(seen["events"]) < ROWS // 10
    counts = intake.validation.reconciliation.set_index("table").loc["adverse_events"]
    assert (counts["read"], counts["accepted"], counts["quarantined"]) == (ROWS, ROWS - 3, 3)
    with StudyStore(store, read_only=True) as s:
        held = s.quarantined("adverse_events")
    assert held["_rules"].tolist() == [
        "adverse_events.grade_range",
        "adverse_events.grade_range",
        "table.duplicate_row",
    ]
