"""Cumulative-incidence figure: one step curve per failure type; the at-risk counts sit on the x
ticks (the KM grid) and equal the fit's n_risk at the first time >= each tick (by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oncorwe.errors import InputError
from oncorwe.report.figures.cif import at_risk_at_ticks, plot_cif
from oncorwe.report.figures.style import save_figure
from oncorwe.stats import cumulative_incidence

# 8 patients, months; status 1 = in field, 2 = extrahepatic, 0 = censored
TIME = np.array([2.0, 3.0, 3.0, 5.0, 7.0, 8.0, 12.0, 13.0])
STATUS = np.array([1, 2, 0, 2, 0, 1, 2, 0])


def cif_table() -> pd.DataFrame:
    parts = []
    for code, pattern in ((1, "in_field"), (2, "extrahepatic")):
        fit = cumulative_incidence(TIME, STATUS, code)
        part = fit.table[["time", "n_risk", "estimate"]].assign(pattern=pattern, label=pattern)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_at_risk_counts_by_hand_on_km_grid():
    drawn = plot_cif(cif_table())
    assert list(drawn.ticks) == [0, 2, 4, 6, 8, 10, 12, 14]  # time_grid(13): step 2 months
    # at risk at t = patients with time >= t
    assert list(drawn.at_risk["n_risk"]) == [int((TIME >= t).sum()) for t in drawn.ticks]
    assert list(drawn.at_risk["n_risk"]) == [8, 8, 5, 4, 3, 2, 2, 0]
    risk_ax = drawn.figure.axes[1]
    drawn_counts = [
        (t.get_position()[0], t.get_text()) for t in risk_ax.texts if t.get_gid() == "at-risk-count"
    ]
    assert drawn_counts == [
        (t, str(n)) for t, n in zip(drawn.ticks, drawn.at_risk["n_risk"], strict=True)
    ]
    assert list(drawn.figure.axes[0].get_xticks()) == list(drawn.ticks)


def test_one_step_curve_per_type_from_zero():
    drawn = plot_cif(cif_table())
    lines = [
        ln
        for ln in drawn.figure.axes[0].get_lines()
        if ln.get_label() in ("in_field", "extrahepatic")
    ]
    assert len(lines) == 2
    assert all(ln.get_drawstyle() == "steps-post" for ln in lines)
    assert all(ln.get_xdata()[0] == 0 and ln.get_ydata()[0] == 0 for ln in lines)
    # in field: 1/8 at 2 months, then (1/8) + (7/8)(5/6... ) - the fit's own last value
    assert lines[0].get_ydata()[-1] == pytest.approx(
        cif_table().query("pattern == 'in_field'")["estimate"].iloc[-1]
    )


def test_lookup_past_last_time_is_zero():
    curve = pd.DataFrame({"time": [1.0, 2.0], "n_risk": [4, 2]})
    assert list(at_risk_at_ticks(curve, np.array([0.0, 1.0, 1.5, 3.0]))["n_risk"]) == [4, 4, 2, 0]


def test_saved_in_three_formats_with_truetype_fonts(tmp_path):
    paths = save_figure(plot_cif(cif_table(), synthetic=True).figure, tmp_path / "cif")
    assert sorted(p.suffix for p in paths) == [".pdf", ".png", ".svg"]
    pdf = (tmp_path / "cif.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf


def test_empty_table_is_an_input_error():
    with pytest.raises(InputError, match="failure_cif"):
        plot_cif(pd.DataFrame(columns=["pattern", "label", "time", "n_risk", "estimate"]))
