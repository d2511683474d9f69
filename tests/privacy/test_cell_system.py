"""Cells and relations built from the declarations, checked against hand-written matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from oncorwe.privacy.additivity import (
    Across,
    Additivity,
    Down,
    Percent,
    Repeated,
    column_rule,
)
from oncorwe.privacy.cell_system import build_cell_system
from oncorwe.privacy.exported import additivity_of


def test_attrition_steps_and_its_public_last_count():
    attrition = pd.DataFrame(
        {"step": ["a", "b", "c"], "n_remaining": [20, 15, 12], "n_excluded": [0, 5, 3]}
    )
    system = build_cell_system({"attrition": attrition}, {"attrition": additivity_of("attrition")})
    # cells: row-major over (n_remaining, n_excluded): r0 e0 r1 e1 r2 e2
    np.testing.assert_array_equal(system.values, [20, 0, 15, 5, 12, 3])
    np.testing.assert_array_equal(
        system.sign, [[-1, 0, 1, 1, 0, 0], [0, 0, -1, 0, 1, 1]]
    )  # 20 = 15 + 5, 15 = 12 + 3
    np.testing.assert_array_equal(system.total, [0, 2])
    np.testing.assert_array_equal(system.public, [False, False, False, False, True, False])


def test_levels_and_a_repeated_missing_count_add_up_to_the_cohort():
    baseline = pd.DataFrame(
        {
            "characteristic": ["CP", "CP", "Age"],
            "level": ["A", "B", None],
            "n": [9, 6, 16],
            "pct": [60.0, 40.0, np.nan],
            "missing": [2, 2, 1],
        }
    )
    system = build_cell_system({"baseline": baseline}, {"baseline": additivity_of("baseline")})
    # cells n0 m0 n1 m1 n2 m2; m1 is m0 (one missing count per characteristic)
    np.testing.assert_array_equal(system.canon, [0, 1, 2, 1, 4, 5])
    # A + B + missing = N and Age n + missing = N, totals printed elsewhere
    np.testing.assert_array_equal(system.sign, [[1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1]])
    np.testing.assert_array_equal(system.total, [-1, -1])
    assert additivity_of("baseline").percents == (Percent(("pct",), of="missing"),)


def test_a_remainder_is_a_cell_no_table_prints():
    field = pd.DataFrame({"n_evaluable": [91], "orr_n": [67], "sd_n": [22], "pd_n": [0]})
    declared = Additivity("", (Across("n_evaluable", ("orr_n", "sd_n", "pd_n"), True),))
    system = build_cell_system({"field": field}, {"field": declared})
    np.testing.assert_array_equal(system.values, [91, 67, 22, 0, 2])  # 2 not evaluable
    np.testing.assert_array_equal(system.printed, [True] * 4 + [False])
    np.testing.assert_array_equal(system.sign, [[-1, 1, 1, 1, 1]])


def test_mirrored_counts_are_one_cell():
    response = pd.DataFrame(
        {"criteria": ["m", "m", "m"], "category": ["CR", "PR", "ORR"], "n": [3, 40, 43]}
    )
    side = pd.DataFrame({"criteria": ["m"], "orr_n": [43], "dcr_n": [90]})
    tables = {"response": response, "response_by_criteria": side}
    system = build_cell_system(tables, {k: additivity_of(k) for k, v in tables.items()})
    # cells: CR PR ORR (response), orr_n dcr_n (side by side); orr_n is the ORR row's n
    np.testing.assert_array_equal(system.canon, [0, 1, 2, 2, 4])
    assert system.cells_of("response_by_criteria").tolist() == [[2, 4]]


def test_the_column_rule_skips_one_row_groups_and_missing_counts():
    table = pd.DataFrame(
        {"endpoint": ["os", "pfs", "pfs"], "n": [108, 50, np.nan], "events": [58, 30, 20]}
    )
    assert column_rule(table).relations == (Down(label=None, by=("endpoint",)),)
    system = build_cell_system({"t": table}, {"t": column_rule(table)})
    # os is one row (no relation); pfs n has a missing count (no relation); pfs events add up
    np.testing.assert_array_equal(system.sign, [[0, 0, 0, 1, 0, 1]])


def test_declarations_use_columns_the_tables_have():
    assert Repeated("missing", ("characteristic",)) in additivity_of("baseline").repeated
    assert column_rule(pd.DataFrame({"n": [1]})).relations[0].by == ()


def test_counts_repeated_across_tables_are_joined_only_when_equal():
    survival = pd.DataFrame({"endpoint": ["OS", "PFS"], "n": [108, 108], "events": [58, 66]})
    cox = pd.DataFrame(
        {"model": ["m", "m"], "endpoint": ["OS", "PFS"], "n": [108, 100], "events": [58, 61]}
    )  # PFS: a complete-case model of 100 patients, no mirror
    tables = {"survival": survival, "cox": cox}
    system = build_cell_system(tables, {k: additivity_of(k) for k, v in tables.items()})
    # cells: survival n0 e0 n1 e1 (0-3), cox n0 e0 n1 e1 (4-7), then the remainders n - events
    np.testing.assert_array_equal(system.canon[:8], [0, 1, 2, 3, 0, 1, 6, 7])
    # one remainder for OS (the same sum in both tables), one per other row
    np.testing.assert_array_equal(system.values[8:], [50, 42, 39])
    np.testing.assert_array_equal(system.unseen, [False] * 8 + [True] * 3)
    np.testing.assert_array_equal(
        system.sign,
        [
            [-1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0],
            [0, 0, -1, 1, 0, 0, 0, 0, 0, 1, 0],
            [0, 0, 0, 0, 0, 0, -1, 1, 0, 0, 1],
        ],
    )


def test_a_block_total_in_another_table():
    survival = pd.DataFrame({"endpoint": ["OS"], "n": [108], "events": [58]})
    subgroups = pd.DataFrame(
        {"endpoint": ["OS"] * 2, "variable": ["afp"] * 2, "label": ["AFP"] * 2,
         "level": ["No", "Yes"], "n": [50, 56], "events": [20, 37]}
    )  # fmt: skip
    tables = {"survival": survival, "subgroups": subgroups}
    system = build_cell_system(tables, {k: additivity_of(k) for k, v in tables.items()})
    # cells: survival n e (0, 1), subgroups n0 e0 n1 e1 (2-5); remainders: survival 50
    # without an event, subgroups 30 and 19, then 2 patients without AFP (n) and 1 (events)
    np.testing.assert_array_equal(system.values[6:], [50, 30, 19, 2, 1])
    assert [-1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0] in system.sign.tolist()  # 108 = 50 + 56 + 2
    assert [0, -1, 0, 1, 0, 1, 0, 0, 0, 0, 1] in system.sign.tolist()  # 58 = 20 + 37 + 1
    # without the survival table, the levels add up to a total printed elsewhere (as before)
    alone = build_cell_system({"subgroups": subgroups}, {"subgroups": additivity_of("subgroups")})
    assert [1, 0, 1, 0, 0, 0] in alone.sign.tolist()
