"""RILD flags and Child-Pugh / ALBI change at 3 months: small hand-worked cohort."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from oncorwe.cohort import analysis_connection
from oncorwe.derive import rild
from oncorwe.engine import Engine
from oncorwe.engine.tables import contract_tables

END = pd.Timestamp("2021-01-31")


def _day(n):
    return END + pd.Timedelta(days=n)


PATIENTS = pd.DataFrame({
    "patient_id": ["a", "b", "c", "d", "e"],
    "bilirubin_umol_l": [15.0, 15.0, 15.0, 15.0, 15.0],
    "albumin_g_l": [40.0, 40.0, 40.0, 40.0, 40.0],
    "inr": [1.1, 1.1, 1.1, 1.1, 1.1],
    "ascites": ["none"] * 5,
    "encephalopathy": ["none"] * 5,
    "alt_u_l": [30.0, 30.0, 250.0, 30.0, 30.0],
    "ast_u_l": [30.0, 30.0, 240.0, 30.0, 30.0],
})  # fmt: skip


def _table(con, name: str, values: pd.Series, column: str, kind: str) -> ibis.Table:
    """Series patient_id -> value as table ``name`` (``patient_id, column``) in ``con``."""
    frame = pd.DataFrame({"patient_id": values.index.astype(str), column: values.to_numpy()})
    con.register(f"_{name}", frame)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
    return ibis.table({"patient_id": "string", column: kind}, name=name)


def derive_rild(labs, patients, rt_end, progression_date=None, new_ascites=None):
    """The builder run on DuckDB over these frames (Series as the tables it takes)."""
    con = analysis_connection({"labs": labs, "patients": patients})
    ends = _table(con, "rt_end", rt_end, "rt_end", "date")
    prog = None
    if progression_date is not None:
        prog = _table(con, "progression", progression_date, "progression_date", "date")
    ascites = None if new_ascites is None else _table(con, "ascites", new_ascites, "new_ascites",
                                                      "boolean")  # fmt: skip
    expression = rild.derive_rild(contract_tables(), ends, prog, ascites)
    return Engine("duckdb", None, con).query(expression)


def _labs():
    rows = []
    for p in "abcde":
        rows += [
            (p, _day(90), "bilirubin_umol_l", 15.0, 21.0),
            (p, _day(90), "albumin_g_l", 40.0, None),
            (p, _day(90), "inr", 1.1, None),
            (p, _day(30), "alt_u_l", 35.0, 40.0),
        ]
    rows += [
        ("a", _day(45), "alp_u_l", 300.0, 120.0),  # 2.5 x ULN -> classic (lab criterion)
        ("b", _day(40), "alt_u_l", 220.0, 40.0),  # 5.5 x ULN -> non-classic
        ("c", _day(40), "alt_u_l", 220.0, 40.0),  # baseline 6.25 x ULN: needs > 20 x -> no
        ("d", _day(88), "bilirubin_umol_l", 40.0, 21.0),  # near the landmark, not nearest
        ("d", _day(92), "albumin_g_l", 30.0, None),
        ("e", _day(120), "alp_u_l", 400.0, 120.0),  # outside the 3-month window
        ("e", _day(-5), "alt_u_l", 400.0, 40.0),  # before RT end
    ]
    return pd.DataFrame(rows, columns=["patient_id", "lab_date", "test", "value", "uln"])


def test_derive_rild():
    rt_end = pd.Series(END, index=list("abcde"))
    out = derive_rild(_labs(), PATIENTS, rt_end).set_index("patient_id")
    assert out["classic_rild"].to_dict() == {"a": True, "b": False, "c": False, "d": False,
                                             "e": False}  # fmt: skip
    assert out["non_classic_rild"].to_dict() == {"a": False, "b": True, "c": False, "d": False,
                                                 "e": False}  # fmt: skip
    assert out.loc["a", "peak_alp_x_uln"] == pytest.approx(2.5)
    assert out.loc["c", "baseline_transaminase_x_uln"] == pytest.approx(6.25)
    # d: the day-90 labs (gap 0) win over day 88 / day 92, so Child-Pugh is unchanged
    assert out.loc["d", "child_pugh_change"] == 0
    assert out.loc["a", "child_pugh_baseline"] == 5
    assert out.loc["a", "child_pugh_change"] == 0
    assert out.loc["a", "albi_grade_baseline"] == "1"


def test_child_pugh_rise_of_two_and_progression_suppresses():
    labs = _labs()
    labs = labs[~((labs["patient_id"] == "d") & (labs["lab_date"] == _day(90))
                  & labs["test"].isin(["bilirubin_umol_l", "albumin_g_l"]))]  # fmt: skip
    rt_end = pd.Series(END, index=list("abcde"))
    out = derive_rild(labs, PATIENTS, rt_end).set_index("patient_id")
    # d at 3 months: bilirubin 40 (2 points), albumin 30 (2 points), INR 1.1 -> 7 (was 5)
    assert out.loc["d", "child_pugh_3m"] == 7
    assert out.loc["d", "child_pugh_change"] == 2
    assert bool(out.loc["d", "non_classic_rild"]) is True
    expected_albi = 0.66 * np.log10(40.0) - 0.085 * 30.0
    assert out.loc["d", "albi_3m"] == pytest.approx(expected_albi)
    assert out.loc["d", "albi_grade_3m"] == "2"
    prog = pd.Series({"d": _day(60), "b": _day(200)})
    out = derive_rild(labs, PATIENTS, rt_end, progression_date=prog).set_index("patient_id")
    assert bool(out.loc["d", "non_classic_rild"]) is False
    assert bool(out.loc["d", "progression_in_window"]) is True
    assert bool(out.loc["b", "non_classic_rild"]) is True
    ascites = pd.Series({"a": False})
    out = derive_rild(labs, PATIENTS, rt_end, new_ascites=ascites).set_index("patient_id")
    assert bool(out.loc["a", "classic_rild"]) is False
