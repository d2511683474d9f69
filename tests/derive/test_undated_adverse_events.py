"""Adverse events recorded as the worst grade per term without onset dates (retrospective sheets).

Accepted when the protocol states that they were recorded within the treatment-emergent window
(``safety.undated_ae_recorded_in_window``); then they count as treatment-emergent and the report
says so. The small study's cohort is P1, P2, P6 (tests/small_study.py); its events, by hand, as
worst grade per term: P1 Dermatitis radiation 2, Platelet count decreased 3; P2 Dermatitis
radiation 1; P6 Fatigue 2, Dermatitis radiation 1. All three patients have an AE, one (P1) of
grade >= 3; Dermatitis radiation is the most common term (3 of 3 patients).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from oncorwe.analysis.study import analyse_study
from oncorwe.errors import ProtocolError
from oncorwe.io.sample import minimal_tables
from oncorwe.protocol import load_protocol
from oncorwe.validate import validate_tables
from small_study import accepted_tables

PROTOCOL = load_protocol("hcc-rt-ici")
STATED = replace(PROTOCOL, safety=replace(PROTOCOL.safety, undated_ae_recorded_in_window=True))

WORST_PER_TERM = pd.DataFrame(
    {
        "patient_id": ["P1", "P1", "P2", "P6", "P6"],
        "term": [
            "Dermatitis radiation",
            "Platelet count decreased",
            "Dermatitis radiation",
            "Fatigue",
            "Dermatitis radiation",
        ],
        "grade": pd.array([2, 3, 1, 2, 1], dtype="Int64"),
    }
)


def _undated() -> dict[str, pd.DataFrame]:
    tables = accepted_tables()
    tables["adverse_events"] = WORST_PER_TERM
    return tables


def test_counted_when_the_protocol_states_the_window():
    outputs, data, _ = analyse_study(_undated(), STATED)
    safety = outputs.results["safety"]
    assert safety["any_grade_any"]["n"] == 3
    assert safety["grade3plus_any"]["n"] == 1
    assert safety["most_common_any_grade"] == {
        "term": "Dermatitis radiation",
        "n": 3,
        "pct": pytest.approx(100.0),
    }
    assert "no onset date" in safety["undated_events"]
    assert "5 adverse event record(s) of 3 patient(s)" in safety["undated_events"]
    assert outputs.tables["adverse_events"].attrs["footnotes"] == (safety["undated_events"],)
    methods = {setting: value for setting, value, _ in outputs.methods}
    assert methods["safety.undated_ae_recorded_in_window"] == "True"
    assert data.adae["treatment_emergent"].all() and data.adae["first_onset_date"].isna().all()


def test_refused_without_the_protocol_statement():
    with pytest.raises(ProtocolError, match="undated_ae_recorded_in_window") as error:
        analyse_study(_undated(), PROTOCOL)
    assert "patient 'P1'" in str(error.value) and "adverse_events" in str(error.value)


def test_dated_events_are_unchanged_by_the_setting():
    dated, _, _ = analyse_study(accepted_tables(), PROTOCOL)
    stated, _, _ = analyse_study(accepted_tables(), STATED)
    assert dated.results["safety"] == stated.results["safety"]
    assert "undated_events" not in stated.results["safety"]


def test_validation_accepts_a_missing_onset_with_a_warning():
    tables = minimal_tables()
    tables["adverse_events"].loc[0, "onset_date"] = ""
    result = validate_tables(tables)
    hits = result.findings[result.findings["rule"] == "adverse_events.onset_missing"]
    assert list(hits["row"]) == [1] and set(hits["severity"]) == {"warning"}
    assert result.reconciliation.set_index("table").loc["adverse_events", "quarantined"] == 0
