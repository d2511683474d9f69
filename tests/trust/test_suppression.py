"""Small-cell suppression: no count 1..min_cell-1 remains, a suppressed cell cannot be
recovered from any total of its table (rows, columns, steps, tables repeating one another),
and non-shareable output is unchanged.

Each hand-made table below is one found in the demo run: the first assertion shows the leak
under the old rule (complements only down one column), the rest that it is closed."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from oncorwe.privacy.additivity import Across, Additivity, Down, column_rule
from oncorwe.privacy.cell_system import build_cell_system
from oncorwe.privacy.exported import EXPORTED_TABLES
from oncorwe.privacy.suppression import protect, suppress_table, suppress_tables

BASELINE = pd.DataFrame(
    {
        "characteristic": ["sex", "sex", "ecog", "ecog", "ecog", "bclc", "bclc"],
        "level": ["M", "F", "0", "1", "2", "B", "C"],
        "n": [95, 13, 60, 45, 3, 20, 88],
        "pct": [87.96, 12.04, 55.56, 41.67, 2.78, 18.52, 81.48],
        "median": [np.nan] * 7,
    }
)


# --- a reader's attack, written apart from the library: subtraction over known relations


def shown_cells(before: pd.DataFrame, after: pd.DataFrame, columns) -> tuple[dict, set]:
    """Every count cell ``(row, column)`` with its true value, and the cells ``after`` shows."""
    values, shown = {}, set()
    for column in columns:
        for row, (true, seen) in enumerate(zip(before[column], after[column], strict=True)):
            values[(row, column)] = true
            if pd.notna(seen):
                shown.add((row, column))
    return values, shown


def subtraction_attack(values: dict, shown: set, relations: list) -> set:
    """Hidden cells recovered by solving, again and again, any relation ``total = sum(parts)``
    with exactly one unknown cell (a total of None is printed elsewhere)."""
    known = {cell: values[cell] for cell in shown}
    found = True
    while found:
        found = False
        for total, parts in relations:
            cells = [*parts, *([total] if total is not None else [])]
            unknown = [c for c in cells if c not in known]
            if len(unknown) != 1:
                continue
            whole = known[total] if total is not None and total in known else None
            if whole is None and total is None:
                whole = sum(values[p] for p in parts)
            cell = unknown[0]
            rest = sum(known[p] for p in parts if p != cell)
            known[cell] = rest if cell == total else whole - rest
            found = True
    return set(known) - shown


def hidden_per_relation(shown: set, relations: list) -> list[int]:
    return [
        sum(c not in shown for c in [*parts, *([total] if total is not None else [])])
        for total, parts in relations
    ]


def assert_protected(values: dict, shown: set, relations: list) -> None:
    assert all(k == 0 or k >= 2 for k in hidden_per_relation(shown, relations))
    assert subtraction_attack(values, shown, relations) == set()


# --- the rule of each table, by hand


def test_primary_and_complementary_suppression_by_hand():
    out = suppress_table(BASELINE, 5, column_rule(BASELINE))
    # ecog 2 (n = 3) is primary; ecog 1 (45, the next smallest of 60/45) is complementary
    flags = ["", "", "", "complementary", "primary", "", ""]
    assert out["n_suppressed"].tolist() == flags
    hidden = out["n_suppressed"].astype(bool)
    assert out["n"].isna().tolist() == hidden.tolist()
    assert out["pct"].isna().tolist() == hidden.tolist()
    kept = ~hidden
    assert out.loc[kept, "n"].tolist() == BASELINE.loc[kept, "n"].tolist()
    ecog = out[out["characteristic"] == "ecog"]
    assert ecog["n"].isna().sum() >= 2


def test_attrition_steps_and_the_flow_diagram_numbers():
    attrition = pd.DataFrame(
        {
            "step": ["source", "setting", "rt", "ici", "window"],
            "n_remaining": [122, 117, 117, 113, 108],
            "n_excluded": [0, 5, 0, 4, 5],
        }
    )
    steps = [((i - 1, "n_remaining"), [(i, "n_remaining"), (i, "n_excluded")]) for i in range(1, 5)]
    columns = ("n_remaining", "n_excluded")
    # before: only n_excluded had a complement (5 of step 2), and 4 = 117 - 113
    old = suppress_table(attrition, 5, column_rule(attrition))
    assert (3, "n_excluded") in subtraction_attack(*shown_cells(attrition, old, columns), steps)
    out = suppress_tables({"attrition": attrition}, 5)["attrition"]
    assert out["n_remaining_suppressed"].tolist() == ["", "", "", "complementary", ""]
    assert out["n_excluded_suppressed"].tolist() == ["", "", "", "primary", "complementary"]
    assert out["n_remaining"].iloc[-1] == 108  # the cohort size, printed everywhere, stays
    assert_protected(*shown_cells(attrition, out, columns), steps)


def test_adverse_event_grade_bands_add_up_to_any_grade():
    ae = pd.DataFrame(
        {
            "term": ["Anemia", "Fatigue"],
            "any_n": [27, 36],
            "any_pct": [25.0, 33.3],
            "grade1_2_n": [25, 36],
            "grade3_4_n": [2, 0],
            "grade5_n": [0, 0],
            "grade3plus_n": [2, 0],
        }
    )
    bands = ("any_n", "grade1_2_n", "grade3_4_n", "grade5_n", "grade3plus_n")
    rows = [
        ((r, "any_n"), [(r, "grade1_2_n"), (r, "grade3_4_n"), (r, "grade5_n")]) for r in (0, 1)
    ] + [((r, "grade3plus_n"), [(r, "grade3_4_n"), (r, "grade5_n")]) for r in (0, 1)]
    old = suppress_table(ae, 5, column_rule(ae))  # grade 3-4 of anemia = 27 - 25 - 0
    assert (0, "grade3_4_n") in subtraction_attack(*shown_cells(ae, old, bands), rows)
    out = suppress_tables({"adverse_events": ae}, 5)["adverse_events"]
    assert out["grade1_2_n_suppressed"].tolist() == ["complementary", ""]
    assert out["grade3_4_n_suppressed"].tolist() == ["primary", ""]
    assert out["grade3plus_n_suppressed"].tolist() == ["primary", ""]
    assert out["any_n"].tolist() == [27, 36]
    assert_protected(*shown_cells(ae, out, bands), rows)


RESPONSE = pd.DataFrame(
    {
        "criteria": ["mRECIST"] * 9 + ["RECIST1.1"] * 9,
        "confirmed": [False] * 18,
        "category": ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING", "ORR", "DCR"] * 2,
        "n": [13, 68, 23, 0, 4, 0, 0, 81, 104] + [4, 46, 54, 0, 4, 0, 0, 50, 104],
        "pct": [np.nan] * 18,
    }
)


def response_relations(block: int) -> list:
    """ORR = CR + PR, DCR = CR + PR + SD + NON-CR/NON-PD, the categories add up to N, and
    (their difference) N = DCR + PD + NE + MISSING; rows of block 0 or 1."""
    at = {c: (9 * block + i, "n") for i, c in enumerate(RESPONSE["category"][:9])}
    return [
        (at["ORR"], [at["CR"], at["PR"]]),
        (at["DCR"], [at["CR"], at["PR"], at["SD"], at["NON-CR/NON-PD"]]),
        (None, [at[c] for c in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")]),
        (None, [at[c] for c in ("DCR", "PD", "NE", "MISSING")]),
    ]


def test_response_orr_dcr_and_the_cohort_size():
    relations = response_relations(0) + response_relations(1)
    old = suppress_table(RESPONSE, 5, column_rule(RESPONSE))  # PD = N - DCR; CR = ORR - PR
    assert subtraction_attack(*shown_cells(RESPONSE, old, ["n"]), relations)
    out = suppress_tables({"response": RESPONSE}, 5)["response"]
    flags = dict(zip(out["criteria"] + " " + out["category"], out["n_suppressed"], strict=True))
    hidden = {k: v for k, v in flags.items() if v}
    assert hidden == {
        "mRECIST PD": "primary",
        "mRECIST SD": "complementary",
        "mRECIST DCR": "complementary",
        "RECIST1.1 CR": "primary",
        "RECIST1.1 PR": "complementary",
        "RECIST1.1 PD": "primary",
        "RECIST1.1 ORR": "complementary",
        "RECIST1.1 DCR": "complementary",
    }
    assert_protected(*shown_cells(RESPONSE, out, ["n"]), relations)


def test_response_by_criteria_repeats_the_hidden_orr_and_dcr():
    by_criteria = pd.DataFrame(
        {
            "criteria": ["mRECIST", "RECIST1.1"],
            "confirmed": [False, False],
            "orr_n": [81, 50],
            "orr_pct": [75.0, 46.3],
            "dcr_n": [104, 104],
            "dcr_pct": [96.3, 96.3],
        }
    )
    out = suppress_tables({"response": RESPONSE, "response_by_criteria": by_criteria}, 5)
    side = out["response_by_criteria"]
    assert side["orr_n"].isna().tolist() == [False, True]  # RECIST 1.1's ORR is a complement
    assert side["dcr_n"].isna().tolist() == [True, True]  # else PD = 108 - 104 again
    assert side["dcr_pct"].isna().all()


def test_baseline_by_group_overall_column_is_the_sum_of_the_groups():
    rows = [("Male", g, n) for g, n in (("Overall", 95), ("Concurrent", 60), ("Sequential", 35))]
    rows += [("Female", g, n) for g, n in (("Overall", 13), ("Concurrent", 10), ("Sequential", 3))]
    table = pd.DataFrame(rows, columns=["level", "group", "n"]).assign(
        characteristic="Sex", pct=np.nan, missing=0
    )
    at = {(lv, g): (i, "n") for i, (lv, g, _) in enumerate(rows)}
    relations = [
        (at[(lv, "Overall")], [at[(lv, "Concurrent")], at[(lv, "Sequential")]])
        for lv in ("Male", "Female")
    ] + [
        (None, [at[("Male", g)], at[("Female", g)]])
        for g in ("Overall", "Concurrent", "Sequential")
    ]
    old = suppress_table(table, 5, column_rule(table))  # Female, sequential = 13 - 10
    leaked = subtraction_attack(*shown_cells(table, old, ["n"]), relations)
    assert at[("Female", "Sequential")] in leaked
    out = suppress_tables({"baseline_by_group": table}, 5)["baseline_by_group"]
    assert out["n_suppressed"].tolist() == [""] + ["complementary"] * 2 + [
        "",
        "complementary",
        "primary",
    ]
    assert_protected(*shown_cells(table, out, ["n"]), relations)


def test_a_hidden_missing_count_hides_the_percentages_it_is_the_denominator_of():
    # 17 patients, 2 without a value: the percentages are of 15, so they give 2 away
    table = pd.DataFrame(
        {
            "characteristic": ["Child-Pugh class"] * 2,
            "level": ["A", "B"],
            "n": [9, 6],
            "pct": [60.0, 40.0],
            "missing": [2, 2],
        }
    )
    relations = [(None, [(0, "n"), (1, "n"), (0, "missing")])]
    old = suppress_table(table, 5, column_rule(table))
    assert subtraction_attack(*shown_cells(table, old, ["n", "missing"]), relations)
    out = suppress_tables({"baseline": table}, 5)["baseline"]
    assert out["missing_suppressed"].tolist() == ["primary", "primary"]
    assert out["n_suppressed"].tolist() == ["", "complementary"]
    assert out["pct"].isna().all()  # A's for the missing count, B's with its own count
    assert out["pct_suppressed"].tolist() == ["complementary", ""]
    assert_protected(*shown_cells(table, out, ["n", "missing"]), relations)


def test_field_response_categories_and_the_not_evaluable_remainder():
    field = pd.DataFrame(
        {
            "scope": ["in_field", "out_of_field"],
            "criteria": ["mRECIST"] * 2,
            "n_evaluable": [91, 84],
            "cr_n": [11, 12],
            "pr_n": [56, 37],
            "sd_n": [22, 33],
            "pd_n": [0, 2],
            "orr_n": [67, 49],
            "orr_pct": [73.6, 58.3],
        }
    )
    columns = ["n_evaluable", "cr_n", "pr_n", "sd_n", "pd_n", "orr_n"]
    values = {(r, c): field[c][r] for r in (0, 1) for c in columns}
    values |= {(0, "ne"): 2, (1, "ne"): 0}  # 91 - 89: two patients not evaluable, not shown
    relations = [
        ((r, "n_evaluable"), [(r, c) for c in ("cr_n", "pr_n", "sd_n", "pd_n", "ne")])
        for r in (0, 1)
    ] + [((r, "orr_n"), [(r, "cr_n"), (r, "pr_n")]) for r in (0, 1)]
    old = suppress_table(field, 5, column_rule(field))
    _, shown = shown_cells(field, old, columns)
    assert subtraction_attack(values, shown | {(1, "ne")}, relations) == {(0, "ne"), (1, "pd_n")}
    out = suppress_tables({"field_response": field}, 5)["field_response"]
    assert out["sd_n_suppressed"].tolist() == ["complementary", "complementary"]
    assert out["pd_n_suppressed"].tolist() == ["", "primary"]
    _, shown = shown_cells(field, out, columns)
    assert_protected(values, shown | {(1, "ne")}, relations)  # a 0 remainder may be known


def test_eqd2_all_patients_row_is_the_sum_of_the_others():
    eqd2 = pd.DataFrame(
        {
            "group": ["All patients", "SBRT (>= 5 Gy per fraction)", "Conventional"],
            "n": [108, 55, 53],
            "bed_ge_100_n": [33, 30, 3],
        }
    )
    relations = [((0, c), [(1, c), (2, c)]) for c in ("n", "bed_ge_100_n")]
    old = suppress_table(eqd2, 5, column_rule(eqd2))
    assert subtraction_attack(*shown_cells(eqd2, old, ["n", "bed_ge_100_n"]), relations)
    out = suppress_tables({"eqd2": eqd2}, 5)["eqd2"]
    assert out["bed_ge_100_n_suppressed"].tolist() == ["", "complementary", "primary"]
    assert_protected(*shown_cells(eqd2, out, ["n", "bed_ge_100_n"]), relations)


def test_two_small_cells_that_add_up_to_their_count_get_a_third():
    # 1 + 1 of 52: both hidden, but a reader knows each is at least 1 and they make 2
    table = pd.DataFrame({"characteristic": ["x"] * 3, "level": list("abc"), "n": [1, 1, 50]})
    out = suppress_table(table, 5, column_rule(table))
    assert out["n_suppressed"].tolist() == ["primary", "primary", "complementary"]


def test_a_lone_small_cell_beside_zeros_is_reported_not_hidden_behind_a_zero(caplog):
    # [c] tells a reader "0 or at least 5": a zero beside the 3 would protect nothing
    table = pd.DataFrame({"characteristic": ["x"] * 3, "level": list("abc"), "n": [3, 0, 0]})
    with caplog.at_level(logging.WARNING, logger="oncorwe.privacy"):
        out = suppress_table(table, 5, column_rule(table))
    assert out["n_suppressed"].tolist() == ["primary", "", ""]
    assert "remain recoverable" in caplog.text


def test_no_small_cell_remains_and_two_hidden_cells_need_no_complement():
    table = pd.DataFrame(
        {
            "criteria": ["mRECIST"] * 4 + ["RECIST1.1"] * 4,
            "category": ["CR", "PR", "SD", "PD"] * 2,
            "n": [1, 40, 63, 4, 0, 30, 70, 8],
            "pct": [0.9, 37.0, 58.3, 3.7, 0.0, 27.8, 64.8, 7.4],
        }
    )
    out = suppress_table(table, 5, column_rule(table))
    shown = out["n"].dropna()
    assert not ((shown >= 1) & (shown < 5)).any()
    # mRECIST: CR and PD are both primary, so no complement is needed
    assert out["n_suppressed"].tolist()[:4] == ["primary", "", "", "primary"]
    # RECIST1.1 has no small cell and is untouched (0 is shown)
    assert out["n"].tolist()[4:] == [0, 30, 70, 8]


def test_every_count_column_and_its_percentages():
    ae = pd.DataFrame(
        {
            "term": ["Fatigue", "Rash", "Pneumonitis"],
            "any_n": [30, 12, 2],
            "any_pct": [27.8, 11.1, 1.9],
            "grade3plus_n": [3, 0, 1],
            "grade3plus_pct": [2.8, 0.0, 0.9],
        }
    )
    out = suppress_table(ae, 5, column_rule(ae))  # each column adds up
    assert out["any_n_suppressed"].tolist() == ["", "complementary", "primary"]
    assert out["grade3plus_n_suppressed"].tolist() == ["primary", "", "primary"]
    assert out["any_pct"].isna().tolist() == [False, True, True]
    assert out["grade3plus_pct"].isna().tolist() == [True, False, True]


def test_min_cell_11_and_at_risk_counts():
    at_risk = pd.DataFrame(
        {"endpoint": ["os"] * 4, "time": [0, 6, 12, 24], "n_risk": [108, 60, 12, 9]}
    )
    out = suppress_table(at_risk, 11, column_rule(at_risk))
    assert out["n_risk"].isna().tolist() == [False, False, True, True]


def test_tables_without_small_cells_are_unchanged_and_patient_level_tables_dropped():
    big = BASELINE[BASELINE["n"] >= 5]
    pd.testing.assert_frame_equal(suppress_table(big, 5, column_rule(big)), big)
    tables = suppress_tables({"baseline": big, "swimmer": big}, 5)
    assert list(tables) == ["baseline"]


def test_the_ci_of_a_suppressed_response_count_is_suppressed_too():
    response = pd.DataFrame(
        {
            "criteria": ["mRECIST"] * 3,
            "category": ["CR", "PR", "ORR"],
            "n": [2, 40, 42],
            "pct": [1.9, 37.0, 38.9],
            "ci_lower": [0.2, 27.9, 29.6],
            "ci_upper": [6.6, 46.8, 48.7],
        }
    )
    out = suppress_table(response, 5, column_rule(response))
    assert out["ci_lower"].isna().tolist() == [True, True, False]
    assert out["ci_upper"].isna().tolist() == [True, True, False]
    # a median's CI (no pct column) is not a count's: kept
    survival = pd.DataFrame({"endpoint": ["lc"], "n": [3], "ci_lower": [4.0], "ci_upper": [9.0]})
    assert suppress_table(survival, 5, column_rule(survival))["ci_lower"].tolist() == [4.0]


# --- any table with a row total and a column total


def two_way(cells: list[list[int]]) -> pd.DataFrame:
    """Interior counts with a ``total`` column and a ``Total`` row."""
    interior = pd.DataFrame(cells, columns=[f"c{j}_n" for j in range(len(cells[0]))])
    interior["total_n"] = interior.sum(axis=1)
    table = pd.concat([interior, interior.sum().to_frame().T], ignore_index=True)
    return table.assign(row=[f"r{i}" for i in range(len(cells))] + ["Total"])


def two_way_additivity(columns: list[str]) -> Additivity:
    return Additivity(
        "a two-way table with its margins",
        relations=(
            Across(total="total_n", parts=tuple(columns)),
            Down(label="row", total="Total"),
        ),
    )


small_counts = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30])


@settings(max_examples=50, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda width: st.lists(
            st.lists(small_counts, min_size=width, max_size=width), min_size=2, max_size=4
        )  # fmt: skip
    )
)
def test_property_no_hidden_cell_is_alone_in_a_row_or_column(cells):
    table = two_way(cells)
    parts = [c for c in table.columns if c.startswith("c")]
    counts = [*parts, "total_n"]
    out = suppress_table(table, 5, two_way_additivity(parts))
    last = len(table) - 1
    relations = [((r, "total_n"), [(r, c) for c in parts]) for r in range(len(table))]
    relations += [((last, c), [(r, c) for r in range(last)]) for c in counts]
    values, shown = shown_cells(table, out, counts)
    # no small count is shown, every shown count is the true one
    assert not any(1 <= values[c] < 5 for c in shown)
    assert all(out[c][r] == values[(r, c)] for r, c in shown)
    assert_protected(values, shown, relations)
    # the audit over every combination of relations finds nothing either, unless nothing is
    # left to hide (all of [[0, 0, 1], [1, 1, 1]] is below 5, its total too: 1s, 2s, 3 and 4)
    system = build_cell_system({"t": table}, {"t": two_way_additivity(parts)})
    protection = protect(system, 5)
    assert not protection.unprotected.any() or (protection.hidden | (system.values == 0)).all()


# --- the shareable demo: every declared relation of every exported table


def test_the_declarations_name_the_tables_the_analysis_writes():
    assert {"attrition", "baseline", "baseline_by_group", "response", "field_response",
            "eqd2", "adverse_events"} <= set(EXPORTED_TABLES)  # fmt: skip
