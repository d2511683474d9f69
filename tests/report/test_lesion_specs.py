"""Lesion-level response specs: labels, exact-CI cells, and nothing shown for an empty table."""

from __future__ import annotations

import pandas as pd

from oncorwe.report.registry import BY_NAME
from oncorwe.report.specs import RenderContext, render_spec

CONTEXT = RenderContext(conf_level=0.95, n_total=10)


def test_field_response_rendered_with_plain_labels():
    frame = pd.DataFrame(
        {"scope": ["in_field", "abscopal"], "criteria": "mRECIST", "n_evaluable": [2, 3],
         "cr_n": [1, 0], "pr_n": [1, 1], "sd_n": [0, 2], "pd_n": [0, 0], "orr_n": [2, 1],
         "orr_pct": [100.0, 100 / 3], "orr_ci_lower": [15.81139, 0.8403759],
         "orr_ci_upper": [100.0, 90.5700675]}
    )  # fmt: skip
    (table,) = render_spec(frame, BY_NAME["field_response"], CONTEXT)
    assert table.columns[-1] == "ORR, % (95% CI)"
    assert table.rows[0][0] == "In field (irradiated lesions)"
    assert table.rows[1][0] == "Abscopal (never-irradiated target lesions)"
    assert table.rows[1][-1] == "33.3 (0.8\u201390.6)"
    assert any("Exact 95% CI" in n for n in table.footnotes)


def test_response_by_criteria_side_by_side():
    frame = pd.DataFrame(
        {"criteria": ["mRECIST", "RECIST1.1"], "confirmed": [False, True], "orr_n": [81, 40],
         "orr_pct": [75.0, 37.037], "orr_ci_lower": [65.7488, 27.9414],
         "orr_ci_upper": [82.8336, 46.8628], "dcr_n": [104, 104], "dcr_pct": [96.2963] * 2,
         "dcr_ci_lower": [90.7881] * 2, "dcr_ci_upper": [98.9818] * 2}
    )  # fmt: skip
    (table,) = render_spec(frame, BY_NAME["response_by_criteria"], CONTEXT)
    assert table.rows[0][:4] == ("mRECIST", "Unconfirmed", "81", "75.0 (65.7\u201382.8)")
    assert table.rows[1][1] == "Confirmed"


def test_empty_lesion_tables_are_not_shown():
    for name in ("field_response", "response_by_criteria", "duration_of_response"):
        spec = BY_NAME[name]
        assert render_spec(pd.DataFrame(columns=sorted(spec.needed())), spec, CONTEXT) == []
