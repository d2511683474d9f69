"""Small-cell suppression across tables and of differences no table prints: counts one table
repeats or sums from another (survival -> cox, subgroups; treatment -> subgroups, eqd2;
response -> duration of response) and ``n - events``, ``n - bed_ge_100_n``.

Each case first shows the leak of the former rule (each table suppressed on its own, with the
column rule where the table had no declaration): a reader's subtraction gives a small count
back. Then the tables are suppressed together, and every declared relation is audited as in
the demo check (no relation with exactly one hidden cell, no hidden cell pinned by linear
programming)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.privacy.additivity import column_rule
from oncorwe.privacy.cell_system import build_cell_system
from oncorwe.privacy.disclosure_audit import exposed_cells
from oncorwe.privacy.exported import SBRT, additivity_of
from oncorwe.privacy.suppression import suppress_table, suppress_tables

SEQUENCE = "RT and ICI sequence"
LEVELS = ["Concurrent", "Sequential, RT first", "Sequential, ICI first"]


def audit(tables: dict[str, pd.DataFrame], out: dict[str, pd.DataFrame]) -> tuple[list, bool]:
    """(tables of relations with exactly one hidden cell, whether a hidden cell is pinned)
    over every declared relation of ``tables``, with the cells ``out`` hides."""
    system = build_cell_system(tables, {k: additivity_of(k) for k, v in tables.items()})
    hidden = np.zeros(system.values.size, dtype=bool)
    for name, (first, rows, columns) in system.layout.items():
        shown = out[name][columns].notna().to_numpy().ravel()
        hidden[first : first + rows * len(columns)] = ~shown
    on_canon = np.zeros_like(hidden)
    on_canon[system.canon[hidden]] = True
    primary = (system.values >= 1) & (system.values < 5)
    on_canon |= ~system.printed & primary  # remainders: hidden when small
    unknown = system.unseen & (system.values >= 5)  # not known to a reader
    lonely = ((system.members & on_canon).sum(axis=1) == 1) & ~(system.members & unknown).any(
        axis=1
    )
    exposed = exposed_cells(system.sign, system.values, on_canon | unknown, primary, 5)
    return [system.names[i] for i in np.flatnonzero(lonely)], bool((exposed & ~unknown).any())


def assert_audited(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = suppress_tables(tables, 5)
    assert audit(tables, out) == ([], False)
    for frame in out.values():  # no small count is shown
        for column in [c for c in frame.columns if c == "n" or c.endswith(("_n", "events"))]:
            shown = pd.to_numeric(frame[column], errors="coerce").dropna()
            assert not ((shown >= 1) & (shown < 5)).any()
    return out


SURVIVAL = pd.DataFrame(
    {"endpoint": ["OS", "LC"], "n": [108, 108], "events": [105, 20], "median_months": [9.0, 30.0]}
)


def test_patients_without_an_event_n_minus_events():
    old = suppress_table(SURVIVAL, 5, column_rule(SURVIVAL))
    assert old["n"][0] - old["events"][0] == 3  # 3 patients alive at the end: shown by both
    out = assert_audited({"survival": SURVIVAL})["survival"]
    assert out["events_suppressed"].tolist() == ["complementary", ""]
    assert out["n"].tolist() == [108, 108]
    assert out["events"][1] == 20  # LC: 88 without an event, nothing to hide


def test_cox_repeats_the_survival_n_and_events():
    cox = pd.DataFrame(
        {
            "model": ["univariable", "multivariable"],
            "endpoint": ["OS", "OS"],
            "term": ["afp_over_400", "afp_over_400"],
            "n": [108, 108],
            "events": [105, 105],
            "hr": [1.3, 1.4],
        }
    )
    old = suppress_table(cox, 5, column_rule(cox))
    hidden = suppress_tables({"survival": SURVIVAL}, 5)["survival"]
    assert np.isnan(hidden["events"][0]) and old["n"][0] - old["events"][0] == 3
    out = assert_audited({"survival": SURVIVAL, "cox": cox})
    assert out["cox"]["events_suppressed"].tolist() == ["complementary"] * 2


def test_subgroup_levels_add_up_to_the_survival_counts():
    subgroups = pd.DataFrame(
        {
            "endpoint": ["OS"] * 2,
            "variable": ["afp_over_400"] * 2,
            "label": ["AFP > 400 ng/mL"] * 2,
            "level": ["No", "Yes"],
            "n": [50, 58],
            "events": [50, 55],
        }
    )
    # the column rule (each count column adds up): nothing below 5, all shown
    old = suppress_table(subgroups, 5, column_rule(subgroups))
    assert 108 - old["events"].sum() == 3  # survival's hidden events back, and n - events
    tables = {"survival": SURVIVAL.iloc[:1], "subgroups": subgroups}
    out = assert_audited(tables)
    assert out["survival"]["events_suppressed"].tolist() == ["complementary"]
    assert out["subgroups"]["events_suppressed"].tolist() == ["", "complementary"]


def test_subgroup_sequence_rows_are_the_treatment_levels():
    treatment = pd.DataFrame(
        {
            "characteristic": [SEQUENCE] * 3,
            "level": LEVELS,
            "n": [70, 30, 6],
            "pct": np.nan,
            "missing": [2, 2, 2],
        }
    )
    subgroups = pd.DataFrame(
        {
            "endpoint": ["OS"] * 3,
            "variable": ["sequence"] * 3,
            "label": [SEQUENCE] * 3,
            "level": LEVELS,
            "n": [70, 30, 6],
            "events": [37, 15, 5],
        }
    )
    alone = suppress_tables({"treatment": treatment}, 5)["treatment"]
    assert alone["n_suppressed"].tolist() == ["", "", "complementary"]  # for missing = 2
    old = suppress_table(subgroups, 5, column_rule(subgroups))
    assert 108 - old["n"].sum() == 2  # subgroups print the 6 treatment hides: missing back
    survival = pd.DataFrame({"endpoint": ["OS"], "n": [108], "events": [58]})
    tables = {"treatment": treatment, "survival": survival, "subgroups": subgroups}
    out = assert_audited(tables)
    assert np.isnan(out["subgroups"]["n"][2])  # hidden in both tables


def test_eqd2_groups_are_the_treatment_sbrt_yes_and_no():
    treatment = pd.DataFrame(
        {"characteristic": [SBRT] * 2, "level": ["Yes", "No"], "n": [50, 58], "missing": 0}
    )
    eqd2 = pd.DataFrame(
        {"group": ["All patients", SBRT, "Conventional"], "n": [108, 50, 58],
         "bed_ge_100_n": [53, 50, 3]}
    )  # fmt: skip
    alone = suppress_tables({"eqd2": eqd2}, 5)["eqd2"]
    assert alone["n_suppressed"].tolist() == ["", "complementary", "complementary"]
    # (SBRT's n shown would pin its BED count, none below 100 Gy: the conventional 3 = 53 -
    # 50), but Table 1 printed the group sizes
    assert suppress_table(treatment, 5, column_rule(treatment))["n"].tolist() == [50, 58]
    out = assert_audited({"treatment": treatment, "eqd2": eqd2})
    assert out["treatment"]["n"].isna().all()


def test_n_minus_bed_ge_100():
    eqd2 = pd.DataFrame(
        {"group": ["All patients", SBRT, "Conventional"], "n": [108, 55, 53],
         "bed_ge_100_n": [60, 52, 8]}
    )  # fmt: skip
    old = suppress_table(eqd2, 5, column_rule(eqd2))
    assert old["n"][1] - old["bed_ge_100_n"][1] == 3  # 3 SBRT patients below 100 Gy
    out = assert_audited({"eqd2": eqd2})["eqd2"]
    assert out["bed_ge_100_n_suppressed"].tolist() == ["", "complementary", "complementary"]


def test_duration_of_response_responders_are_the_orr_count():
    response = pd.DataFrame(
        {
            "criteria": ["RECIST1.1"] * 9,
            "confirmed": [False] * 9,
            "category": ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING", "ORR", "DCR"],
            "n": [4, 46, 54, 0, 4, 0, 0, 50, 104],
            "pct": np.nan,
        }
    )
    dor = pd.DataFrame(
        {"criteria": ["RECIST1.1"], "n_responders": [50], "events": [31], "median_months": 11.5}
    )
    alone = suppress_tables({"response": response}, 5)["response"]
    assert alone["n"].isna().tolist()[:5] == [True, True, False, False, True]
    assert np.isnan(alone["n"][7])  # ORR hidden with CR, PR and PD (108 = ORR + SD + PD)
    old = suppress_table(dor, 5, column_rule(dor))
    assert 108 - alone["n"][2] - old["n_responders"][0] == 4  # the DoR table gives PD back
    out = assert_audited({"response": response, "duration_of_response": dor})
    assert out["duration_of_response"]["n_responders_suppressed"].tolist() == ["complementary"]
