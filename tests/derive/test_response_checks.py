"""The input gate of the best-response derivation over frames: the first error of the findings,
named by table, row, column, value and rule; findings of a frame named by its own rows."""

from __future__ import annotations

import pandas as pd
import pytest

from oncorwe.derive.best_response import best_overall_response
from oncorwe.derive.response_checks import check_assessments
from oncorwe.errors import InputError

ORIGIN = pd.Series(pd.to_datetime(["2021-01-01"]), index=["a"])


def _assessments(rows, index=None) -> pd.DataFrame:
    columns = ["patient_id", "assessment_date", "overall_response"]
    return pd.DataFrame(rows, columns=columns, index=index)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([("a", "2021-02-01", "PR"), ("a", "soon", "SD")],
         "table tumor_assessments, row 1, column assessment_date: value 'soon': not a date "
         "(YYYY-MM-DD) (response.date_invalid)"),
        ([("a", "2021-02-01", "iPR")],
         "table tumor_assessments, row 0, column overall_response: value 'iPR': expected one "
         "of CR, PR, SD, NON-CR/NON-PD, PD, NE (response.value_unknown)"),
        ([("a", "2021-02-01", "PR"), ("b", "2021-02-01", "PR")],
         "table tumor_assessments, row 1, column patient_id: value 'b': patient has no time "
         "origin (response.no_origin)"),
    ],
)  # fmt: skip
def test_the_gate_raises_the_first_error_finding(rows, expected):
    with pytest.raises(InputError) as raised:
        best_overall_response(_assessments(rows), ORIGIN)
    assert str(raised.value) == expected


def test_findings_name_the_frames_own_rows():
    rows = [("a", "2021-02-01", "PR"), ("a", "2021-02-01", "PD"), ("a", "bad", "SD")]
    found = check_assessments(_assessments(rows, index=[10, 20, 30]), ORIGIN)
    assert found[["row", "value", "rule"]].to_numpy().tolist() == [
        [30, "bad", "response.date_invalid"],
        [20, "2021-02-01", "response.duplicate_date"],
    ]
